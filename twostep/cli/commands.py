"""The user-facing sub-commands. Each is a thin mapping from switches to the core."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from twostep.sizing.strategy import STRATEGIES

# Core modules are imported inside each command: `twostep --version` and the pipeline's
# stage commands should not pay for YAML, plumbum or the whole workflow.

recipe_arg = click.argument("recipe", metavar="RECIPE")
strategy_opt = click.option("--strategy", type=click.Choice(STRATEGIES),
                            help="Override the measured strategy.")
dry_opt = click.option("--dry-run", is_flag=True,
                       help="Print the equivalent bash script to stdout; "
                            "call no model, write nothing.")
dirty_opt = click.option("--allow-dirty", is_flag=True,
                         help="Let the executor run on a work tree with uncommitted changes.")
execute_by_opt = click.option("--execute-by", type=click.Choice(("task", "plan")),
                              help="A fresh executor session per task (task), or one for the "
                                   "whole plan (plan); overrides the recipe's execute_by.")


def _execute_by(job, execute_by: str | None):
    from dataclasses import replace

    if execute_by is None:
        return job
    return replace(job, recipe=replace(job.recipe, execute_by=execute_by))


def _go(job, repo: Path, switches, dry: bool):
    from twostep.pipeline import session

    if dry:
        sys.stdout.write(session.dry_run(job, repo, switches))
        return None
    return session.start(job, repo, switches)


@click.command()
@recipe_arg
@click.option("--spec", required=True, metavar="FILE|-", help="The feature spec (- reads stdin).")
@click.option("--yes", "-y", is_flag=True, help="Skip the review gate between plan and execute.")
@strategy_opt
@dry_opt
@dirty_opt
@execute_by_opt
def run(recipe: str, spec: str, yes: bool, strategy: str | None, dry_run: bool, allow_dirty: bool,
        execute_by: str | None):
    """Pack, plan, review, execute and verify, with RECIPE (a built-in name or a file)."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    job = _execute_by(jobs.make(repo, recipe, spec=spec, yes=yes), execute_by)
    _go(job, repo, session.Switches(strategy, allow_dirty), dry_run)


@click.command()
@recipe_arg
@click.option("--spec", required=True, metavar="FILE|-", help="The feature spec (- reads stdin).")
@click.option("-o", "--output", metavar="PATH|-",
              help="Where to write the plan (default: the recipe's plan, AI-PLAN.md; "
                   "- for stdout).")
@strategy_opt
@dry_opt
def plan(recipe: str, spec: str, output: str | None, strategy: str | None, dry_run: bool):
    """Run the plan step alone: pack the codebase and have the planner write the plan."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    job = jobs.make(repo, recipe, spec=spec, plan=output, yes=True)
    run = _go(job, repo, session.Switches(strategy, only=session.PLAN_ONLY), dry_run)
    if output == "-" and run is not None:
        session.print_plan(run)


@click.command()
@recipe_arg
@click.option("--plan", "plan_file", metavar="FILE",
              help="The plan to execute (default: the recipe's plan).")
@click.option("--yes", "-y", is_flag=True,
              help="Approve the plan as it is now, even if it changed since it was approved.")
@strategy_opt
@dry_opt
@dirty_opt
@execute_by_opt
def execute(recipe: str, plan_file: str | None, yes: bool, strategy: str | None, dry_run: bool,
            allow_dirty: bool, execute_by: str | None):
    """Run the execute step alone on an existing plan, then verify."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    # No review phase runs here; `yes` is for the validate gate (and re-approving the plan).
    job = jobs.make(repo, recipe, spec=None, plan=plan_file, yes=yes, need_spec=False)
    job = _execute_by(job, execute_by)
    jobs.existing_plan(repo, job.plan_path)
    if not dry_run:
        from twostep.execution import approval
        from twostep.pipeline import gate

        approval.check_execute(repo, job.plan_path, reapprove_now=yes, review=gate.review)
    _go(job, repo, session.Switches(strategy, allow_dirty, only=session.EXECUTE_ONLY), dry_run)


@click.command()
@recipe_arg
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: tokens, strategy, exact, by_dir, …")
@click.option("--exact", is_flag=True, help="Always count with repomix, never estimate.")
def measure(recipe: str, as_json: bool, exact: bool):
    """Print the codebase's token count and the strategy it selects."""
    from twostep.recipe import load as recipes
    from twostep.sizing.measure import measure as run_measure
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    r = recipes.load(recipe)
    m = run_measure(r, repo, force_exact=exact)
    if as_json:
        click.echo(json.dumps({"recipe": r.name, **m.to_json()}, indent=2))
        return
    how = "exact (repomix)" if m.exact else f"estimate, band {m.low:,}–{m.high:,}"
    click.echo(f"{m.tokens} tokens ({how}), {m.files} files → strategy {m.strategy}")
    for d, t in m.by_dir[:10]:
        click.echo(f"  {t:>10,}  {d}")


@click.command()
@recipe_arg
def check(recipe: str):
    """Validate a recipe; print a summary of it."""
    from twostep.recipe import load as recipes

    r = recipes.load(recipe)
    click.echo(f"{r.source}: ok — {r.name}: codebase {' '.join(r.codebase)}; "
               f"planner {r.planner.cli} {r.planner.model}; "
               f"executor {r.executor.cli} {r.executor.model} "
               f"({r.executor.permission_mode}); {len(r.verify)} verify command(s)")


@click.command(name="recipes")
@click.option("--show", metavar="NAME", help="Print a built-in recipe's YAML.")
def list_recipes(show: str | None):
    """List the built-in recipes (or print one)."""
    from twostep.recipe import builtin as builtins
    from twostep.recipe import load as recipes

    if show:
        path, _ = builtins.locate(show, Path.cwd())
        click.echo(path.read_text(encoding="utf-8"), nl=False)
        return
    for name in builtins.names():
        click.echo(f"{name}\t{recipes.load(name).description}")


def register(group: click.Group) -> None:
    for command in (run, plan, execute, measure, check, list_recipes):
        group.add_command(command)
    from twostep.cli import runs as cli_runs

    cli_runs.register(group)
