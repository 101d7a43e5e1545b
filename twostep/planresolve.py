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
from types import MappingProxyType
from typing import Sequence

from twostep.planpaths import (
    alias_of, clean, expand_braces, ext_of, file_shaped, glob_to_regex, is_dotfile, is_glob,
    is_host, is_known_name, is_url, refusal, refusal_worth_reporting, variants,
)
from twostep.planresult import (
    SOURCES, Ambiguous, Discrepancy, Mention, Refused, Resolution, Unresolved,
)
from twostep.planscan import Candidate, Scan
from twostep.repoview import RepoView

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
        self.dirs: dict[int, set[str]] = defaultdict(set)  # directories named on a line
        self.parents: dict[int, set[str]] = defaultdict(set)  # dirs of files named in full on a line
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

    def run(self) -> Resolution:
        for c in self.scan.candidates:
            if not (c.group and not c.whole and c.group in self.done_groups):
                for tok in expand_braces(c.text):
                    self._candidate(c, tok)
        self._settle_pending()
        self._settle_ambiguous()
        self._settle_creates()
        self._check_safety()
        return self._build()

    # -- first pass: what each token is -------------------------------------------------------

    def _candidate(self, c: Candidate, tok: str) -> None:
        path = clean(tok, markdown=c.kind == "prose")
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
        if self.repo.is_dir(canon):
            if c.kind in _PROSE_KINDS:
                self.dirs[c.line].add(canon.strip("/"))
        elif c.kind == "block":  # code: only full paths count, and only to refuse them
            if file_shaped(canon):
                self.pending.append((c, canon))
        elif is_glob(canon):
            if c.kind == "section":
                self._glob(c, canon)
        else:
            self._lookup(c, canon)
        return None

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
                return True
        return False

    def _hits(self, c: Candidate, canon: str) -> tuple[str, ...]:
        if "/" in canon.strip("/"):
            return self.repo.with_suffix(alias_of(canon) or canon)
        if c.kind in _TRUSTED or ext_of(canon) or is_dotfile(canon) or is_known_name(canon):
            hits = self.repo.with_basename(canon)
            if not hits and is_known_name(canon):  # "the dockerfile": like "Dockerfile", the
                hits = self.repo.with_basename(canon, ignore_case=True)  # root one if there is one
                hits = tuple(p for p in hits if "/" not in p) or hits
            return hits
        return ()  # a bare word without an extension ("setup", "run") is prose, not a file name

    def _lookup(self, c: Candidate, canon: str) -> None:
        hits = self._hits(c, canon)
        if len(hits) == 1:
            self._select(c, hits[0], explicit=False)
        elif hits:
            self.ambiguous.append((c, canon, hits))
        else:
            self.pending.append((c, canon))

    def _glob(self, c: Candidate, pattern: str) -> None:
        hits = self.repo.glob(pattern)
        if not hits or len(hits) > _GLOB_LIMIT:
            why = f"the glob matches {len(hits)} tracked files; list the files instead"
            self.unresolved.append(Unresolved(_mention(c, pattern), why))
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
                self._discrepancy(path, c.line, "create-exists",
                                  "listed as create in the files section but already tracked (included)")
        elif explicit and c.kind in _PROSE_KINDS:
            self.parents[c.line].add(posixpath.dirname(path))

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
                self.unresolved.append(Unresolved(_mention(c, canon), why, self.repo.suggest(canon)))
            return
        if c.kind in _TRUSTED or (file_shaped(canon) and ("/" in canon or c.kind == "code")):
            (self.to_create if c.create else self.missing).append((c, canon))

    def _settle_ambiguous(self) -> None:
        for c, canon, hits in self.ambiguous:
            pick = self._disambiguate(c, hits)
            if pick is None:
                self.unclear.append(Ambiguous(_mention(c, canon), hits))
            elif pick != _COVERED:
                self._select(c, pick, explicit=False)

    def _disambiguate(self, c: Candidate, hits: tuple[str, ...]) -> str | None:
        """Not a guess: the plan itself says which one, by its files section, by naming the
        directory on the same line or in the heading above, or by naming the file in full."""
        listed = [p for p in hits if p in self.section_paths]
        if len(listed) == 1:
            return listed[0]
        for line in (c.line, c.parent, c.heading):
            for pool, nested in ((self.dirs.get(line, ()), True), (self.parents.get(line, ()), False)):
                near = [p for p in hits if any(_within(p, d, nested) for d in pool)]
                if line and len(near) == 1:
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
                self.unresolved.append(Unresolved(_mention(c, canon), why, self.repo.suggest(canon)))

    def _place(self, c: Candidate, name: str) -> str:
        """`Create foo_test.go in internal/x/` -> internal/x/foo_test.go, when the line (or the
        heading) names exactly one directory."""
        for line in (c.line, c.parent, c.heading):
            pool = self.dirs.get(line, set()) | self.parents.get(line, set())
            if line and len(pool) == 1:
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

    def _build(self) -> Resolution:
        files, excluded = self._apply_patterns(sorted(self.selected))
        if self.scan.section_present:
            self._cross_check(files)
        lines = {p: tuple(sorted({c.line for c in self.selected[p]})) for p in files}
        lines.update({p: (c.line,) for p, c in self.creates.items()})
        return Resolution(
            files=tuple(files), create=tuple(sorted(self.creates)),
            unresolved=_unique(self.unresolved, lambda u: u.mention.text),
            ambiguous=_unique(self.unclear, lambda a: a.mention.text),
            refused=_unique(self.refused, lambda r: r.mention.text),
            delete=tuple(sorted(self.deletes & set(files))), excluded=tuple(excluded),
            discrepancies=tuple(self.discrepancies), section_present=self.scan.section_present,
            lines=MappingProxyType(lines),
        )

    def _apply_patterns(self, files: list[str]) -> tuple[list[str], list[Refused]]:
        """Recipe patterns restrict the selection; what they leave out is reported, not hidden."""
        if not self.patterns:
            return files, []
        rx = [glob_to_regex(p) for p in self.patterns]
        keep = [p for p in files if any(r.match(p) for r in rx)]
        why = "not matched by the recipe's file patterns"
        return keep, [Refused(_mention(self.selected[p][0], p), why) for p in files if p not in keep]

    def _cross_check(self, files: list[str]) -> None:
        for path in files:
            if path not in self.section_paths:
                self._discrepancy(path, self.selected[path][0].line, "prose-only",
                                  "mentioned in prose but not in files section (included)")
        for path, c in sorted(self.creates.items()):
            if c.kind != "section" and not any(
                    x.kind == "section" for x, p in self.to_create if p.strip("/") == path):
                self._discrepancy(path, c.line, "prose-create",
                                  "the prose says to create it but the files section does not list it")
        for line, text in self.scan.section_problems:
            self._discrepancy(text, line, "section-syntax", "files section line is not `ACTION: PATH`")

    def _discrepancy(self, path: str, line: int, kind: str, message: str) -> None:
        if not any(d.path == path and d.kind == kind for d in self.discrepancies):
            self.discrepancies.append(Discrepancy(path, line, kind, message))

    def _refuse(self, c: Candidate, text: str, why: str) -> None:
        self.refused.append(Refused(_mention(c, text), why))


def _pathish(token: str) -> bool:
    return bool(re.search(r"[./\\~$]", token)) or is_known_name(token, prose=True)


def _within(path: str, directory: str, nested: bool) -> bool:
    if directory:
        if not path.startswith(directory + "/"):
            return False
        path = path[len(directory) + 1:]
    return nested or "/" not in path


def _mention(c: Candidate, text: str) -> Mention:
    return Mention(text, c.line, SOURCES[c.kind])


def _unique(items: list, key) -> tuple:
    """One report per mention (its first line), in plan order."""
    seen: dict = {}
    for item in sorted(items, key=lambda x: x.mention.line):
        seen.setdefault(key(item), item)
    return tuple(seen.values())
