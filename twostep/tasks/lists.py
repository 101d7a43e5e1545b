"""Tasks from a numbered top-level list: `1. …` items with everything that belongs to them.

An item owns what CommonMark gives it: continuation and lazy lines, nested lists, code blocks
indented under it. Planners often put an unindented code block between two items (`1.`, a fence,
`2.`): markdown ends the list there, but the numbering goes on, so lists whose numbers continue
are joined and the block stays with the item before it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import replace

from twostep.tasks.markdown import Doc, Heading, Item, clean_title, first_sentence

_STEPISH = re.compile(r"\b(steps?|tasks?|plan|implementation|changes?|approach|todo|work|phases?|"
                      r"instructions|procedure|edits?)\b", re.IGNORECASE)
_VERIFYISH = re.compile(r"^(verification|verify|validation|testing|tests?|how to (test|verify|run)|"
                        r"acceptance( criteria)?|checks?|checklist|commands?|"
                        r"manual (testing|checks?)|test plan|running|usage)$")


def list_spans(doc: Doc, non_task: Callable[[str], bool]) -> list[tuple[int, int, str]]:
    keys = [h.index for h in doc.headings]
    best: list[Item] = []
    best_key: tuple[bool, int] = (False, 1)
    for run in _join(_runs(doc)):
        title = _context(doc.headings, keys, run[0].index)
        if non_task(title) or _VERIFYISH.match(clean_title(title).lower().rstrip(":")):
            continue
        key = (bool(_STEPISH.search(title)), len(run))
        if key > best_key:  # strictly better: the first of equals wins
            best, best_key = run, key
    return [(it.index, _last(doc.lines, it), _title(it.text)) for it in best]


def _runs(doc: Doc) -> list[list[Item]]:
    """The numbered items of each top-level list. An item indented deeper than the list's first
    ("  1." under "1.") is a sub-item as written, though CommonMark wants three spaces for that."""
    runs: dict[int, list[Item]] = {}
    for it in doc.items:
        run = runs.setdefault(it.list, []) if it.top and it.number is not None else None
        if run and _indent(doc.lines[it.index]) > _indent(doc.lines[run[0].index]):
            run[-1] = replace(run[-1], end=it.end)
        elif run is not None:
            run.append(it)
    return [run for run in runs.values() if run]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(runs: list[list[Item]]) -> list[list[Item]]:
    """Join lists whose numbering continues: 1-2, a code block, 3-4 is one list of four."""
    joined: list[list[Item]] = []
    for run in runs:
        if joined and run[0].number == (joined[-1][-1].number or 0) + 1:
            joined[-1][-1] = replace(joined[-1][-1], end=run[0].index)  # the gap is the item's
            joined[-1].extend(run)
        else:
            joined.append(list(run))
    return [run for run in joined if len(run) >= 2]


def _context(headings: list[Heading], keys: list[int], index: int) -> str:
    """The title of the nearest heading (or bold-only line) above a list."""
    for k in range(bisect_left(keys, index) - 1, -1, -1):
        h = headings[k]
        if h.number is None or h.level <= 6:  # a step line is no section title
            return h.title if h.number is not None and h.title else clean_title(h.text.lstrip("#"))
    return ""


def _last(lines: list[str], it: Item) -> int:
    last = it.end - 1
    while last > it.index and not lines[last].strip():
        last -= 1
    return last


def _title(text: str) -> str:
    text = text.strip()
    bold = re.match(r"^(\*\*|__)(.+?)\1", text)
    # "**Load function** — …" is titled by its bold words, but "**`src/app.ts`** — read …" by
    # its sentence: a bare path says less.
    if bold and not re.fullmatch(r"\S*[./]\S*", clean_title(bold.group(2))):
        return clean_title(bold.group(2)).rstrip(" -–—")
    return first_sentence(text)
