"""Tasks from a numbered top-level list: `1. …` items with everything that belongs to them.

An item owns its continuation lines (indented, or "lazy" ones that go on its paragraph),
nested lists and indented code blocks; it ends at the next top-level item, a heading, a bullet
or text at the left margin after a blank line, or an unindented code fence. Planners often put
an unindented code block between two items (`1.`, a fence, `2.`): markdown ends the list there,
but the numbering goes on, so lists whose numbers continue are joined and the block stays with
the item before it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from twostep.tasks.markdown import (
    Doc,
    Heading,
    breaks_paragraph,
    clean_title,
    first_sentence,
    indent_of,
    item_text,
    marker,
)

_STEPISH = re.compile(r"\b(steps?|tasks?|plan|implementation|changes?|approach|todo|work|phases?|"
                      r"instructions|procedure|edits?)\b", re.IGNORECASE)
_VERIFYISH = re.compile(r"^(verification|verify|validation|testing|tests?|how to (test|verify|run)|"
                        r"acceptance( criteria)?|checks?|checklist|commands?|"
                        r"manual (testing|checks?)|test plan|running|usage)$")


@dataclass
class _Item:
    index: int
    number: int
    end: int = -1  # exclusive: the line that closed it


def list_spans(doc: Doc, non_task: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    heads = {h.index: h for h in doc.headings}
    keys = [h.index for h in doc.headings]
    best: list[_Item] = []
    best_key: tuple[bool, int] = (False, 1)
    for run in _join(_runs(_items(doc, heads))):
        title = _context(doc.headings, keys, run[0].index)
        if non_task(title) or _VERIFYISH.match(clean_title(title).lower().rstrip(":")):
            continue
        key = (bool(_STEPISH.search(title)), len(run))
        if key > best_key:  # strictly better: the first of equals wins
            best, best_key = run, key
    return [(it.index, _last(doc, it), _title(doc.lines[it.index])) for it in best]


def _items(doc: Doc, heads: dict[int, Heading]) -> list[_Item]:
    """Top-level numbered items, each with the line that closed it."""
    stack: list[int] = []  # indents of the open list items, bullets included
    items: list[_Item] = []
    prose = False  # the line above is paragraph text that a lazy line may continue
    for i, line in enumerate(doc.lines):
        if doc.code[i] and i not in doc.fences:
            continue  # a code block's body, or a ```markdown wrapper line
        if not line.strip():
            prose = False
            continue
        mark = None if i in doc.fences else marker(line)
        if mark is None and prose and i not in heads and not breaks_paragraph(line):
            continue  # lazy continuation of the paragraph above
        indent = mark[0] if mark else indent_of(line)
        while stack and stack[-1] >= indent:
            stack.pop()
        if not stack:
            _close(items, i)
            if mark and mark[1] is not None and indent <= 3:
                items.append(_Item(i, mark[1]))
        if mark:
            stack.append(indent)
        prose = i not in doc.fences and i not in heads
    _close(items, len(doc.lines))
    return items


def _close(items: list[_Item], index: int) -> None:
    if items and items[-1].end < 0:
        items[-1].end = index


def _runs(items: list[_Item]) -> list[list[_Item]]:
    """Items in one list: each closed by the next one."""
    runs: list[list[_Item]] = []
    for it in items:
        if runs and runs[-1][-1].end == it.index:
            runs[-1].append(it)
        else:
            runs.append([it])
    return runs


def _join(runs: list[list[_Item]]) -> list[list[_Item]]:
    """Join lists whose numbering continues: 1-2, a code block, 3-4 is one list of four."""
    joined: list[list[_Item]] = []
    for run in runs:
        if joined and run[0].number == joined[-1][-1].number + 1:
            joined[-1][-1].end = run[0].index  # the gap belongs to the item before it
            joined[-1].extend(run)
        else:
            joined.append(run)
    return [run for run in joined if len(run) >= 2]


def _context(headings: list[Heading], keys: list[int], index: int) -> str:
    """The title of the nearest heading (or bold-only line) above a list."""
    for k in range(bisect_left(keys, index) - 1, -1, -1):
        h = headings[k]
        if h.number is None or h.level <= 6:  # a step line is no section title
            return h.title if h.number is not None and h.title else clean_title(h.text.lstrip("#"))
    return ""


def _last(doc: Doc, it: _Item) -> int:
    last = it.end - 1
    while last > it.index and not doc.lines[last].strip():
        last -= 1
    return last


def _title(line: str) -> str:
    text = item_text(line).strip()
    bold = re.match(r"^(\*\*|__)(.+?)\1", text)
    # "**Load function** — …" is titled by its bold words, but "**`src/app.ts`** — read …" by
    # its sentence: a bare path says less.
    if bold and not re.fullmatch(r"\S*[./]\S*", clean_title(bold.group(2))):
        return clean_title(bold.group(2)).rstrip(" -–—")
    return first_sentence(text)
