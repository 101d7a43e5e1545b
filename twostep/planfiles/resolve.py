"""Resolve the candidates of a scanned plan against a RepoView.

Order of trust, from the spec: a path that is tracked is selected; a partial path or bare name is
selected only when exactly one tracked file fits (or the same line, the heading above, or the
files section names its directory); everything else is reported, never guessed. Safety is
checked last, on what is about to be selected, against the working tree.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Sequence

from twostep.planfiles.paths import (
    DOC_STEMS,
    alias_of,
    clean,
    expand_braces,
    ext_of,
    file_shaped,
    is_dotfile,
    is_glob,
    is_host,
    is_known_name,
    is_url,
    refusal,
    refusal_worth_reporting,
    variants,
)
from twostep.planfiles.repoview import RepoView
from twostep.planfiles.result import Ambiguous, Discrepancy, Refused, Unresolved, mention
from twostep.planfiles.scan import Candidate, Scan

_TRUSTED = ("section", "link", "tree")  # written as paths on purpose: report whatever fails
_PROSE_KINDS = ("prose", "code", "link")  # lines whose paths give context to bare names
_COVERED = "\0covered"  # an ambiguous name whose candidates the plan already names in full
_GLOB_LIMIT = 200


class Resolver:
    def __init__(self, repo: RepoView, scan: Scan, patterns: Sequence[str] = ()):
        self.repo, self.scan, self.patterns = repo, scan, tuple(patterns)
        self.selected: dict[str, list[Candidate]] = {}
        self.section_paths: set[str] = set()
        self.deletes: set[str] = set()
        # Context for bare names, per scope (("line", n) or ("para", n)): directories the plan
        # names there, and the directories of files it names there unambiguously.
        self.dirs: dict[tuple[str, int], set[str]] = defaultdict(set)
        self.parents: dict[tuple[str, int], set[str]] = defaultdict(set)
        self.pending: list[tuple[Candidate, str]] = []  # untracked: one batched repository query
        self.ambiguous: list[tuple[Candidate, str, tuple[str, ...]]] = []
        self.to_create: list[tuple[Candidate, str]] = []
        self.missing: list[tuple[Candidate, str]] = []
        self.creates: dict[str, Candidate] = {}
        self.refused: list[Refused] = []
        self.unresolved: list[Unresolved] = []
        self.unclear: list[Ambiguous] = []
        self.discrepancies: list[Discrepancy] = []
        self.done_groups: set[int] = set()

    def run(self) -> Resolver:
        """Decide every candidate; answer.build_resolution() then reads the outcome."""
        for c in self.scan.candidates:
            if not (c.group and not c.whole and c.group in self.done_groups):
                for tok in expand_braces(c.text):
                    self._candidate(c, tok)
        self._settle_pending()
        self._settle_ambiguous()
        self._settle_creates()
        self._check_safety()
        return self

    # -- first pass: what each token is -------------------------------------------------------

    def _candidate(self, c: Candidate, tok: str) -> None:
        path = clean(tok)
        if path.lower().startswith("file:"):
            return self._refuse(c, path, "file URL (outside the repository)")
        if not path or is_url(path) or (c.kind == "prose" and not _pathish(path)):
            return None
        forms, canon = variants(path, link=c.kind == "link", diff=c.diff)
        shown = canon if refusal(canon) else path  # C:\x.go must not be reported as "C"
        why = refusal(shown)
        if why:
            if refusal_worth_reporting(shown, c.kind):
                self._refuse(c, shown, why + self._hint(shown))
            return None
        if self._foreign(canon) or (c.kind == "block" and "/" not in canon):
            return None
        if self._exact(c, forms):
            return None
        if c.whole:  # a code span with spaces: "docs/Design Notes.md", else its parts count
            hits = self._hits(c, canon)
            return self._select(c, hits[0], explicit=False) if len(hits) == 1 else None
        if self.repo.is_dir(canon) or self._dir_by_suffix(c, canon):
            if c.kind in _PROSE_KINDS:
                self._note(self.dirs, c, self._dir_by_suffix(c, canon) or canon.strip("/"))
        elif c.kind == "block":  # code: only full paths count, and only to refuse them
            if file_shaped(canon):
                self.pending.append((c, canon))
        elif is_glob(canon):
            if c.kind == "section":
                self._glob(c, canon)
        else:
            self._lookup(c, canon)
        return None

    def _dir_by_suffix(self, c: Candidate, token: str) -> str | None:
        """`api-client` or `http-server/` naming one tracked directory: context, never a file."""
        if c.kind not in ("code", "prose") or self.repo.is_dir(token) or ext_of(token.rstrip("/")):
            return None
        hits = self.repo.dirs_with_suffix(token.strip("/"))
        return hits[0] if len(hits) == 1 else None

    def _hint(self, path: str) -> str:
        """An absolute path into this repository: say which repo-relative path to write instead."""
        root = self.repo.root.rstrip("/") + "/"
        rel = path[len(root):] if path.startswith(root) else path.lstrip("/")
        return f"; write it repo-relative: {rel}" if self.repo.is_tracked(rel) else ""

    def _foreign(self, path: str) -> bool:
        """github.com/acme/x/pkg/y.go names another module's file, even if pkg/y.go exists here."""
        first, sep, _ = path.partition("/")
        return bool(sep) and is_host(first) and first not in self.repo.top_dirs

    def _exact(self, c: Candidate, forms: list[str]) -> bool:
        prefix = self.repo.name + "/"  # trees and some plans start at the repository's own name
        for form in forms + [f[len(prefix):] for f in forms if f.startswith(prefix)]:
            if self.repo.is_tracked(form):
                self._select(c, form, explicit=True)
                others = len(self.repo.with_basename(form)) - 1 if "/" not in form else 0
                if others and c.kind not in ("section", "link"):  # "Cargo.toml" in a workspace
                    self.add_discrepancy(form, c.line, "root-name",
                                         f"taken as the file at the repository root; {others} "
                                         "other tracked file(s) have this name")
                return True
        return False

    def _hits(self, c: Candidate, canon: str) -> tuple[str, ...]:
        if "/" in canon.strip("/"):
            return self.repo.with_suffix(alias_of(canon) or canon)
        if c.kind in _TRUSTED or ext_of(canon) or is_dotfile(canon) or is_known_name(canon):
            hits = self.repo.with_basename(canon)
            if not hits and canon in DOC_STEMS:  # "the README": README.md at the root
                hits = tuple(p for p in self.repo.with_stem(canon) if "/" not in p)
            if not hits and is_known_name(canon):  # "the dockerfile": like "Dockerfile", the
                hits = self.repo.with_basename(canon, ignore_case=True)  # root one if there is one
                hits = tuple(p for p in hits if "/" not in p) or hits
            return hits
        return ()  # a bare word without an extension ("setup", "run") is prose, not a file name

    def _lookup(self, c: Candidate, canon: str) -> None:
        hits = self._hits(c, canon)
        if len(hits) == 1:
            self._select(c, hits[0], explicit=True)  # unique: as good as written in full
        elif hits:
            self.ambiguous.append((c, canon, hits))
        else:
            self.pending.append((c, canon))

    def _glob(self, c: Candidate, pattern: str) -> None:
        hits = self.repo.glob(pattern)
        if not hits or len(hits) > _GLOB_LIMIT:
            why = f"the glob matches {len(hits)} tracked files; list the files instead"
            self.unresolved.append(Unresolved(mention(c, pattern), why))
        for path in hits if len(hits) <= _GLOB_LIMIT else ():
            self._select(c, path, explicit=False)

    def _select(self, c: Candidate, path: str, *, explicit: bool) -> None:
        self.selected.setdefault(path, []).append(c)
        if c.whole:
            self.done_groups.add(c.group)
        if c.kind == "section":
            self.section_paths.add(path)
            if c.action == "delete":
                self.deletes.add(path)
            if c.action == "create":
                self.add_discrepancy(path, c.line, "create-exists",
                                     "listed as create in the files section but already tracked "
                                     "(included)")
        elif explicit and c.kind in _PROSE_KINDS:
            self._note(self.parents, c, posixpath.dirname(path))

    def _note(self, pool: dict, c: Candidate, directory: str) -> None:
        """Record context. A named directory counts for its whole paragraph; the directory of
        a named file only for its own line: "`x.go` and its `x_test.go`", not a paragraph away."""
        pool[("line", c.line)].add(directory)
        if pool is self.dirs:
            pool[("para", c.para)].add(directory)

    @staticmethod
    def _scopes(c: Candidate) -> list[tuple[str, int]]:
        """Where to look for the directory of a bare name, nearest first."""
        return [("line", c.line), ("para", c.para), ("line", c.parent), ("line", c.heading)]

    # -- second pass: untracked names, ambiguity, files to create ------------------------------

    def _settle_pending(self) -> None:
        ask = [p for c, p in self.pending if c.kind in _TRUSTED or file_shaped(p) or ext_of(p)]
        near = [p for c, p in self.pending if not c.create]  # a file to create is meant to be new
        reasons = self.repo.classify(ask, near=near) if ask else {}
        for c, canon in self.pending:
            why = reasons.get(canon.strip("/"))
            if why:
                self._refuse(c, canon, why)
            elif c.kind != "block":
                self._missing(c, canon)

    def _missing(self, c: Candidate, canon: str) -> None:
        if c.kind == "section":
            if c.action == "create":
                self.to_create.append((c, canon))
            else:
                why = f"listed in the files section ({c.action}) but no tracked file has this path"
                self.unresolved.append(Unresolved(mention(c, canon), why, self.repo.suggest(canon)))
            return
        if c.kind in _TRUSTED or (file_shaped(canon) and ("/" in canon or c.kind == "code")):
            (self.to_create if c.create else self.missing).append((c, canon))

    def _settle_ambiguous(self) -> None:
        for c, canon, hits in self.ambiguous:
            pick = self._disambiguate(c, hits)
            if pick is None:
                self.unclear.append(Ambiguous(mention(c, canon), hits))
            elif pick != _COVERED:
                self._select(c, pick, explicit=False)

    def _disambiguate(self, c: Candidate, hits: tuple[str, ...]) -> str | None:
        """Not a guess: the plan itself says which one, by its files section, by naming the
        directory on the same line or in the heading above, or by naming the file in full."""
        listed = [p for p in hits if p in self.section_paths]
        if len(listed) == 1:
            return listed[0]
        for scope in self._scopes(c):
            pools = ((self.dirs.get(scope, ()), True), (self.parents.get(scope, ()), False))
            for pool, nested in pools:
                near = [p for p in hits if any(_within(p, d, nested) for d in pool)]
                if scope[1] and len(near) == 1:
                    return near[0]
        named = [p for p in hits if p in self.selected]
        return named[0] if len(named) == 1 else _COVERED if named else None

    def _settle_creates(self) -> None:
        for c, canon in self.to_create:
            path = canon.strip("/")
            self.creates.setdefault(path if "/" in path else self._place(c, path), c)
        full = [p for p in self.creates if "/" in p]
        for bare in [p for p in self.creates if "/" not in p]:
            if any(p.endswith("/" + bare) for p in full):
                del self.creates[bare]  # "(+ new `X.svelte`)" after "Create `src/lib/X.svelte`"
        for c, canon in self.missing:  # a later mention of a file to create is not a typo
            if not any(p == canon or p.endswith("/" + canon) for p in self.creates):
                why = "no tracked file has this path"
                self.unresolved.append(Unresolved(mention(c, canon), why, self.repo.suggest(canon)))

    def _place(self, c: Candidate, name: str) -> str:
        """`Create foo_test.go in internal/x/` -> internal/x/foo_test.go, when the line (or the
        heading) names exactly one directory."""
        for scope in self._scopes(c):
            pool = self.dirs.get(scope, set()) | self.parents.get(scope, set())
            if scope[1] and len(pool) == 1:
                d = next(iter(pool))
                return f"{d}/{name}" if d else name
        return name

    def _check_safety(self) -> None:
        for path in sorted(self.selected):
            why = self.repo.unsafe_reason(path)
            if why:
                self._refuse(self.selected.pop(path)[0], path, why)
                self.section_paths.discard(path)

    # -- the answer ---------------------------------------------------------------------------

    def add_discrepancy(self, path: str, line: int, kind: str, message: str) -> None:
        if not any(d.path == path and d.kind == kind for d in self.discrepancies):
            self.discrepancies.append(Discrepancy(path, line, kind, message))

    def _refuse(self, c: Candidate, text: str, why: str) -> None:
        self.refused.append(Refused(mention(c, text), why))


def _pathish(token: str) -> bool:
    return bool(re.search(r"[./\\~$]", token)) or is_known_name(token, prose=True)


def _within(path: str, directory: str, nested: bool) -> bool:
    if directory:
        if not path.startswith(directory + "/"):
            return False
        path = path[len(directory) + 1:]
    return nested or "/" not in path
