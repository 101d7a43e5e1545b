"""The user-facing sub-commands. Each is a thin mapping from switches to the core."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from twostep.cli import choosing, completion
from twostep.cli.options import (
    dirty_opt,
    dry_opt,
    execute_by_opt,
    isolate,
    jobs_opt,
    json_opt,
    recipe_arg,
    recipe_or_detected,
    strategy_opt,
    with_execute_by,
    with_jobs,
)

# Core modules are imported inside each command: `twostep --version` and the pipeline's
# stage commands should not pay for YAML, plumbum or the whole workflow.

def _go(job, repo: Path, switches, dry: bool, isolate: tuple[bool, str | None, bool] = (
        False, None, False)):
    from twostep.cli import run_stage
    from twostep.pipeline import session

    worktree, branch, pr = isolate
    if worktree or branch or pr:
        from twostep.pipeline import isolated

        if dry:
            sys.stdout.write(isolated.dry_run(job, repo, switches, branch=branch, pr=pr))
            return None
        return isolated.start(job, repo, switches, branch=branch, pr=pr, stage=run_stage)
    if dry:
        sys.stdout.write(session.dry_run(job, repo, switches))
        return None
    return session.start(job, repo, switches, stage=run_stage)


def _finish(command: str, as_json: bool, dry: bool, go):
    """Run `go` (which builds the job and runs it) with live progress; then the summary on
    stderr and, with --json, the result on stdout."""
    from twostep.tools import git as gitrepo

    if dry:
        if as_json:
            raise click.UsageError("--json and --dry-run exclude each other "
                                   "(the script is the data)")
        return go()
    from twostep.pipeline import result
    from twostep.pipeline.screen import PROGRESS

    PROGRESS.enabled = True
    return result.capture(command, gitrepo.root(), go, as_json=as_json)


@click.command()
@recipe_arg
@click.option("--spec", required=True, metavar="FILE|-", shell_complete=completion.files,
              help="The feature spec (- reads stdin).")
@click.option("--yes", "-y", is_flag=True, help="Skip the review gate between plan and execute.")
@strategy_opt
@dry_opt
@dirty_opt
@choosing.options
@isolate
@json_opt
@execute_by_opt
@jobs_opt
def run(recipe: str | None, spec: str, yes: bool, strategy: str | None, dry_run: bool,
        allow_dirty: bool, worktree: bool, branch: str | None, pr: bool, as_json: bool,
        planner_cli: str | None, executor_cli: str | None, max_cost: float | None,
        execute_by: str | None, side_by_side: int | None):
    """Pack, plan, review, execute and verify, with RECIPE (a built-in name or a file;
    default: ./twostep.yaml, which `twostep init` writes, else the built-in detected from the
    tracked files when it verifies as the project declares)."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    def go():
        repo = gitrepo.root()
        name = recipe_or_detected(recipe, real=not dry_run, verifies=True)
        job = with_execute_by(jobs.make(repo, name, spec=spec, yes=yes), execute_by)
        job = with_jobs(job, side_by_side)
        job, chosen = choosing.apply(job, planner_cli, executor_cli, max_cost)
        return _go(job, repo, session.Switches(strategy, allow_dirty, choices=chosen), dry_run,
                   (worktree, branch, pr))

    _finish("run", as_json, dry_run, go)


@click.command()
@recipe_arg
@click.option("--spec", required=True, metavar="FILE|-", shell_complete=completion.files,
              help="The feature spec (- reads stdin).")
@click.option("-o", "--output", metavar="PATH|-",
              help="Where to write the plan (default: the recipe's plan, AI-PLAN.md; "
                   "- for stdout).")
@strategy_opt
@dry_opt
@choosing.options
@json_opt
def plan(recipe: str | None, spec: str, output: str | None, strategy: str | None, dry_run: bool,
         as_json: bool, planner_cli: str | None, executor_cli: str | None,
         max_cost: float | None):
    """Run the plan step alone: pack the codebase and have the planner write the plan."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    if as_json and output == "-":
        raise click.UsageError("--json prints the result on stdout: write the plan to a file "
                               "with -o PATH (the result names it as plan_path)")

    def go():
        repo = gitrepo.root()
        job = jobs.make(repo, recipe_or_detected(recipe, real=not dry_run), spec=spec,
                        plan=output, yes=True)
        job, chosen = choosing.apply(job, planner_cli, executor_cli, max_cost)
        return _go(job, repo, session.Switches(strategy, only=session.PLAN_ONLY, choices=chosen),
                   dry_run)

    run = _finish("plan", as_json, dry_run, go)
    if output == "-" and run is not None:
        session.print_plan(run)


@click.command()
@recipe_arg
@click.option("--plan", "plan_file", metavar="FILE", shell_complete=completion.files,
              help="The plan to execute (default: the recipe's plan).")
@click.option("--yes", "-y", is_flag=True,
              help="Approve the plan as it is now, even if it changed since it was approved.")
@strategy_opt
@dry_opt
@dirty_opt
@choosing.options
@isolate
@json_opt
@execute_by_opt
@jobs_opt
def execute(recipe: str | None, plan_file: str | None, yes: bool, strategy: str | None,
            dry_run: bool, allow_dirty: bool, worktree: bool, branch: str | None, pr: bool,
            as_json: bool, planner_cli: str | None, executor_cli: str | None,
            max_cost: float | None, execute_by: str | None, side_by_side: int | None):
    """Run the execute step alone on an existing plan, then verify."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    def go():
        repo = gitrepo.root()
        # No review phase runs here; `yes` is for the validate gate (and re-approving the plan).
        job = jobs.make(repo, recipe_or_detected(recipe, real=not dry_run, verifies=True),
                        spec=None, plan=plan_file, yes=yes, need_spec=False)
        job = with_jobs(with_execute_by(job, execute_by), side_by_side)
        jobs.existing_plan(repo, job.plan_path)
        if not dry_run:
            from twostep.execution import approval
            from twostep.pipeline import gate

            approval.check_execute(repo, job.plan_path, reapprove_now=yes, review=gate.review)
        job, chosen = choosing.apply(job, planner_cli, executor_cli, max_cost)
        return _go(job, repo, session.Switches(strategy, allow_dirty, only=session.EXECUTE_ONLY,
                                               choices=chosen), dry_run, (worktree, branch, pr))

    _finish("execute", as_json, dry_run, go)


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (run, plan, execute)
