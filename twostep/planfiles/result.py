"""The answer of `twostep files`: which files to send, and everything it would not or could not
send."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

#: How each kind of mention is named in reports.
SOURCES = {"section": "files section", "link": "link", "code": "code", "prose": "prose",
           "tree": "file tree", "block": "code block"}


@dataclass(frozen=True)
class Mention:
    """A path as the plan wrote it (cleaned of markdown), with its 1-based line in the plan."""

    text: str
    line: int
    source: str = "prose"

    def to_dict(self) -> dict[str, Any]:
        return {"mention": self.text, "line": self.line, "source": self.source}


def mention(candidate: Any, text: str) -> Mention:
    """The report form of a scanned candidate (anything with `.line` and `.kind`)."""
    return Mention(text, candidate.line, SOURCES[candidate.kind])


@dataclass(frozen=True)
class Unresolved:
    mention: Mention
    reason: str
    suggestions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.mention.to_dict(), "reason": self.reason,
                "suggestions": list(self.suggestions)}


@dataclass(frozen=True)
class Ambiguous:
    mention: Mention
    candidates: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**self.mention.to_dict(), "candidates": list(self.candidates)}


@dataclass(frozen=True)
class Refused:
    mention: Mention
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.mention.to_dict(), "reason": self.reason}


@dataclass(frozen=True)
class Discrepancy:
    """A disagreement between the files section and the prose (or a malformed section line)."""

    path: str
    line: int
    kind: str  # prose-only | prose-create | create-exists | section-syntax
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class Resolution:
    files: tuple[str, ...] = ()
    create: tuple[str, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    ambiguous: tuple[Ambiguous, ...] = ()
    refused: tuple[Refused, ...] = ()
    #: tracked files the files section says to delete (they are also in `files`)
    delete: tuple[str, ...] = ()
    #: tracked files the plan names but the recipe's patterns leave out
    excluded: tuple[Refused, ...] = ()
    discrepancies: tuple[Discrepancy, ...] = ()
    section_present: bool = False
    #: why the files come from the prose alone ("" when the files section lists some)
    fallback: str = ""
    #: plan lines naming each selected or to-be-created path
    lines: Mapping[str, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def nothing(self) -> bool:
        """The plan names no existing tracked file and no file to create."""
        return not self.files and not self.create

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": list(self.files),
            "create": list(self.create),
            "delete": list(self.delete),
            "unresolved": [u.to_dict() for u in self.unresolved],
            "ambiguous": [a.to_dict() for a in self.ambiguous],
            "refused": [r.to_dict() for r in self.refused],
            "excluded": [r.to_dict() for r in self.excluded],
            "discrepancies": [d.to_dict() for d in self.discrepancies],
            "files_section": self.section_present,
            "fallback": self.fallback,
            "lines": {p: list(ls) for p, ls in sorted(self.lines.items())},
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
