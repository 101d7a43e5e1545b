"""The plan's tasks, each with the files it reads and the files it plans to change.

A task's files come from the machine-readable task list when the planner wrote one, else from
the paths its own text names (resolved against git as `twostep files` resolves a whole plan).
Plan-wide entries of the files section (before any `task N:` line) give those paths their
action; plan-wide reads nobody's text names go to every task, as context.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from twostep import planfiles
from twostep.planfiles import RepoView, Resolution
from twostep.tasks import Split, Task, graph, split_plan

CHANGES = ("modify", "create", "delete")


@dataclass(frozen=True)
class TaskPlan:
    number: int
    title: str
    first_line: int
    last_line: int
    text: str
    #: tracked files to pack for this task (reads and the files it modifies or deletes)
    pack: tuple[str, ...]
    modify: tuple[str, ...] = ()
    create: tuple[str, ...] = ()
    delete: tuple[str, ...] = ()
    #: the tasks (numbers 1..) that must be done first (tasks/graph.py)
    after: tuple[int, ...] = ()

    @property
    def planned_changes(self) -> tuple[str, ...]:
        return (*self.modify, *self.create, *self.delete)


def _clean(path: str) -> str:
    path = path.strip().strip("`'\"")
    return path[2:] if path.startswith("./") else path


def _fence(entries: Sequence[tuple[str, str]]) -> str:
    if not entries:
        return ""
    body = "".join(f"{action}: {path}\n" for action, path in entries)
    return f"\n\n```{planfiles.SECTION_INFO}\n{body}```\n"


def _one(task: Task, split: Split, res: Resolution, shared_reads: set[str]) -> TaskPlan:
    known = {_clean(p): a for a, p in (*split.files, *task.files)}
    section = bool(split.files or task.files)
    planned: dict[str, str] = {}
    for path in res.files:
        action = known.get(path)
        if action in CHANGES:
            planned[path] = action
        elif action is None and not task.files and not (section and path in shared_reads):
            # No section says what this task does with it: a file it names is one it may change.
            planned[path] = "modify"
    for path in res.create:
        planned[path] = "create"
    for missing in res.unresolved:  # a file the section creates, named by this task's prose
        if known.get(_clean(missing.mention.text)) == "create":
            planned[_clean(missing.mention.text)] = "create"
    for path in res.delete:
        planned[path] = "delete"
    pack = sorted(set(res.files) | shared_reads)
    by = {a: tuple(sorted(p for p, x in planned.items() if x == a)) for a in CHANGES}
    return TaskPlan(task.number, task.title, task.first_line, task.last_line, task.text,
                    tuple(pack), by["modify"], by["create"], by["delete"])


def whole(split: Split, text: str) -> Split:
    """The plan as one task (`execute_by: plan`): all of it, with every file it names."""
    files = (*split.files, *(f for t in split.tasks for f in t.files))
    last = max(1, len(text.splitlines()))
    return Split("whole", (Task(1, "the whole plan", text, 1, last, files),))


def plan_tasks(text: str, view: RepoView, patterns: Sequence[str] = (), *,
               one: bool = False, name: str = "plan") -> list[TaskPlan]:
    """The plan's tasks with their files and the order it states (`name`: the plan's file, for
    errors); `one`: the whole plan as a single task."""
    split = whole(split_plan(text), text) if one else split_plan(text)
    after = graph.prerequisites(split.tasks, name)
    found = [planfiles.resolve(t.text + _fence(t.files), view, patterns=patterns)
             for t in split.tasks]
    named = {p for res in found for p in (*res.files, *res.create)}
    tracked = set(planfiles.resolve(_fence(split.files), view, patterns=patterns).files) \
        if split.files else set()
    reads = {p for p in tracked if {_clean(q): a for a, q in split.files}.get(p) == "read"}
    return [replace(_one(t, split, res, reads - named), after=deps)
            for t, res, deps in zip(split.tasks, found, after, strict=True)]


def to_json(tasks: Sequence[TaskPlan], source: str = "", fallback: str = "") -> str:
    data = {"source": source, "fallback": fallback, "tasks": [asdict(t) for t in tasks],
            "waves": graph.waves([t.after for t in tasks])}
    return json.dumps(data, ensure_ascii=False, indent=2)


def load(path: Path) -> list[TaskPlan]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [TaskPlan(int(t["number"]), str(t["title"]), int(t["first_line"]),
                     int(t["last_line"]), str(t["text"]), tuple(t["pack"]), tuple(t["modify"]),
                     tuple(t["create"]), tuple(t["delete"]), tuple(t.get("after", ())))
            for t in data["tasks"]]
