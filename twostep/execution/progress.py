"""Where a run keeps its task and fix-round progress, and the diff of the work done so far.

The files live in the run directory, written by the stages and read back by the manifest
(pipeline/record.py), the validate gate and `rollback`; the checkpoints are refs under
refs/twostep/<run>/ (runs/checkpoint.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from twostep import atomic
from twostep.execution import plantasks
from twostep.runs import checkpoint, story
from twostep.tools import git as gitrepo

TASKS = "tasks.json"
ROUNDS = "rounds.jsonl"
ROLLED_BACK = story.ROLLED_BACK


def run_id(run_dir: Path) -> str:
    return run_dir.resolve().name


def ref(run_dir: Path, name: str) -> str:
    """The checkpoint ref `name` (base, task-N, fix-N) of this run."""
    return f"{checkpoint.REF_PREFIX}{run_id(run_dir)}/{name}"


def base(repo: Path, run_dir: Path) -> str | None:
    return checkpoint.lookup(repo, ref(run_dir, "base"))


def rolled_back(repo: Path, run_dir: Path) -> str | None:
    return story.rolled_back(repo, run_id(run_dir))


def tasks(run_dir: Path) -> list[plantasks.TaskPlan]:
    return plantasks.load(run_dir / TASKS)


def before_task(repo: Path, run_dir: Path, number: int) -> str | None:
    """The checkpoint a task started from: its own start when it ran side by side with others
    (execution/waves.py), else the previous task's, else the run's base."""
    start = checkpoint.lookup(repo, ref(run_dir, f"start-{number}"))
    if start:
        return start
    if number > 1:
        found = checkpoint.lookup(repo, ref(run_dir, f"task-{number - 1}"))
        if found:
            return found
    return base(repo, run_dir)


def diff_since(repo: Path, commit: str | None) -> str:
    """The work tree's changes since a checkpoint, as a git diff (untracked files included)."""
    if commit is None:
        return ""
    now = checkpoint.snapshot(repo, parent=commit, message="twostep: work tree now")
    out = gitrepo.git("diff", "--no-color", "--no-ext-diff", commit, now, cwd=repo, check=False)
    return out.decode("utf-8", errors="replace")


def line_counts(repo: Path, commit: str | None) -> dict[str, tuple[int, int] | None]:
    """Lines added and deleted per file since a checkpoint (None: a binary file)."""
    if commit is None:
        return {}
    now = checkpoint.snapshot(repo, parent=commit, message="twostep: work tree now")
    out = gitrepo.git("diff", "--numstat", "-z", "--no-renames", commit, now, cwd=repo,
                      check=False).decode("utf-8", errors="replace")
    counts: dict[str, tuple[int, int] | None] = {}
    for entry in filter(None, out.split("\0")):
        added, deleted, path = entry.split("\t", 2)
        counts[path] = (int(added), int(deleted)) if added.isdigit() else None
    return counts


def task_results(run_dir: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(run_dir.glob("task-*.result.json"),
                       key=lambda p: int(p.name.split("-")[1].split(".")[0])):
        out.append(json.loads(path.read_text(encoding="utf-8")))
    return out


def rounds(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / ROUNDS
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def add_round(run_dir: Path, record: dict[str, Any]) -> None:
    kept = [r for r in rounds(run_dir) if r.get("round") != record.get("round")]
    atomic.write_text(run_dir / ROUNDS, "".join(json.dumps(r) + "\n" for r in [*kept, record]))


def task_listing(run_dir: Path) -> Path:
    """The files sent to the executor so far, task by task (the union of task-N.files)."""
    paths: set[str] = set()
    for listing in run_dir.glob("task-*.files"):
        paths |= {p for p in listing.read_text(encoding="utf-8").splitlines() if p}
    out = run_dir / "task-files.txt"
    atomic.write_text(out, "".join(f"{p}\n" for p in sorted(paths)), durable=False)
    return out
