"""Turn a finished Resolver into the Resolution: recipe patterns, the files-section cross-check,
one report per mention. Kept apart from resolve.py, which decides what each mention is."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from twostep.planfiles.paths import glob_to_regex
from twostep.planfiles.resolve import Resolver
from twostep.planfiles.result import Refused, Resolution, mention


def build_resolution(r: Resolver) -> Resolution:
    files, excluded = _apply_patterns(r, sorted(r.selected))
    if r.scan.section_present:
        _cross_check(r, files)
    lines = {p: tuple(sorted({c.line for c in r.selected[p]})) for p in files}
    lines.update({p: (c.line,) for p, c in r.creates.items()})
    return Resolution(
        files=tuple(files), create=tuple(sorted(r.creates)),
        unresolved=_unique(r.unresolved, lambda u: u.mention.text),
        ambiguous=_unique(r.unclear, lambda a: a.mention.text),
        refused=_unique(r.refused, lambda x: x.mention.text),
        delete=tuple(sorted(r.deletes & set(files))), excluded=tuple(excluded),
        discrepancies=tuple(r.discrepancies), section_present=r.scan.section_present,
        fallback=r.scan.fallback,
        lines=MappingProxyType(lines),
    )


def _apply_patterns(r: Resolver, files: list[str]) -> tuple[list[str], list[Refused]]:
    """Recipe patterns restrict the selection; what they leave out is reported, not hidden."""
    if not r.patterns:
        return files, []
    rx = [glob_to_regex(p) for p in r.patterns]
    keep = [p for p in files if any(x.match(p) for x in rx)]
    why = "not matched by the recipe's file patterns"
    return keep, [Refused(mention(r.selected[p][0], p), why) for p in files if p not in keep]


def _cross_check(r: Resolver, files: list[str]) -> None:
    """The section is preferred, the prose still counts: what only the prose names is included
    (the executor needs it) and reported, so the planner's omissions are visible."""
    for path in files:
        if path not in r.section_paths:
            r.add_discrepancy(path, r.selected[path][0].line, "prose-only",
                           "mentioned in prose but not in files section (included)")
    listed = {p.strip("/") for c, p in r.to_create if c.kind == "section"}
    for path, c in sorted(r.creates.items()):
        if c.kind != "section" and path not in listed:
            r.add_discrepancy(path, c.line, "prose-create",
                           "the prose says to create it but the files section does not list it")
    for line, text in r.scan.section_problems:
        r.add_discrepancy(text, line, "section-syntax", "files section line is not `ACTION: PATH`")


def _unique(items: list, key: Callable) -> tuple:
    """One report per mention (its first line), in plan order."""
    seen: dict = {}
    for item in sorted(items, key=lambda x: x.mention.line):
        seen.setdefault(key(item), item)
    return tuple(seen.values())
