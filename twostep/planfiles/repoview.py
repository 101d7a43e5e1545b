"""What the repository holds, as far as choosing files for a model is concerned.

A RepoView answers "is this path a tracked file", "which tracked files end with this", and "why
may this path not be sent" (ignored, untracked, symlink out of the repository, inside a submodule).

Built from git with at most four calls, all batched: `rev-parse --show-toplevel` and `ls-files -s`
up front; `check-ignore --stdin` and one `ls-files --others` listing only when a plan names files
git does not track (the listing only for bare names not found otherwise). Everything else is
dictionary lookups, so a 50k-file repository costs one listing, not one process per mention.
Tests build it from lists with `RepoView.from_paths`.
"""

from __future__ import annotations

import bisect
import os
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping

from twostep.planfiles.paths import glob_to_regex
from twostep.tools import git

_SYMLINK, _GITLINK = "120000", "160000"


class RepoView:
    def __init__(self, root: str, tracked: Iterable[str], *, probe: _Probe,
                 symlinks: Iterable[str] = (), gitlinks: Iterable[str] = (),
                 name: str | None = None):
        self.root = root
        self.name = name or posixpath.basename(root.rstrip("/"))
        self._tracked = frozenset(tracked)
        self._sorted = sorted(self._tracked)
        self._symlinks = frozenset(symlinks)
        self._gitlinks = frozenset(gitlinks)
        self._probe = probe
        self._by_base: dict[str, list[str]] = defaultdict(list)
        for p in self._sorted:
            self._by_base[p.rsplit("/", 1)[-1]].append(p)
        self._dirs: dict[str, list[str]] | None = None
        self.top_dirs = frozenset(p.split("/", 1)[0] for p in self._sorted if "/" in p)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_git(cls, cwd: str | None = None) -> RepoView:
        """The repository containing `cwd` (default: the current directory)."""

        top = str(git.root(cwd or os.getcwd()))
        tracked: list[str] = []
        symlinks: list[str] = []
        gitlinks: list[str] = []
        for entry in git.index(top):
            mode, path = entry.mode, entry.path
            kind = symlinks if mode == _SYMLINK else gitlinks if mode == _GITLINK else tracked
            kind.append(path)
        return cls(top, tracked + symlinks, probe=_DiskProbe(top), symlinks=symlinks,
                   gitlinks=gitlinks)

    @classmethod
    def from_paths(cls, root: str, tracked: Iterable[str], *, ignored: Iterable[str] = (),
                   untracked: Iterable[str] = (), symlinks: Mapping[str, str] | None = None,
                   name: str | None = None) -> RepoView:
        """An in-memory repository. `ignored` entries ending in '/' are ignored directories;
        `symlinks` maps tracked link paths to their targets (relative to the link, or absolute)."""
        links = dict(symlinks or {})
        probe = _MemoryProbe(root, ignored, untracked, links)
        return cls(root, set(tracked) | set(links), probe=probe, symlinks=links, name=name)

    # -- lookups ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._tracked)

    def is_tracked(self, path: str) -> bool:
        return path in self._tracked

    def is_dir(self, path: str) -> bool:
        """A directory holding at least one tracked file."""
        path = path.strip("/")
        if not path:
            return False
        i = bisect.bisect_left(self._sorted, path + "/")
        return i < len(self._sorted) and self._sorted[i].startswith(path + "/")

    def with_basename(self, name: str, *, ignore_case: bool = False) -> tuple[str, ...]:
        if not ignore_case:
            return tuple(self._by_base.get(name, ()))
        low = name.lower()
        return tuple(p for b, ps in self._by_base.items() if b.lower() == low for p in ps)

    def with_stem(self, stem: str) -> tuple[str, ...]:
        """Tracked files named stem.ext (README -> README.md, docs/README.rst)."""
        return tuple(p for b, ps in self._by_base.items() if b.split(".", 1)[0] == stem and "." in b
                     for p in ps)

    def with_suffix(self, suffix: str) -> tuple[str, ...]:
        """Tracked files whose path ends with /suffix (whole components), or equals it."""
        suffix = suffix.strip("/")
        hits = self._by_base.get(suffix.rsplit("/", 1)[-1], ())
        return tuple(p for p in hits if p == suffix or p.endswith("/" + suffix))

    def dirs_with_suffix(self, suffix: str) -> tuple[str, ...]:
        """Directories (holding tracked files) whose path ends with /suffix or equals it."""
        if self._dirs is None:  # built on first use: most plans never need it
            self._dirs = defaultdict(list)
            for d in sorted(self._ancestors()):
                self._dirs[d.rsplit("/", 1)[-1]].append(d)
        suffix = suffix.strip("/")
        hits = self._dirs.get(suffix.rsplit("/", 1)[-1], ())
        return tuple(d for d in hits if d == suffix or d.endswith("/" + suffix))

    def _ancestors(self) -> set[str]:
        out: set[str] = set()
        for p in self._sorted:
            parts = p.split("/")
            out.update("/".join(parts[:i]) for i in range(1, len(parts)))
        return out

    def glob(self, pattern: str) -> tuple[str, ...]:
        """Tracked files matching a gitignore-style glob (`**/` spans directories)."""
        rx = glob_to_regex(pattern)
        return tuple(p for p in self._sorted if rx.match(p))

    def suggest(self, path: str, limit: int = 3) -> tuple[str, ...]:
        """Tracked files the author may have meant: same base name, or same name but for case."""
        base = path.rstrip("/").rsplit("/", 1)[-1]
        same = self.with_basename(base) or self.with_basename(base, ignore_case=True)
        return same[:limit]

    # -- safety -------------------------------------------------------------------------------

    def unsafe_reason(self, path: str) -> str | None:
        """Why a tracked path must still not be sent, judged on the working tree: its target
        (following every symlink on the way) must be a tracked regular file inside the
        repository."""
        target = self._probe.target(path)
        if target is None:
            return "tracked but missing from the working tree"
        if target.startswith("/") or target == ".." or target.startswith("../"):
            return f"symlink to outside the repository ({target})"
        if target.split("/", 1)[0] == ".git":
            return "symlink into .git/"
        if target != path and target not in self._tracked:
            return f"symlink to {target}, which is not a tracked file"
        return None

    def classify(self, paths: Iterable[str], *, near: Iterable[str] = ()) -> dict[str, str]:
        """Why each untracked path is not selectable, for the paths that exist or are ignored.
        Paths absent from the result are simply not there (a typo, or a file to create). Paths
        in `near` may also be found by name elsewhere ("widget_debug.go" -> internal/widget/...)."""
        out: dict[str, str] = {}
        rest = []
        near = {x.strip("/") for x in near}
        for p in dict.fromkeys(x.strip("/") for x in paths):
            reason = self._structural(p)
            if reason:
                out[p] = reason
            elif p:
                rest.append(p)
        out.update(self._probe.classify(rest))
        for p in rest:
            if p not in out and p in near:
                hit = self._probe.other_named(p)
                if hit:
                    out[p] = f"{hit[1]} ({hit[0]})"
        return out

    def _structural(self, path: str) -> str | None:
        """Submodules and symlinked directories: git itself refuses to look past them."""
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent in self._gitlinks:
                return f"inside submodule {parent}/"
            if parent in self._symlinks or self._probe.is_link(parent):
                return f"beyond the symbolic link {parent}"
        return "a submodule, not a file" if path in self._gitlinks else None


class _Probe:
    """The working tree behind a RepoView: the disk for real repositories, lists for tests."""
    def target(self, path: str) -> str | None: ...

    def is_link(self, path: str) -> bool:
        raise NotImplementedError  # every probe overrides it

    def classify(self, paths: list[str]) -> dict[str, str]:
        raise NotImplementedError  # every probe overrides it

    def other_named(self, path: str) -> tuple[str, str] | None: ...


class _DiskProbe(_Probe):
    def __init__(self, root: str):
        self.root = root
        self.real_root = os.path.realpath(root)
        self._others: list[tuple[str, str]] | None = None

    def target(self, path: str) -> str | None:
        full = os.path.join(self.root, path)
        if not os.path.lexists(full):
            return None
        real = os.path.realpath(full)
        rel = os.path.relpath(real, self.real_root).replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):
            return real
        if not os.path.isfile(real):
            return None if not os.path.exists(real) else rel + "/"  # a directory is no file
        return rel

    def is_link(self, path: str) -> bool:
        return os.path.islink(os.path.join(self.root, path))

    def classify(self, paths: list[str]) -> dict[str, str]:
        ignored = git.check_ignore(self.root, paths) if paths else set()
        out = {p: "git-ignored" for p in paths if p in ignored}
        for p in paths:
            if p not in out and os.path.lexists(os.path.join(self.root, p)):
                out[p] = "untracked (not in git)"
        return out

    def other_named(self, path: str) -> tuple[str, str] | None:
        if self._others is None:  # one listing, and only when a plan names something unknown

            self._others = [(p, "untracked (not in git)") for p in git.others(self.root)]
        return _by_suffix(self._others, path)


class _MemoryProbe(_Probe):
    def __init__(self, root: str, ignored: Iterable[str], untracked: Iterable[str],
                 symlinks: Mapping[str, str]):
        self.root = root.rstrip("/")
        self.ignored = tuple(ignored)
        self.untracked = tuple(untracked)
        self.symlinks = symlinks

    def target(self, path: str) -> str | None:
        """Follow symlinks lexically, component by component, as the kernel would."""
        parts, done, hops = path.split("/"), "", 0
        while parts:
            cur = posixpath.join(done, parts.pop(0)) if done else parts.pop(0)
            if cur in self.symlinks and hops < 40:
                hops += 1
                link = self.symlinks[cur]
                if link.startswith("/"):
                    inside = link.startswith(self.root + "/")
                    cur = link[len(self.root) + 1:] if inside else link
                    if not inside:
                        return posixpath.normpath(posixpath.join(cur, *parts))
                else:
                    cur = posixpath.normpath(posixpath.join(posixpath.dirname(cur), link))
                if cur == ".." or cur.startswith("../"):
                    return posixpath.normpath(posixpath.join(cur, *parts))
                parts, done = cur.split("/") + parts, ""
                continue
            done = cur
        return done

    def is_link(self, path: str) -> bool:
        return path in self.symlinks

    def classify(self, paths: list[str]) -> dict[str, str]:
        out = {}
        for p in paths:
            if any(p == e.rstrip("/") or (e.endswith("/") and p.startswith(e))
                   for e in self.ignored):
                out[p] = "git-ignored"
            elif any(p == e.rstrip("/") or p.startswith(e.rstrip("/") + "/")
                     for e in self.untracked):
                out[p] = "untracked (not in git)"
        return out

    def other_named(self, path: str) -> tuple[str, str] | None:
        listed = [(e, "git-ignored") for e in self.ignored if not e.endswith("/")]
        listed += [(e, "untracked (not in git)") for e in self.untracked]
        return _by_suffix(listed, path)


def _by_suffix(listed: list[tuple[str, str]], path: str) -> tuple[str, str] | None:
    hits = [(p, why) for p, why in listed if p == path or p.endswith("/" + path)]
    return hits[0] if len(hits) == 1 else None

