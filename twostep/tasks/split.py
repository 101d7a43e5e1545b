"""Split a plan into the tasks an executor does one at a time.

Where the tasks come from, in order of preference (`Split.source` says which):

* `section`, the contract: the planner's machine-readable task list. `task N: TITLE` lines
  inside the ```twostep-files fence (or a ```twostep-tasks fence), each followed by that task's
  `ACTION: PATH` lines; entries before the first task line belong to the whole plan
  (`Split.files`). The exact grammar is in twostep.tasks.section. When the plan's own structure
  (below) has exactly as many tasks, each listed task takes its text and lines from it, in order;
  otherwise a task's text is its lines in the fence.
* `headings`: numbered headings: `## Step 1: …`, `### Task 2 — …`, `## 3. …`, `### Phase 1 - …`.
  The level that carries the numbering is used: among levels with two or more numbered headings,
  one whose numbers rise (not one that restarts under each parent), the one with the most, then
  the shallowest. A task runs to the next heading of its level or above; the last task also
  stops at a machine-readable fence after it.
* `steps`: step lines outside headings: `**Step 1:** …`, `**2. Wire it**`, `Step 3. …`. A task
  runs to the next step line, bold-only line (`**Notes**`), heading or rule (`---`).
Headings, steps and lists count only with two or more tasks; otherwise the next source is tried.
* `list`: a numbered top-level list (`1. …`), each item with its continuation lines, nested lists
  and code blocks. Lists whose numbering continues (1-2, a code block, 3-4) are one list. Of
  several lists, one under a heading that says steps/tasks/plan/changes wins, then the longest.
* `whole`: none of these: the whole plan is one task, and `Split.files` are its files.
* `empty`: a blank plan has no task.

All but `section` are fallbacks, read from the plan's markdown (twostep.tasks.markdown), and
`Split.fallback` says why: no twostep-files block, or one without task lines.

Numbered sections that are clearly not work ("Overview", "Context", "Notes", "Risks", "Out of
scope", …) are no tasks, and a list under such a heading, or under "Testing"/"Verification", is
no task list. Preamble (before the first task) and epilogue (after the last) are kept on the
Split: trailing "Files", "Testing" or "Risks" sections of a task's level or above are never part
of the last task. Nothing inside a fenced code block is structure. Line numbers are 1-based and
agree with planfiles' scanner. Pure and deterministic.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, replace
from itertools import pairwise

from twostep.tasks.lists import list_spans
from twostep.tasks.markdown import Doc, Heading, clean_title, first_sentence, lex
from twostep.tasks.section import NO_SECTION, NO_TASK_LINES, Section, read_section

_NON_TASK = {
    "overview", "summary", "summary of changes", "context", "background", "analysis",
    "current state", "notes", "note", "goal", "goals", "objective", "objectives", "scope",
    "out of scope", "out-of-scope", "non-goals", "non goals", "risks", "risk",
    "risks and mitigations", "references", "reference", "assumptions", "open questions",
    "questions", "motivation", "rationale", "alternatives", "alternatives considered", "appendix",
    "glossary", "follow-ups", "follow-up", "future work", "not touched", "problem",
    "problem statement", "tl;dr", "tldr",
}


@dataclass(frozen=True)
class Task:
    number: int  # 1.. in plan order (the planner's own numbers may skip or repeat)
    title: str
    text: str  # the task's lines of the plan, verbatim
    first_line: int
    last_line: int
    #: (action, path) the machine-readable section gives this task; () when it gives none
    files: tuple[tuple[str, str], ...] = ()
    #: the task's number as its `task N:` line writes it, and its `after:` lines as
    #: (1-based plan line, text): tasks/graph.py reads the order they state
    label: str = ""
    after: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Split:
    source: str  # section | headings | steps | list | whole | empty
    tasks: tuple[Task, ...]
    preamble: str = ""  # the plan before the first task: context for every task
    epilogue: str = ""  # the plan after the last task
    files: tuple[tuple[str, str], ...] = ()  # machine-readable entries for the whole plan
    #: why the tasks do not come from the planner's task list ("" when they do)
    fallback: str = ""


#: (first, last) 0-based line indices, inclusive, and a title
Span = tuple[int, int, str]


def split_plan(text: str) -> Split:
    doc = lex(text)
    section = read_section(doc)
    spans, source = _structure(doc)
    if section.tasks:
        return _from_section(doc, section, spans)
    fallback = NO_TASK_LINES if section.present else NO_SECTION
    if spans:
        return replace(_assemble(doc, source, spans, [()] * len(spans), section), fallback=fallback)
    return replace(_whole(doc, section), fallback=fallback)


def is_non_task(title: str) -> bool:
    head = re.split(r"\s*[:—–(]\s*|\s+-\s+", clean_title(title).lower())[0]
    return head.strip(" .!") in _NON_TASK


def _structure(doc: Doc) -> tuple[list[Span], str]:
    for level in _levels(doc.headings):
        spans = _heading_spans(doc, level)
        if len(spans) >= 2:
            return spans, "headings" if level <= 6 else "steps"
    spans = list_spans(doc, is_non_task)
    return (spans, "list") if len(spans) >= 2 else ([], "whole")


def _levels(headings: list[Heading]) -> list[int]:
    """Levels with two or more numbered headings, the one carrying the numbering first."""
    numbers: dict[int, list[int]] = {}
    for h in headings:
        if h.number is not None:
            numbers.setdefault(h.level, []).append(h.number)
    rising = {lv: all(a < b for a, b in pairwise(ns)) for lv, ns in numbers.items()}
    levels = [lv for lv, ns in numbers.items() if len(ns) >= 2]
    return sorted(levels, key=lambda lv: (not rising[lv], -len(numbers[lv]), lv))


def _heading_spans(doc: Doc, level: int) -> list[Span]:
    starts = [h.index for h in doc.headings if h.level == level and h.number is not None]
    # A machine fence after the last task is the plan's; one inside a task stays in it.
    stops = sorted({h.index for h in doc.headings if h.level <= level}
                   | {f.first for f in doc.fences if f.machine and f.first > starts[-1]}
                   | (doc.rules if level == 7 else set()))
    spans = []
    for h in doc.headings:
        if h.level != level or h.number is None or is_non_task(h.title):
            continue
        k = bisect_right(stops, h.index)
        end = stops[k] if k < len(stops) else len(doc.lines)
        spans.append((h.index, _trim(doc, h.index, end), h.title or clean_title(h.text)))
    return spans


def _trim(doc: Doc, first: int, end: int) -> int:
    """The last line of lines[first:end] that is not blank and not a rule."""
    last = end - 1
    while last > first and (not doc.lines[last].strip() or last in doc.rules):
        last -= 1
    return last


def _from_section(doc: Doc, section: Section, spans: list[Span]) -> Split:
    files = [tuple(t.files) for t in section.tasks]
    if len(spans) != len(section.tasks):
        spans = [(t.first, t.last, "") for t in section.tasks]
    titled = [(a, b, t.title or title or f"Task {k}")
              for k, ((a, b, title), t) in enumerate(zip(spans, section.tasks, strict=True), 1)]
    split = _assemble(doc, "section", titled, files, section)
    tasks = tuple(replace(task, label=t.number, after=tuple((n + 1, text) for n, text in t.after))
                  for task, t in zip(split.tasks, section.tasks, strict=True))
    return replace(split, tasks=tasks)


def _assemble(doc: Doc, source: str, spans: list[Span], files: list[tuple], section: Section,
              ) -> Split:
    lines = doc.lines
    tasks = tuple(Task(k, title, "\n".join(lines[a:b + 1]), a + 1, b + 1, tuple(fs))
                  for k, ((a, b, title), fs) in enumerate(zip(spans, files, strict=True), 1))
    preamble = "\n".join(lines[:tasks[0].first_line - 1]).strip("\n")
    epilogue = "\n".join(lines[tasks[-1].last_line:]).strip("\n")
    return Split(source, tasks, preamble, epilogue, tuple(section.files))


def _whole(doc: Doc, section: Section) -> Split:
    lines = doc.lines
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    if not filled:
        return Split("empty", ())
    heading = next((h for h in doc.headings if h.level <= 6), None)
    title = clean_title(heading.text) if heading else first_sentence(lines[filled[0]])
    task = Task(1, title, "\n".join(lines[filled[0]: filled[-1] + 1]), filled[0] + 1,
                filled[-1] + 1, tuple(section.files))
    return Split("whole", (task,), files=tuple(section.files))


def to_json(split: Split) -> str:
    """The split as JSON (`twostep tasks PLAN --json`): stable key order, one document."""
    data = asdict(split)
    data["files"] = [{"action": a, "path": p} for a, p in split.files]
    for task, raw in zip(split.tasks, data["tasks"], strict=True):
        raw["files"] = [{"action": a, "path": p} for a, p in task.files]
    return json.dumps(data, ensure_ascii=False, indent=2)


def render_text(split: Split) -> str:
    """One line per task, tab-separated for scripts: NUMBER, FIRST-LAST (plan lines), TITLE."""
    return "".join(f"{t.number}\t{t.first_line}-{t.last_line}\t{_one_line(t.title)}\n"
                   for t in split.tasks)


def describe(split: Split) -> str:
    """A one-line summary for stderr: how many tasks, and where they came from."""
    where = {
        "section": "the plan's machine-readable task list", "headings": "numbered headings",
        "steps": "numbered step lines", "list": "a numbered list",
        "whole": "no task structure: the whole plan", "empty": "an empty plan",
    }[split.source]
    why = f" (fallback: {split.fallback})" if split.fallback and split.tasks else ""
    return f"{len(split.tasks)} task(s) from {where}{why}"


def _one_line(text: str) -> str:
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", text).split())
