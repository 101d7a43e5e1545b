"""`twostep rollback [RUN] [--to-task N]`: put the work tree back as it was before the run's
executor (or after task N), never throwing away work done after the run.

The run's last state is its `end` checkpoint (taken at the validate gate), or after a rollback
the checkpoint that rollback restored. When the work tree differs from it, that is someone's
later work: rollback refuses. A run that stopped before its
end (failed, interrupted) has no end checkpoint; its leftover edits are its own. Either way the
state just before the rollback is kept on refs/twostep/<run>/before-rollback.
"""

from __future__ import annotations

from pathlib import Path

from twostep.errors import InputError
from twostep.execution import progress
from twostep.log import LOG
from twostep.runs import checkpoint, store


def run_dir_of(repo: Path, run: str | None) -> Path:
    """A run by id (or prefix) or directory; default: the last run that has checkpoints."""
    if run and Path(run).is_dir():
        return Path(run).resolve()
    if run:
        return store.load(repo, run).dir
    runs = [r for r in store.all_runs(repo) if progress.base(repo, r.dir)]
    if not runs:
        raise InputError("no run with checkpoints to roll back",
                         hint="list runs with `twostep runs`")
    return runs[-1].dir


def tree_of(repo: Path, run_dir: Path) -> Path:
    """Where the run's executor worked: the repository, or a --worktree run's own worktree
    while it still exists (a failed run keeps it). A finished worktree run changed only its
    branch, so there is nothing in any work tree to roll back."""
    run = store.at(run_dir)
    tree = run.worktree if run else None
    if run is None or tree is None:
        return repo
    if tree.is_dir():
        return tree
    branch = run.manifest.branch
    raise InputError(f"run {run.id} ran in its own worktree: your work tree "
                     f"was never changed, and its changes are only on branch {branch}",
                     hint=f"to discard them, delete the branch: git branch -D {branch}")


def rollback(repo: Path, run_dir: Path, to_task: int | None = None) -> str:
    repo = tree_of(repo, run_dir)
    name = f"task-{to_task}" if to_task else "base"
    target = checkpoint.lookup(repo, progress.ref(run_dir, name))
    if target is None:
        where = f"after task {to_task}" if to_task else "before the run"
        raise InputError(f"run {progress.run_id(run_dir)} has no checkpoint {where}",
                         hint="`twostep tasks` lists the tasks; checkpoints exist for "
                              "finished tasks only")
    what = f"after task {to_task}" if to_task else "before the run's executor"
    if not checkpoint.changed_since(repo, target):  # keep the last before-rollback state
        LOG.info(f"the work tree is already as it was {what} (run {progress.run_id(run_dir)}); "
                 "nothing to roll back")
        return target
    # After a rollback the work tree is at the checkpoint it restored (`now`), else at the end.
    expected = (progress.rolled_back(repo, run_dir)
                or checkpoint.lookup(repo, progress.ref(run_dir, "end")))
    before = checkpoint.restore(repo, target, expected=expected)
    checkpoint.save(repo, progress.ref(run_dir, "before-rollback"), before)
    checkpoint.save(repo, progress.ref(run_dir, progress.ROLLED_BACK), target)
    LOG.info(f"rolled the work tree back to {what} (run {progress.run_id(run_dir)}); the state "
             f"before the rollback is kept on {progress.ref(run_dir, 'before-rollback')}")
    return before
