"""`twostep resume`: continue a failed or interrupted run from the phase step that failed.

Steps that completed are skipped, so the planner is never asked again once the plan was
accepted. Within the failed phase every step runs again (a planner whose reply was rejected
must answer anew), except the work-tree fingerprint taken before the executor first ran.
"""

from __future__ import annotations

from pathlib import Path

from twostep import errors
from twostep.tools import git as gitrepo
from twostep.recipe import load as recipes
from twostep.runs import store as runs
from twostep.pipeline import build as workflow
from twostep.log import LOG
from twostep.pipeline.session import Switches, _check_dirty, execute_phases, plan_from_name, preflight
from twostep.pipeline.build import Job

KEEP_ON_RETRY = {"snapshot", "dirs", "spec"}


def _rewind(run: runs.Run, phases: list) -> None:
    failed = run.manifest.get("failed_step")
    done = run.manifest.get("done", [])
    for phase in phases:
        names = {s.name for s in phase.steps}
        if failed in names or any(n not in done for n in names):
            run.manifest["done"] = [n for n in done if n not in names or n in KEEP_ON_RETRY]
            return


def warn_changed_plan_files(run: runs.Run, repo: Path, plan: str) -> None:
    """Warn when files the plan names changed since the plan was written."""
    head = run.manifest.get("plan_head")
    if not head or not (repo / plan).is_file():
        return
    changed = set(gitrepo.split_z(gitrepo.git("diff", "--name-only", "-z", head, cwd=repo,
                                              check=False)))
    if not changed:
        return
    from twostep import planfiles
    from twostep.planfiles import repoview

    named = set(planfiles.resolve((repo / plan).read_text(encoding="utf-8", errors="replace"),
                                  repoview.RepoView.from_git(repo)).files)
    stale = sorted(changed & named)
    if stale:
        LOG.warn(f"{len(stale)} file(s) the plan names changed since it was written: "
                 f"{', '.join(stale[:8])}")


def resume(repo: Path, run_id: str | None, *, yes: bool = False, allow_dirty: bool = False) -> int:
    run = runs.load(repo, run_id)
    m = run.manifest
    if m.get("status") == "done":
        raise errors.InputError(f"run {run.id} already finished", hint="start a new one with `twostep run`")
    recipe = recipes.load(m["recipe"]["source"])
    plan = plan_from_name(m.get("plan", recipe.plan))
    job = Job(recipe, None, None, plan, yes or bool(m.get("yes")),
              slice=tuple((m.get("slice") or {}).get("pathspecs") or ()))
    wanted = m.get("phases") or []
    phases = [p for p in workflow.phases(job, m["strategy"]) if p.name in wanted]
    if "execute" in wanted and "execute" not in m.get("phases_done", []):
        _check_dirty(repo, job, Switches(allow_dirty=allow_dirty or bool(m.get("allow_dirty"))))
        if isinstance(plan, str):
            warn_changed_plan_files(run, repo, plan)
    preflight(repo, phases, job)
    _rewind(run, phases)
    run.set(status="running", failed_step=None, error=None)
    LOG.info(f"resuming run {run.id} ({m['strategy']} strategy); completed steps are skipped")
    return execute_phases(run, repo, phases, job)
