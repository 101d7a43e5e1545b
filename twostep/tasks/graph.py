"""The order a plan states: `after: N[, M…]` lines under its tasks make a graph, and the
graph's layers are the waves that may run side by side.

A plan whose task list has no `after:` line states no graph: its tasks run one after another,
in plan order. Once any task has one, a task without `after:` depends on nothing. The numbers
are the ones the plan's `task N:` lines write; a number no task has, or tasks that wait for
each other, is an error that names the plan's line, before any executor call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from twostep.errors import InputError
from twostep.tasks.split import Task


def prerequisites(tasks: Sequence[Task], plan: str = "plan") -> list[tuple[int, ...]]:
    """Each task's prerequisites, as 1-based positions in the plan."""
    if not any(t.after for t in tasks):
        return [() if k == 1 else (k - 1,) for k in range(1, len(tasks) + 1)]
    where = {t.label: k for k, t in enumerate(tasks, 1) if t.label}
    out = [_resolve(t, k, where, plan) for k, t in enumerate(tasks, 1)]
    _refuse_cycle(tasks, out, plan)
    return out


def _resolve(task: Task, position: int, where: dict[str, int], plan: str) -> tuple[int, ...]:
    found: set[int] = set()
    for line, text in task.after:
        for word in filter(None, re.split(r"[\s,;]+", text)):
            number = where.get(word.lstrip("#").rstrip("."))
            if number is None:
                raise InputError(f"{plan}:{line}: after: {word}: no task {word} in the plan",
                                 hint="name the tasks by the numbers of their `task N:` lines")
            if number == position:
                raise InputError(f"{plan}:{line}: after: task {word} cannot wait for itself")
            found.add(number)
    return tuple(sorted(found))


def _refuse_cycle(tasks: Sequence[Task], after: list[tuple[int, ...]], plan: str) -> None:
    state: dict[int, int] = {}

    def visit(k: int, trail: list[int]) -> None:
        state[k] = 1
        for p in after[k - 1]:
            if state.get(p) == 1:
                loop = [*trail[trail.index(p):], k, p] if p in trail else [k, p]
                line = tasks[k - 1].after[0][0] if tasks[k - 1].after else tasks[k - 1].first_line
                shown = " → ".join(f"task {tasks[n - 1].label or n}" for n in loop)
                raise InputError(f"{plan}:{line}: after: the tasks wait for each other: {shown}",
                                 hint="remove one `after:` so that some task can start")
            if p not in state:
                visit(p, [*trail, k])
        state[k] = 2

    for k in range(1, len(after) + 1):
        if k not in state:
            visit(k, [])


def waves(after: Sequence[tuple[int, ...]]) -> list[list[int]]:
    """The tasks by wave: each task in the wave after its last prerequisite's."""
    level: dict[int, int] = {}
    for k in range(1, len(after) + 1):
        _level(k, after, level)
    out: list[list[int]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for k in range(1, len(after) + 1):
        out[level[k]].append(k)
    return out


def _level(k: int, after: Sequence[tuple[int, ...]], level: dict[int, int]) -> int:
    if k not in level:
        level[k] = max((_level(p, after, level) + 1 for p in after[k - 1]), default=0)
    return level[k]
