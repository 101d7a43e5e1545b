"""`run --worktree` and `execute --worktree`: session.start's path, with the phases running in
a worktree on a new branch (worktree.py builds the steps around them). The dry-run renders the
same steps: the worktree, `cd` into it, the phases, the commit, the PR, the removal."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from twostep.core import render
from twostep.core.steps import Phase, PhaseKind
from twostep.log import LOG
from twostep.pipeline import preflight, record, scriptrun, session, worktree
from twostep.pipeline.inprocess import Stage
from twostep.pipeline.job import Job
from twostep.pipeline.measure import measure
from twostep.pipeline.runner import Runner
from twostep.runs import store


def _plan_for_worktree(job: Job, repo: Path, switches: session.Switches) -> Job:
    """A plan the user already has (execute) is read where it is: the worktree holds HEAD
    only, not the user's uncommitted plan file. A run that plans writes its plan in the
    worktree, never over a plan file the user has (an earlier run's, say)."""
    plan = job.plan_path
    if session.plans(switches) or not isinstance(plan, str) or Path(plan).is_absolute():
        return job
    return replace(job, plan_path=str(repo / plan)) if (repo / plan).is_file() else job


def _plan_text(job: Job, repo: Path) -> str | None:
    if isinstance(job.plan_path, str):
        path = repo / job.plan_path
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return None


def start(job: Job, repo: Path, switches: session.Switches, *, branch: str | None,
          pr: bool, stage: Stage | None = None) -> store.Run:
    preflight.require_terminal(session.select(job, session.before_measuring(switches), switches))
    preflight.require_identity(repo)
    job = _plan_for_worktree(job, repo, switches)
    preflight.check(session.select(job, session.before_measuring(switches), switches), job.recipe)
    problem = worktree.gh_problem() if pr else None
    if problem:
        LOG.warn(f"--pr: {problem}; the changes will be committed on the branch, not pushed")
    m = session.measured_for_run(job, repo, switches)
    strategy = session.choose(m, switches)
    job, notes = session.with_slice(job, repo, m, strategy)
    phases = session.select(job, strategy, switches)
    tools = preflight.check(phases, job.recipe)
    LOG.info(f"{job.recipe.name}: {m.tokens:,} tokens → strategy {strategy}")
    # The user's tree may be dirty: the run happens in its own worktree.
    run = session.create_run(repo, job, switches, strategy, m, tools, phases, notes,
                             allow_dirty=True)
    name = branch or worktree.default_branch(run.id)
    iso = worktree.plan(job, name, worktree.message(job, name, run.id,
                                                    record.plan_name(job.plan_path),
                                                    _plan_text(job, repo)), pr=pr and not problem)
    run.set(branch=name, pr=pr and not problem, pr_error=problem)
    for step in iso.setup:
        Runner(repo, run.dir).run_step(step)
    return _complete(run, repo, phases, job, iso, stage)


def _complete(run: store.Run, repo: Path, phases: list[Phase], job: Job,
              iso: render.Isolation, stage: Stage | None) -> store.Run:
    """The phases in the worktree, then the commit (and PR), then the worktree's removal."""
    name, tree = run.manifest.branch, run.dir / store.WORKTREE_DIR
    LOG.info(f"working on branch {name} in {os.path.relpath(tree)}")
    # The commit (and push, PR) are the run's last phase: a failing commit leaves the run
    # failed at that step, resumable, with the worktree kept (it holds the changes).
    finish = Phase(PhaseKind.COMMIT, f"commit the changes on {name}", iso.finish)
    session.execute_phases(run, tree, [*phases, finish], job, stage)
    outside = Runner(repo, run.dir)
    url = run.dir / "pr-url.txt"
    printed = url.read_text(encoding="utf-8").split() if url.is_file() else []
    if printed:  # gh prints the new pull request's URL last
        run.set(pr_url=printed[-1])
    for step in iso.teardown:
        outside.run_step(step)
    LOG.info(f"committed on branch {name}" + (f"; pull request {run.manifest.pr_url}"
                                              if run.manifest.pr_url else ""))
    return run


def dry_run(job: Job, repo: Path, switches: session.Switches, *, branch: str | None,
            pr: bool) -> str:
    job = _plan_for_worktree(job, repo, switches)
    m = measure(job.recipe, repo, store=False)
    strategy = session.choose(m, switches)
    job, notes = session.with_slice(job, repo, m, strategy)
    phases = session.select(job, strategy, switches)
    name = branch or worktree.default_branch(store.new_id())
    iso = worktree.plan(job, name, worktree.message(job, name, "(this script's run)",
                                                    record.plan_name(job.plan_path),
                                                    _plan_text(job, repo)), pr=pr)
    check = session.preflight_step(job, phases, replace(switches, allow_dirty=True),
                                   commits=True)
    begin, end = scriptrun.steps(job, strategy, phases, allow_dirty=True, branch=name)
    return render.script(phases, session.header(job, m, strategy, switches) + notes,
                         "$(date -u +%Y%m%dT%H%M%S.%3NZ)-$$", prologue=(check,),
                         isolation=iso, begin=begin, end=end)


def resume(run: store.Run, repo: Path, phases: list[Phase], job: Job,
           stage: Stage | None = None) -> store.Run:
    """Continue a worktree run in the worktree it left, then commit as `start` would."""
    m = run.manifest
    assert m.branch is not None
    spec = run.dir / "spec.md"
    if spec.is_file():
        job = replace(job, spec_path=str(spec))
    tree = run.dir / store.WORKTREE_DIR
    text = (tree / job.plan_path).read_text(encoding="utf-8", errors="replace") \
        if isinstance(job.plan_path, str) and (tree / job.plan_path).is_file() else None
    iso = worktree.plan(job, m.branch, worktree.message(job, m.branch, run.id, m.plan, text),
                        pr=m.pr)
    return _complete(run, repo, phases, job, iso, stage)
