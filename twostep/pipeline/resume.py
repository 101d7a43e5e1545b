"""`twostep resume`: continue a failed or interrupted run from the phase step that failed.

Steps that completed are skipped, so the planner is never asked again once the plan was
accepted. Within the failed phase every step runs again (a planner whose reply was rejected
must answer anew), except those marked `keep_on_retry` (the work-tree fingerprint taken
before the executor first ran).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from twostep import errors, planfiles
from twostep.core.recipe import Strategy
from twostep.core.steps import Phase, PhaseKind, walk
from twostep.core.values import RunPath
from twostep.execution import approval, progress
from twostep.log import LOG
from twostep.pipeline import build, gate, isolated, preflight
from twostep.pipeline.inprocess import Stage
from twostep.pipeline.job import Job
from twostep.pipeline.record import plan_from_name, recipe_of
from twostep.pipeline.session import check_dirty, execute_phases
from twostep.runs import checkpoint, store
from twostep.tools import git


def _rewind(run: store.Run, phases: list[Phase]) -> None:
    """Forget the steps of the first unfinished phase, so all of them run again.

    A phase is finished when each of its own steps is: a loop is recorded when it ends, and the
    steps inside it are recorded by their bound names (task-2-…), never by the loop's
    placeholders, so only the phase's own steps can tell."""
    m = run.manifest
    for phase in phases:
        names = {s.name for s in phase.steps}
        if m.failed_step in names or any(n not in m.done for n in names):
            keep = {s.name for s in walk(phase.steps) if s.keep_on_retry}
            m.done = [n for n in m.done if n not in names or n in keep]
            return


def _finished(run: store.Run, phase: Phase) -> bool:
    return all(s.name in run.manifest.done for s in phase.steps)


def _names(repo: Path, *revs: str) -> set[str]:
    return set(git.split_z(git.git("diff", "--name-only", "-z", *revs, cwd=repo, check=False)))


def _not_the_runs(run: store.Run, repo: Path, head: str) -> set[str]:
    """Paths changed since the plan was written by anyone but the run itself: before its
    executor started (up to the base checkpoint), and since its last checkpoint."""
    base = progress.base(repo, run.dir)
    if base is None:
        return _names(repo, head)
    done = [t["task"] for t in progress.task_results(run.dir)]
    last = next((c for n in sorted(done, reverse=True)
                 if (c := checkpoint.lookup(repo, progress.ref(run.dir, f"task-{n}")))), base)
    return _names(repo, head, base) | set(checkpoint.changed_since(repo, last))


def warn_changed_plan_files(run: store.Run, repo: Path, plan: str) -> None:
    """Warn when files the plan names changed since the plan was written, by someone else:
    the run's own finished tasks changed them on purpose."""
    head = run.manifest.plan_head
    if not head or not (repo / plan).is_file():
        return
    changed = _not_the_runs(run, repo, head)
    if not changed:
        return

    named = set(planfiles.resolve((repo / plan).read_text(encoding="utf-8", errors="replace"),
                                  planfiles.RepoView.from_git(str(repo))).files)
    stale = sorted(changed & named)
    if stale:
        LOG.warn(f"{len(stale)} file(s) the plan names changed since it was written: "
                 f"{', '.join(stale[:8])}")


def _refuse_rolled_back(repo: Path, run: store.Run, plan: str | RunPath) -> None:
    """A rollback (at the validate gate or `twostep rollback`) undid work the manifest still
    counts as done: resuming would skip those tasks and verify a tree without them."""
    if progress.rolled_back(repo, run.dir) is None:
        return
    plan = str(run.dir / plan.rel) if isinstance(plan, RunPath) else plan  # kept in the run
    raise errors.InputError(
        f"run {run.id} was rolled back: the work it did is undone, so there is nothing to resume",
        hint=f"to do it again from the same plan: `twostep rollback {run.id}` (if only some "
             f"tasks were undone), then `twostep execute RECIPE --plan {plan}`")


def _worktree(run: store.Run) -> Path | None:
    """A --worktree run continues in its worktree, which must still be there."""
    m = run.manifest
    tree = run.worktree
    if tree is not None and not tree.is_dir():
        raise errors.InputError(f"run {run.id}: its worktree {tree} is gone",
                                hint=f"start again with --worktree (branch {m.branch} stays)")
    return tree


def resume(repo: Path, run_id: str | None, *, yes: bool = False, allow_dirty: bool = False,
           max_cost: float | None = None, jobs: int | None = None,
           stage: Stage | None = None) -> int:
    run = store.load(repo, run_id)
    m = run.manifest
    if m.status == "done":
        raise errors.InputError(f"run {run.id} already finished",
                                hint="start a new one with `twostep run`")
    tree = _worktree(run)
    recipe = recipe_of(run, max_cost, jobs)
    plan = plan_from_name(m.plan or recipe.plan)
    _refuse_rolled_back(repo, run, plan)
    job = Job(recipe, None, None, plan, yes or m.yes, slice=tuple(m.slice_pathspecs))
    phases = [p for p in build.phases(job, Strategy(m.strategy)) if p.name in m.phases]
    execute = next((p for p in phases if p.kind is PhaseKind.EXECUTE), None)
    if execute is not None and not _finished(run, execute):
        # Once the executor started, the changes in the tree are the run's own finished tasks.
        started = progress.base(repo, run.dir) is not None
        check_dirty(repo, job, executes=True, allow_dirty=allow_dirty or m.allow_dirty or started)
        if isinstance(plan, str):
            warn_changed_plan_files(run, repo, plan)
    _rewind(run, phases)  # in memory only: nothing is written until preflight passed
    # The steps that will run again (not done, or run every time): their tools and keys only.
    remaining = [replace(p, steps=tuple(s for s in p.steps
                                        if s.name not in m.done or s.every_time))
                 for p in phases]
    remaining = [p for p in remaining if p.steps]
    # Only what is left counts: a resume with verify alone left needs no API key.
    preflight.require_terminal(remaining)
    preflight.check(remaining, recipe, keys_later=True)
    if isinstance(plan, str):
        approval.reapprove(repo / plan, run.dir / approval.APPROVED, yes=yes, review=gate.review)
    run.set(status="running", failed_step=None, error=None)
    LOG.info(f"resuming run {run.id} ({m.strategy} strategy); completed steps are skipped")
    if tree is not None:
        isolated.resume(run, repo, phases, job, stage)
        return 0
    return execute_phases(run, repo, phases, job, stage)
