"""Tasks side by side: the waves a run goes through, a worktree per task, and the merge of
their changes into the run's tree.

Each line of the waves file names tasks that may run at once: a wave of the plan's graph
(tasks/graph.py), cut into groups of at most `jobs`. A plan without `after:` lines gives one
task per line, so its tasks run one after another in the run's tree, as before.

A task of a group of several runs in a worktree of its own under the run directory, started
from `start-N`: the base checkpoint with the changes of the task's prerequisites (and theirs)
laid over it, in the order they were merged. Its result is recorded on `tree-N`. The merge then
takes the group in plan order: a task whose changed files no other task of the run changed
since its start is laid over the run's tree and checkpointed as `task-N`, as a task that ran
alone is; one that changed a file another task changed too runs again, alone, on the merged
tree. All refs are under refs/twostep/<run>/; the worktrees are removed after each group.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from twostep import atomic
from twostep.errors import InputError
from twostep.execution import progress
from twostep.log import LOG
from twostep.runs import checkpoint, treemerge
from twostep.tasks import graph
from twostep.tools import git as gitrepo

MERGED = "merged.txt"   # task numbers in the order their changes reached the run's tree
TREES = "trees"         # the worktrees, one directory per task


def groups(run_dir: Path, jobs: int) -> list[list[int]]:
    """The waves of the run's tasks, each cut into groups of at most `jobs`, in plan order."""
    after = [t.after for t in progress.tasks(run_dir)]
    return [wave[k:k + jobs] for wave in graph.waves(after) for k in range(0, len(wave), jobs)]


def tree_dir(run_dir: Path, number: int) -> Path:
    return run_dir / TREES / str(number)


def _lookup(repo: Path, run_dir: Path, name: str) -> str | None:
    return checkpoint.lookup(repo, progress.ref(run_dir, name))


def _drop(repo: Path, run_dir: Path, name: str) -> None:
    gitrepo.git("update-ref", "-d", progress.ref(run_dir, name), cwd=repo, check=False)


def merged(run_dir: Path) -> list[int]:
    path = run_dir / MERGED
    return [int(n) for n in path.read_text().split()] if path.is_file() else []


def note_merged(run_dir: Path, number: int) -> None:
    order = [n for n in merged(run_dir) if n != number] + [number]
    atomic.write_text(run_dir / MERGED, "".join(f"{n}\n" for n in order), durable=False)


def change_of(repo: Path, run_dir: Path, number: int) -> tuple[str, str]:
    """(start, end) of a finished task: what it found, and what it left."""
    start = _lookup(repo, run_dir, f"start-{number}") or progress.before_task(repo, run_dir,
                                                                              number)
    end = _lookup(repo, run_dir, f"tree-{number}") or _lookup(repo, run_dir, f"task-{number}")
    if start is None or end is None:
        raise InputError(f"task {number} has no checkpoints of its work",
                         hint="its prerequisites must be done first: `twostep resume`")
    return start, end


def _ancestors(run_dir: Path, number: int) -> set[int]:
    after = {t.number: t.after for t in progress.tasks(run_dir)}
    found: set[int] = set()
    todo = list(after.get(number, ()))
    while todo:
        k = todo.pop()
        if k not in found:
            found.add(k)
            todo += after.get(k, ())
    return found


def start_task(repo: Path, run_dir: Path, number: int) -> Path:
    """A worktree for task N from its prerequisites' results: `start-N`, under the run."""
    base = progress.base(repo, run_dir)
    if base is None:
        raise InputError("the run has no base checkpoint", hint="`twostep checkpoint RUN base`")
    wanted = _ancestors(run_dir, number)
    deltas = [change_of(repo, run_dir, k) for k in merged(run_dir) if k in wanted]
    start = treemerge.overlay(repo, base, deltas, parent=base,
                              message=f"twostep {progress.run_id(run_dir)}: start-{number}")
    checkpoint.save(repo, progress.ref(run_dir, f"start-{number}"), start)
    _drop(repo, run_dir, f"tree-{number}")
    path = tree_dir(run_dir, number)
    _remove_tree(repo, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    gitrepo.git("worktree", "add", "--detach", "--quiet", str(path), start, cwd=repo)
    return path


def forget_tree(repo: Path, run_dir: Path, number: int) -> None:
    """Task N runs alone now: a result of an earlier run side by side is not its change."""
    _drop(repo, run_dir, f"tree-{number}")


def merge_group(repo: Path, run_dir: Path, tasks: list[int]) -> list[int]:
    """Merge a group's finished tasks into the run's tree in plan order; return the tasks to
    run alone, one after another: a group of one, and the tasks whose files met another's."""
    if len(tasks) < 2:
        return tasks
    again = []
    try:
        for number in sorted(tasks):
            if _lookup(repo, run_dir, f"tree-{number}") is None:
                continue  # it failed, or was interrupted: it runs again on resume
            met = _merge(repo, run_dir, number)
            if met:
                again.append(number)
                _rerun(repo, run_dir, number, met)
    finally:
        for number in tasks:
            _remove_tree(repo, tree_dir(run_dir, number))
        gitrepo.git("worktree", "prune", cwd=repo, check=False)
    return again


def _merge(repo: Path, run_dir: Path, number: int) -> list[str]:
    """Lay task N's change over the run's tree; the files it met instead, if any."""
    base = progress.base(repo, run_dir)
    start, end = change_of(repo, run_dir, number)
    now = checkpoint.snapshot(repo, parent=base, message="twostep: the run's tree now")
    mine, theirs = treemerge.changes(repo, start, end), treemerge.changes(repo, start, now)
    met = set(mine) & set(theirs)
    if met:
        return treemerge.names(met)
    result = treemerge.overlay(repo, now, [(start, end)], parent=base,
                               message=f"twostep {progress.run_id(run_dir)}: task-{number}")
    checkpoint.restore(repo, result, expected=now)
    checkpoint.save(repo, progress.ref(run_dir, f"task-{number}"), result)
    note_merged(run_dir, number)
    LOG.info(f"task {number}: merged into the run's tree ({len(mine)} file(s): "
             f"{', '.join(treemerge.names(set(mine))[:6])})")
    return []


def _rerun(repo: Path, run_dir: Path, number: int, met: list[str]) -> None:
    why = f"changed {', '.join(met[:6])}, which another task changed too"
    LOG.warn(f"task {number} {why}: running it again, alone, on the merged tree")
    atomic.write_text(run_dir / f"task-{number}.rerun",
                      json.dumps({"files": met, "reason": why}) + "\n", durable=False)
    _drop(repo, run_dir, f"tree-{number}")


def rerun_reason(run_dir: Path, number: int) -> str | None:
    path = run_dir / f"task-{number}.rerun"
    return json.loads(path.read_text())["reason"] if path.is_file() else None


def _remove_tree(repo: Path, path: Path) -> None:
    if path.exists():
        gitrepo.git("worktree", "remove", "--force", str(path), cwd=repo, check=False)
        shutil.rmtree(path, ignore_errors=True)


def clean(repo: Path, run_dir: Path) -> None:
    """Remove every task worktree of the run (after a failure or an interrupt too)."""
    for path in sorted((run_dir / TREES).glob("*")) if (run_dir / TREES).is_dir() else []:
        _remove_tree(repo, path)
    gitrepo.git("worktree", "prune", cwd=repo, check=False)
