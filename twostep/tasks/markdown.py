"""Just enough markdown for the task splitter: code fences, headings, step lines, list items.

A plan is read line by line (str.splitlines, so line numbers agree with planfiles' scanner and
CR or CRLF plans from Windows read the same). Nothing inside a fenced code block is structure:
a `## Step 1` or `1. foo` in a code sample is code, even in a ```markdown sample. Only a plan
wrapped whole in ```markdown (the fence is its first line) is read through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Info strings of the machine-readable sections (planfiles' `twostep-files`, and ours).
MACHINE_TAGS = ("twostep-files", "twostep-tasks")

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`]*)$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MARKER = re.compile(r"^(\s*)(?:([-*+])|(\d{1,3})[.)])(?:\s+|$)")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_BOLD_LINE = re.compile(r"^\s{0,3}(\*\*|__)(.+?)\1\s*:?\s*$")  # "**Plan**" standing alone
_BOLD_LEAD = re.compile(r"^\s{0,3}(\*\*|__)(.+?)\1(.*)$")
# "Step 2:", "Task 3 —", "Phase 1 -", "step 4." or a bare "3." / "3)"; never "1.2" (a sub-step).
_KEYWORD_NUM = re.compile(r"^(?:step|task|phase|stage|part|milestone)\s*#?\s*(\d{1,3})(?!\d|\.\d)"
                          r"\s*(?:[.:)\-–—]+\s*|\s+|$)(.*)$", re.IGNORECASE)
_BARE_NUM = re.compile(r"^(\d{1,3})(?!\d|\.\d)\s*(?:[.:)\-–—]+\s*|\s+)(\S.*)$")
_EMPHASIS = re.compile(r"\*\*|__|`")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


@dataclass(frozen=True)
class Heading:
    index: int  # 0-based line index
    level: int  # 1-6 for `#` headings; 7 for step lines ("**Step 1:** …", "Step 2. …")
    text: str
    number: int | None = None  # the task number it carries, if any
    title: str = ""  # the text after the number


@dataclass
class Doc:
    lines: list[str]
    code: list[bool]  # inside a fenced block (or its fence lines): never structure
    headings: list[Heading] = field(default_factory=list)
    #: (first, last) line indices of machine-readable fences, the fence lines excluded
    machine: list[tuple[int, int]] = field(default_factory=list)
    #: (first, last) of fences with no info string: a files section may hide in one
    unlabeled: list[tuple[int, int]] = field(default_factory=list)
    #: lines that begin a fenced code block: index -> indent
    fences: dict[int, int] = field(default_factory=dict)


def clean_title(text: str) -> str:
    """Markdown emphasis and code ticks off, trailing colon or period off, spaces squeezed."""
    text = _LINK.sub(r"\1", text)  # "[cart.service.ts](src/…#L40)" reads as its label
    text = _EMPHASIS.sub("", text)
    text = re.sub(r"^[*_\s]+|[*_\s]+$", "", text)
    return " ".join(text.split()).rstrip(":.").strip()


def numbered(text: str, *, keyword_only: bool = False) -> tuple[int, str] | None:
    """`Step 2: Wire it up` -> (2, "Wire it up"); `3. Tests` -> (3, "Tests"); else None."""
    plain = re.sub(r"^[*_\s]+", "", text)
    m = _KEYWORD_NUM.match(plain) or (None if keyword_only else _BARE_NUM.match(plain))
    if not m:
        return None
    return int(m.group(1)), clean_title(m.group(2))


def lex(text: str) -> Doc:
    lines = text.splitlines()
    doc = Doc(lines, [False] * len(lines))
    opening = next((k for k, ln in enumerate(lines) if ln.strip()), -1)
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence and i == opening and fence.group(3).strip().lower() in ("markdown", "md"):
            doc.code[i] = True  # a plan wrapped whole: the wrapper's contents are the plan
        elif fence:
            end = fence_end(lines, i, fence.group(2))
            for k in range(i, min(end, len(lines) - 1) + 1):
                doc.code[k] = True
            doc.fences[i] = len(fence.group(1))
            if re.sub(r"[\s_]+", "-", fence.group(3).strip().lower()).startswith(MACHINE_TAGS):
                doc.machine.append((i + 1, end - 1))
            elif not fence.group(3).strip():
                doc.unlabeled.append((i + 1, end - 1))
            i = end + 1
            continue
        else:
            _heading(doc, i)
        i += 1
    return doc


def fence_end(lines: list[str], start: int, marker: str) -> int:
    """The line that closes the fence opened at `start` (planfiles' scanner uses it too)."""
    for j in range(start + 1, len(lines)):
        s = lines[j].strip()
        if s and s[0] == marker[0] and set(s) == {marker[0]} and len(s) >= len(marker):
            return j
    return len(lines)  # unclosed: the rest of the plan is code


def _heading(doc: Doc, i: int) -> None:
    line = doc.lines[i]
    m = _HEADING.match(line)
    if m:
        num = numbered(m.group(2))
        doc.headings.append(Heading(i, len(m.group(1)), m.group(2), *(num or (None, ""))))
        return
    if _MARKER.match(line) or line[:1].isspace():
        return  # a list item or an indented line is no step line
    bold = _BOLD_LEAD.match(line)
    if bold:  # "**Step 1 – service spans.** In x.go …", "**2. Wire it**", "**Plan**"
        num = numbered(bold.group(2))
        if num:
            title = num[1] or first_sentence(bold.group(3))
            doc.headings.append(Heading(i, 7, line, num[0], title))
        elif _BOLD_LINE.match(line):
            doc.headings.append(Heading(i, 7, clean_title(bold.group(2))))
        return
    num = numbered(line, keyword_only=True)  # "Step 3. Add the tests" with no markup
    if num:
        doc.headings.append(Heading(i, 7, line, *num))


def first_sentence(text: str, limit: int = 80) -> str:
    """A short title from the first line of a paragraph: up to its first full stop, at most
    `limit` characters, cut at a word."""
    text = clean_title(text)
    end = re.search(r"[.!?](?:\s|$)", text)
    if end:
        text = text[:end.start()]
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:-–—") + "…"


def marker(line: str) -> tuple[int, int | None] | None:
    """(indent, number) of a list-item line (number None for a bullet), or None."""
    m = _MARKER.match(line)
    if not m or (m.group(2) and _RULE.match(line)):
        return None  # "- - -" and "***" are rules, not bullets
    return len(m.group(1).expandtabs(4)), int(m.group(3)) if m.group(3) else None


def item_text(line: str) -> str:
    return _MARKER.sub("", line, count=1)


def breaks_paragraph(line: str) -> bool:
    """A line that cannot continue the paragraph above it ("lazy continuation" in CommonMark)."""
    s = line.lstrip()
    return bool(_HEADING.match(line) or _MARKER.match(line) or _RULE.match(line)
                or _FENCE.match(line) or _BOLD_LINE.match(line) or s.startswith(("|", ">", "<")))


def is_rule(line: str) -> bool:
    return bool(_RULE.match(line))


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip()) if line.strip() else 0
