"""The machine-readable task list, read from the plan's ```twostep-files or ```twostep-tasks fences.

Grammar (one entry per line; blank lines and `#` comments are skipped; a line may start with a
list marker `- `, `* ` or `+ `):

    task N: TITLE        starts task N; also `task: TITLE`, `Task 2 — TITLE`, `step 3. TITLE`
    ACTION: PATH         a file of the current task, or of the whole plan before any task line
    ACTION:              then `- PATH` lines: each takes this ACTION (the YAML-ish form)

ACTION is planfiles' vocabulary: read|view|context|reference|see|inspect (read),
modify|edit|update|change|patch (modify), create|add|new (create), delete|remove|rm (delete).
PATH may be in backticks or quotes; a trailing `# comment`, `// comment`, `— comment` or
`(comment)` is dropped. The N of a task line is the planner's; tasks are numbered 1.. in the
order their lines appear, across all such fences. An unlabeled fence counts when every line in
it follows this grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from twostep.tasks.markdown import Doc

#: The files section's actions and their synonyms; planfiles' scanner reads the same table
#: (it imports this package, so the table lives here).
ACTIONS = {
    "read": "read", "view": "read", "context": "read", "reference": "read", "ref": "read",
    "see": "read", "inspect": "read",
    "modify": "modify", "edit": "modify", "update": "modify", "change": "modify", "patch": "modify",
    "create": "create", "add": "create", "new": "create",
    "delete": "delete", "remove": "delete", "rm": "delete",
}

_TASK = re.compile(r"^\s*(?:[-*+]\s+)?(?:task|step)(?:\s*#?\s*(\d{1,3})\b\s*[:.)\-–—]?|\s*:)"
                   r"\s*(.*?)\s*$", re.IGNORECASE)
_ACTION = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?([A-Za-z]+)\s*:\s*(.*?)\s*$")
_LOOSE = re.compile(r"^\s*(?:[-*+]\s+)?([A-Za-z]+)\s+(\S.*?)\s*$")
_ITEM = re.compile(r"^\s*[-*+]\s+(.+?)\s*$")
_TRAILING_COMMENT = re.compile(r"\s+(?:(?:#|//|--|—|–)\s.*|\([^()]*\))$")


@dataclass
class SectionTask:
    title: str
    first: int  # 0-based index of the task line
    last: int  # 0-based index of its last file line (or the task line)
    files: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Section:
    present: bool = False
    files: list[tuple[str, str]] = field(default_factory=list)  # before any task line
    tasks: list[SectionTask] = field(default_factory=list)


def is_task_line(line: str) -> bool:
    """Is this files-section line a task line? (planfiles' scanner must not report it as a
    malformed `ACTION: PATH` entry.)"""
    return bool(_TASK.match(line))


def read_section(doc: Doc) -> Section:
    out = Section()
    blocks = list(doc.machine)
    blocks += [b for b in doc.unlabeled if _all_grammar(doc.lines[b[0]: b[1] + 1])]
    for first, last in sorted(blocks):
        out.present = True
        _read_block(out, doc.lines, first, last)
    return out


def _read_block(out: Section, lines: list[str], first: int, last: int) -> None:
    task: SectionTask | None = None  # file lines belong to the block's latest task line
    group: str | None = None  # the action of a YAML-ish "modify:" group
    for i in range(first, last + 1):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _TASK.match(line)
        if m:
            task, group = SectionTask(m.group(2), i, i), None
            out.tasks.append(task)
            continue
        entry, group = _entry(line, group)
        if entry is None:
            continue  # not our grammar: planfiles reports such lines; a task list ignores them
        if task is None:
            out.files.append(entry)
        else:
            task.files.append(entry)
            task.last = i


def _entry(line: str, group: str | None) -> tuple[tuple[str, str] | None, str | None]:
    """The (action, path) a line gives, and the YAML-ish group in force after it."""
    m = _ACTION.match(line) or _LOOSE.match(line)  # "modify: x.go", or "modify x.go"
    action = ACTIONS.get(m.group(1).lower()) if m else None
    if m and action:
        return (_pair(action, m.group(2)), group) if m.group(2) else (None, action)
    item = _ITEM.match(line)
    if group and item:
        return _pair(group, item.group(1)), group
    return None, group


def _pair(action: str, path: str) -> tuple[str, str] | None:
    path = _TRAILING_COMMENT.sub("", path.strip()).strip().strip("`'\"").strip()
    return (action, path) if path else None


def _all_grammar(body: list[str]) -> bool:
    """An unlabeled fence counts when every line in it follows the grammar (as planfiles counts
    an unlabeled fence of `ACTION: PATH` lines as the files section)."""
    group, entries = None, 0
    for line in body:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if _TASK.match(line):
            group, entries = None, entries + 1
            continue
        entry, group = _entry(line, group)
        head = _ACTION.match(line)
        if entry is None and not (head and head.group(1).lower() in ACTIONS and not head.group(2)):
            return False
        entries += entry is not None
    return entries > 0
