"""The machine-readable section: the plan's ```twostep-files (or ```twostep-tasks) fences, read
by one grammar for the task splitter and planfiles' scanner.

Grammar (one entry per line; blank lines and `#` comments are skipped; a line may start with a
list marker `- `, `* `, `+ ` or `1. `):

    task N: TITLE        starts task N; also `task: TITLE`, `Task 2 — TITLE`, `step 3. TITLE`
    after: N[, M…]       task N (and M…) must be done before this one (task numbers as written)
    ACTION: PATH         a file of the current task, or of the whole plan before any task line
    ACTION:              then `- PATH` lines: each takes this ACTION (the YAML-ish form)

ACTION is planfiles' vocabulary: read|view|context|reference|see|inspect (read),
modify|edit|update|change|patch (modify), create|add|new (create), delete|remove|rm (delete);
inside a labeled fence the colon may be left out ("modify x.go"). PATH may be in backticks or
quotes; a trailing `# comment`, `// comment`, `— comment` or `(comment)` is dropped. The N of a
task line is the planner's; tasks are numbered 1.. in the order their lines appear, across all
such fences. An unlabeled fence counts when it holds a file entry and every line in it follows
the grammar with its colons (a shell block of `rm -rf build` is no files section).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from twostep.tasks.markdown import Doc, Fence

#: The files section's actions and their synonyms.
ACTIONS = {
    "read": "read", "view": "read", "context": "read", "reference": "read", "ref": "read",
    "see": "read", "inspect": "read",
    "modify": "modify", "edit": "modify", "update": "modify", "change": "modify", "patch": "modify",
    "create": "create", "add": "create", "new": "create",
    "delete": "delete", "remove": "delete", "rm": "delete",
}

#: Why tasks or files come from the plan's prose: the reported fallback.
NO_SECTION = "no twostep-files block"
NO_TASK_LINES = "the twostep-files block has no task lines"
NO_FILE_LINES = "the twostep-files block lists no file"

_TASK = re.compile(r"^\s*(?:[-*+]\s+)?(?:task|step)(?:\s*#?\s*(\d{1,3})\b\s*[:.)\-–—]?|\s*:)"
                   r"\s*(.*?)\s*$", re.IGNORECASE)
_ACTION = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?([A-Za-z]+)\s*:\s*(.*?)\s*$")
_LOOSE = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?([A-Za-z]+)\s+(\S.*?)\s*$")
_ITEM = re.compile(r"^\s*[-*+]\s+(.+?)\s*$")
_AFTER = re.compile(r"^\s*(?:[-*+]\s+)?after\s*:\s*(.*?)\s*$", re.IGNORECASE)
_TRAILING_COMMENT = re.compile(r"\s+(?:(?:#|//|--|—|–)\s.*|\([^()]*\))$")


@dataclass(frozen=True)
class Entry:
    line: int  # 0-based index in the plan
    kind: str  # task | after | file | group (an `ACTION:` heading `- PATH` lines) | other
    action: str = ""  # a file's action; a task line's N
    text: str = ""  # the title of a task, the path of a file, the line itself for `other`


@dataclass
class SectionTask:
    title: str
    first: int  # 0-based index of the task line
    last: int  # 0-based index of its last file line (or the task line)
    files: list[tuple[str, str]] = field(default_factory=list)
    number: str = ""  # the N its line gives ("" for `task: TITLE`)
    #: (0-based line, the task numbers as written) of its `after:` lines
    after: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Section:
    present: bool = False
    files: list[tuple[str, str]] = field(default_factory=list)  # before any task line
    tasks: list[SectionTask] = field(default_factory=list)


def read_fence(fence: Fence, *, loose: bool = True) -> list[Entry]:
    """Every line of a fence that is not blank or a comment, as the grammar reads it."""
    out: list[Entry] = []
    group = ""  # the action of a YAML-ish "modify:" group
    for n, line in enumerate(fence.body, fence.first + 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        task = _TASK.match(line)
        after = _AFTER.match(line)
        m = _ACTION.match(line) or (_LOOSE.match(line) if loose else None)
        action = ACTIONS.get(m.group(1).lower(), "") if m else ""
        item = _ITEM.match(line)
        if task:
            group = ""
            out.append(Entry(n, "task", action=task.group(1) or "", text=task.group(2)))
        elif after:
            out.append(Entry(n, "after", text=after.group(1)))
        elif m and action and not m.group(2):
            group = action
            out.append(Entry(n, "group", action))
        elif m and action:
            out.append(Entry(n, "file", action, _path(m.group(2))))
        elif group and item:
            out.append(Entry(n, "file", group, _path(item.group(1))))
        else:
            out.append(Entry(n, "other", text=line.strip()))
    return out


def is_section(fence: Fence) -> bool:
    """A ```twostep-files fence, or an unlabeled one holding nothing but the grammar."""
    if fence.machine:
        return True
    entries = [] if fence.info.strip() else read_fence(fence, loose=False)
    kinds = {e.kind for e in entries}
    return "file" in kinds and "other" not in kinds


def read_section(doc: Doc) -> Section:
    out = Section()
    task: SectionTask | None = None  # file lines belong to the latest task line of their fence
    for fence in filter(is_section, doc.fences):
        out.present, task = True, None
        for e in read_fence(fence):
            if e.kind == "task":
                task = SectionTask(e.text, e.line, e.line, number=e.action)
                out.tasks.append(task)
            elif e.kind == "after" and task:
                task.after.append((e.line, e.text))
                task.last = max(task.last, e.line)
            elif e.kind == "file" and e.text:
                (task.files if task else out.files).append((e.action, e.text))
                if task:
                    task.last = e.line
    return out


def _path(text: str) -> str:
    return _TRAILING_COMMENT.sub("", text.strip()).strip().strip("`'\"").strip()
