"""A plan read as CommonMark by markdown-it-py: its fences, headings, list items, prose blocks and
rules with 0-based line maps, for the task splitter and planfiles' scanner alike.

The lines are str.splitlines() joined with "\\n" for markdown-it, so CR or CRLF plans from Windows
read the same and line numbers agree everywhere. Nothing inside a fenced code block is structure:
a `## Step 1` or `1. foo` in a code sample is code, even in a ```markdown sample. Only a plan
wrapped whole in ```markdown (the fence opens the plan) is read through. markdown-it is imported
on first use, so `twostep --version` does not load it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

#: Info strings of the machine-readable sections (planfiles' `twostep-files`, and ours).
MACHINE_TAGS = ("twostep-files", "twostep-tasks")

_BOLD_LINE = re.compile(r"^\s{0,3}(\*\*|__)(.+?)\1\s*:?\s*$")  # "**Plan**" standing alone
_BOLD_LEAD = re.compile(r"^\s{0,3}(\*\*|__)(.+?)\1(.*)$")
# "Step 2:", "Task 3 —", "Phase 1 -", "step 4." or a bare "3." / "3)"; never "1.2" (a sub-step).
_KEYWORD_NUM = re.compile(r"^(?:step|task|phase|stage|part|milestone)\s*#?\s*(\d{1,3})(?!\d|\.\d)"
                          r"\s*(?:[.:)\-–—]+\s*|\s+|$)(.*)$", re.IGNORECASE)
_BARE_NUM = re.compile(r"^(\d{1,3})(?!\d|\.\d)\s*(?:[.:)\-–—]+\s*|\s+)(\S.*)$")
_PROSE = ("paragraph_open", "heading_open", "html_block", "code_block")


@dataclass(frozen=True)
class Heading:
    index: int  # 0-based line index
    level: int  # 1-6 for headings; 7 for step lines ("**Step 1:** …", "Step 2. …")
    text: str
    number: int | None = None  # the task number it carries, if any
    title: str = ""  # the text after the number


@dataclass(frozen=True)
class Fence:
    first: int  # the opening line
    info: str
    body: tuple[str, ...]  # the lines between the fences, a list item's indent taken off

    @property
    def machine(self) -> bool:
        return re.sub(r"[\s_]+", "-", self.info.strip().lower()).startswith(MACHINE_TAGS)


@dataclass(frozen=True)
class Item:
    index: int  # its first line
    end: int  # exclusive
    number: int | None  # None for a bullet
    top: bool  # in a list at the left margin: not nested, not quoted
    list: int  # the first line of its list: the items of one list share it
    text: str = ""  # its first line, the marker taken off


@dataclass(frozen=True)
class Block:
    """Prose: a paragraph, a heading, an HTML block or an indented block."""

    first: int
    end: int  # exclusive
    items: tuple[int, ...]  # first lines of the list items around it, outermost first


@dataclass
class Doc:
    lines: list[str]
    code: list[bool]  # inside a fenced block (or its fence lines): never structure
    headings: list[Heading] = field(default_factory=list)  # step lines too, in plan order
    fences: list[Fence] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    rules: set[int] = field(default_factory=set)  # thematic breaks (`---`)
    refs: dict[int, str] = field(default_factory=dict)  # link reference definitions: target


@cache
def _md() -> MarkdownIt:
    # Imported here: `import twostep.tasks` (fix rounds, fingerprints) must not cost 60 ms.
    from markdown_it import MarkdownIt  # noqa: PLC0415

    class Plain(MarkdownIt):
        # A plan's link targets are paths: no percent-encoding, and file: links stay links
        # (planfiles refuses them by name instead of reading them as prose).
        def normalizeLink(self, url: str) -> str:
            return url

        def validateLink(self, url: str) -> bool:
            return True

    return Plain("commonmark")


def inline(text: str) -> list[Token]:
    """The inline tokens of one line: text, code spans, links, emphasis, raw HTML."""
    tokens = _md().parseInline(text)
    return (tokens[0].children or []) if tokens else []


def lex(text: str) -> Doc:
    lines = text.splitlines()
    env: dict = {}
    tokens = _md().parse("\n".join(lines), env)
    wrapper = tokens[0] if tokens and tokens[0].type == "fence" else None
    if wrapper and wrapper.map and wrapper.info.strip().lower() in ("markdown", "md"):
        src = list(lines)  # a plan wrapped whole: the wrapper's contents are the plan
        src[wrapper.map[0]] = ""
        env = {}
        tokens = _md().parse("\n".join(src), env)
    doc = Doc(lines, [False] * len(lines))
    _walk(doc, tokens)
    doc.refs = {r["map"][0]: r["href"] for r in env.get("references", {}).values() if r.get("map")}
    return doc


def _walk(doc: Doc, tokens: list[Token]) -> None:
    items: list[int] = []  # the open list items
    lists: list[int] = []
    quoted = 0  # a heading in a blockquote is quoted text, not the plan's structure
    for k, tok in enumerate(tokens):
        first, end = tok.map or (0, 0)
        quoted += {"blockquote_open": 1, "blockquote_close": -1}.get(tok.type, 0)
        if tok.type.endswith("_list_open"):
            lists.append(first)
        elif tok.type.endswith("_list_close"):
            lists.pop()
        elif tok.type == "list_item_open":
            items.append(first)
            lead = tokens[k + 2].content if tokens[k + 1].type == "paragraph_open" else ""
            number = int(tok.info) if tok.info.isdigit() else None
            doc.items.append(Item(first, end, number, tok.level == 1, lists[-1],
                                  lead.split("\n", 1)[0]))
        elif tok.type == "list_item_close":
            items.pop()
        elif tok.type == "fence":
            doc.fences.append(Fence(first, tok.info, tuple(tok.content.splitlines())))
            doc.code[first:end] = [True] * (end - first)
        elif tok.type == "hr":
            doc.rules.add(first)
        elif tok.type in _PROSE:
            doc.blocks.append(Block(first, end, tuple(items)))
            if tok.type == "heading_open" and not quoted:
                title = tokens[k + 1].content
                doc.headings.append(Heading(first, int(tok.tag[1]), title,
                                            *(numbered(title) or (None, ""))))
            elif tok.type == "paragraph_open" and tok.level == 0:
                for i in range(first, end):
                    _step_line(doc, i)


def _step_line(doc: Doc, i: int) -> None:
    """A line of a top-level paragraph that starts a step: "**Step 1 – spans.** In x.go …",
    "**2. Wire it**", "Step 3. Add the tests"; or a bold-only line ("**Notes**") ending one."""
    line = doc.lines[i]
    if line[:1].isspace():
        return
    bold = _BOLD_LEAD.match(line)
    if bold:
        num = numbered(bold.group(2))
        if num:
            title = num[1] or first_sentence(bold.group(3))
            doc.headings.append(Heading(i, 7, line, num[0], title))
        elif _BOLD_LINE.match(line):
            doc.headings.append(Heading(i, 7, clean_title(bold.group(2))))
        return
    num = numbered(line, keyword_only=True)
    if num:
        doc.headings.append(Heading(i, 7, line, *num))


def clean_title(text: str) -> str:
    """The words a reader sees: emphasis, code ticks and link targets off ("[x.ts](src/x.ts#L4)"
    reads as its label), a trailing colon or period off, spaces squeezed."""
    kept = ("text", "code_inline", "html_inline", "image", "softbreak", "hardbreak")
    text = "".join(t.content or " " for t in inline(text) if t.type in kept)
    text = re.sub(r"^[*_\s]+|[*_\s]+$", "", text)
    return " ".join(text.split()).rstrip(":.").strip()


def numbered(text: str, *, keyword_only: bool = False) -> tuple[int, str] | None:
    """`Step 2: Wire it up` -> (2, "Wire it up"); `3. Tests` -> (3, "Tests"); else None."""
    plain = re.sub(r"^[*_\s]+", "", text)
    m = _KEYWORD_NUM.match(plain) or (None if keyword_only else _BARE_NUM.match(plain))
    if not m:
        return None
    return int(m.group(1)), clean_title(m.group(2))


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
