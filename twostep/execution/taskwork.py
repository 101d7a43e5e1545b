"""One task's work: its input (the whole plan, which task it is, the earlier tasks' diff), the
proof that its session did it, and the checkpoint after it."""

from __future__ import annotations

import json
from pathlib import Path

from twostep import atomic
from twostep.errors import InputError, NoChanges
from twostep.execution import progress, waves
from twostep.execution.plantasks import TaskPlan
from twostep.log import LOG
from twostep.runs import checkpoint

#: A session's status file says this when a fresh session should try the task again.
AGAIN = "again"


def task_of(run_dir: Path, number: int) -> tuple[TaskPlan, int]:
    tasks = progress.tasks(run_dir)
    if not 1 <= number <= len(tasks):
        raise InputError(f"task {number}: the plan has {len(tasks)} task(s)")
    return tasks[number - 1], len(tasks)


def task_input(repo: Path, run_dir: Path, number: int, plan_text: str) -> tuple[str, list[str]]:
    """The text that tells the session what to do, and the files to pack for it."""
    task, total = task_of(run_dir, number)
    if total == 1:  # the whole plan in one session: nothing to single out, nothing before it
        return plan_text, list(task.pack)
    diff = progress.diff_since(repo, progress.base(repo, run_dir)) if number > 1 else ""
    parts = [plan_text.rstrip("\n"), "", "---", "",
             f"# Your task now: task {number} of {total}: {task.title}", "",
             "Do this task only. The tasks before it are done (their changes are below); the "
             "tasks after it come later, each in a fresh session. Build on what is there.", "",
             task.text.rstrip("\n"), ""]
    if diff.strip():
        parts += ["## The changes the earlier tasks made (git diff)", "", "```diff",
                  diff.rstrip("\n"), "```", ""]
    return "\n".join(parts), list(task.pack)


def prove(repo: Path, run_dir: Path, number: int, attempt: int, attempts: int) -> str:
    """Did the session change the files its task plans to change? Returns the status
    (done / again) and records the result; on the last attempt a phantom task is exit 9."""
    task, _ = task_of(run_dir, number)
    start = progress.before_task(repo, run_dir, number)
    changed = set(checkpoint.changed_since(repo, start)) if start else set()
    planned = set(task.planned_changes)
    done = sorted(changed & planned)
    result = {"task": number, "title": task.title, "attempt": attempt,
              "planned": sorted(planned), "changed": sorted(changed), "done": done,
              "missing": sorted(planned - changed), "unplanned": sorted(changed - planned)}
    if rerun := waves.rerun_reason(run_dir, number):
        result["rerun"] = rerun  # it ran again, alone, on the merged tree
    atomic.write_text(run_dir / f"task-{number}.result.json", json.dumps(result, indent=1))
    # A task may only read; the whole plan in one session (its only task) must change something.
    phantom = (bool(planned) and not done) or (len(progress.tasks(run_dir)) == 1 and not changed)
    label = f"task {number} '{task.title}'"
    status = AGAIN if phantom and attempt < attempts else "done"
    atomic.write_text(run_dir / f"task-{number}.proof", status + "\n")
    missed = f"changed none of: {', '.join(sorted(planned))}" if planned else "changed nothing"
    if phantom and status == AGAIN:
        LOG.warn(f"{label} {missed}; trying again in a fresh session")
    elif phantom:
        raise NoChanges(f"{label} {missed}",
                        hint="the run stays resumable: adjust the plan or the files, then "
                             "`twostep resume --yes`")
    else:
        total = len(progress.tasks(run_dir))
        alone = task.title if task.title == "the whole plan" else f"the task '{task.title}'"
        _report(f"task {number} of {total} '{task.title}'" if total > 1 else alone, result,
                progress.line_counts(repo, start))
    return status


def changes(counts: dict[str, tuple[int, int] | None], most: int = 4) -> str:
    """`a.py +2 -1, b.py (binary)`: the files a task changed, with their line counts."""
    if not counts:
        return "changed nothing"
    shown = [f"{path} {'(binary)' if n is None else f'+{n[0]} -{n[1]}'}"
             for path, n in sorted(counts.items())[:most]]
    more = f" and {len(counts) - most} more file(s)" if len(counts) > most else ""
    return ", ".join(shown) + more


def _report(label: str, result: dict, counts: dict[str, tuple[int, int] | None]) -> None:
    LOG.info(f"{label}: {changes(counts)}")
    if result["missing"]:
        LOG.warn(f"{label} left planned file(s) unchanged: {', '.join(result['missing'])}")
    if result["unplanned"]:
        LOG.warn(f"{label} changed file(s) outside its plan: {', '.join(result['unplanned'])}")


def save_checkpoint(repo: Path, run_dir: Path, name: str) -> str:
    """Record the work tree on refs/twostep/<run>/<name>. The base is taken once per run."""
    ref = progress.ref(run_dir, name)
    if name == "base" and (found := checkpoint.lookup(repo, ref)):
        return found
    kind, _, number = name.partition("-")
    if kind == "start":  # a task about to run alone in the run's tree (execution/waves.py)
        waves.forget_tree(repo, run_dir, int(number))
    parent = progress.base(repo, run_dir) if name != "base" else None
    commit = checkpoint.snapshot(repo, parent=parent,
                                 message=f"twostep {progress.run_id(run_dir)}: {name}")
    checkpoint.save(repo, ref, commit)
    if kind == "task":
        waves.note_merged(run_dir, int(number))
    LOG.detail(f"checkpoint {name}: {commit[:12]} on {ref}")
    return commit
