"""Run a Waves step (core/steps.py): groups of tasks side by side, each in a thread with a
runner of its own whose repository is the task's worktree, then the merge, then the tasks
that run alone. The renderer writes the same thing as background jobs and `wait`.

A thread's runner starts its processes in the task's worktree and calls the same in-process
stages; the manifest hook is shared behind a lock. Ctrl-C or SIGTERM (raised in the main
thread) stops every task's processes; the worktrees are removed however the group ends.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from twostep.core.loops import bind
from twostep.core.steps import Step, Waves
from twostep.core.values import Arg
from twostep.execution import waves as side
from twostep.log import LOG
from twostep.runs import checkpoint


class Runner(Protocol):
    """What this module needs of pipeline/runner.Runner (which calls it)."""

    repo: Path
    run_dir: Path

    def file(self, value: Arg) -> Path: ...
    def run_step(self, step: Step, within: str = "") -> None: ...
    def ref(self, name: str) -> str: ...
    def child(self, repo: Path) -> Runner: ...
    def stop(self) -> None: ...


@dataclass
class _Task:
    number: int
    runner: Runner
    steps: tuple[Step, ...]
    within: str
    error: BaseException | None = None
    seconds: float = 0.0
    thread: threading.Thread = field(init=False)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name=f"task-{self.number}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        began = time.monotonic()
        try:
            for inner in self.steps:
                self.runner.run_step(inner, self.within)
        except BaseException as exc:  # reported by the main thread, after the merge
            self.error = exc
        self.seconds = time.monotonic() - began


def run(runner: Runner, step: Waves) -> int:
    lines = runner.file(step.groups).read_text(encoding="utf-8").splitlines()
    for wave, line in enumerate(lines, 1):
        tasks = [int(n) for n in line.split()]
        pending = [n for n in tasks if not _done(runner, step, n)]
        for n in sorted(set(tasks) - set(pending)):
            LOG.info(f"task {n}: done in an earlier attempt; skipped")
        if not pending:
            continue
        failed = _side_by_side(runner, step, pending) if len(pending) > 1 else None
        merge = bind(bind(step.merge, "wave", wave), "tasks", " ".join(map(str, pending)))
        runner.run_step(merge, step.name)
        if failed is not None:
            raise failed
        alone = runner.file(bind(step.alone_list, "wave", wave)).read_text().split()
        for number in alone:
            for inner in step.alone:
                runner.run_step(bind(inner, step.var, int(number)), step.name)
    return 0


def _done(runner: Runner, step: Waves, number: int) -> bool:
    ref = bind(step.done_ref, step.var, number) if step.done_ref else None
    return bool(ref and checkpoint.lookup(runner.repo, runner.ref(ref)))


def _side_by_side(runner: Runner, step: Waves, numbers: list[int]) -> BaseException | None:
    """Run the tasks at once; the first failure in plan order, once all have ended."""
    tasks = []
    try:
        for n in numbers:
            for inner in step.start:
                runner.run_step(bind(inner, step.var, n), step.name)
            tree = runner.file(bind(step.tree, step.var, n))
            tasks.append(_Task(n, runner.child(tree), tuple(bind(s, step.var, n)
                                                             for s in step.side), step.name))
        for task in tasks:
            task.start()
        _wait(tasks)
    except BaseException:
        for task in tasks:
            task.runner.stop()
        for task in tasks:
            if hasattr(task, "thread"):
                task.thread.join(timeout=10)
        side.clean(runner.repo, runner.run_dir)
        raise
    return next((t.error for t in tasks if t.error is not None), None)


def _wait(tasks: list[_Task]) -> None:
    """Join the threads, showing which tasks still run and each one as it ends."""
    began, shown = time.monotonic(), set()
    running = list(tasks)
    screen(running, 0.0)
    while running:
        for task in running:
            task.thread.join(timeout=0.2)
        ended = [t for t in running if not t.thread.is_alive()]
        running = [t for t in running if t.thread.is_alive()]
        for task in ended:
            if task.number not in shown:
                shown.add(task.number)
                finished(task)
        if ended and running:
            screen(running, time.monotonic() - began)


def screen(running: list[_Task], seconds: float) -> None:
    """One line for the tasks still running together ("tasks 1, 2 running · 0:42")."""
    names = ", ".join(str(t.number) for t in running)
    word = "tasks" if len(running) > 1 else "task"
    minutes, secs = divmod(int(seconds), 60)
    LOG.info(f"{word} {names} running side by side · {minutes}:{secs:02d}")


def finished(task: _Task) -> None:
    """A task that ended: its time (its files and +/- are on the line its proof of work
    printed), or that it failed."""
    minutes, secs = divmod(int(task.seconds), 60)
    state = "failed" if task.error is not None else "done"
    LOG.detail(f"task {task.number} {state} · {minutes}:{secs:02d}")

