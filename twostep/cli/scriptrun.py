"""`twostep begin` and `twostep end`: the stages that make a dry-run script's run a run
(pipeline/scriptrun.py)."""

from __future__ import annotations

from pathlib import Path

import click

from twostep.cli import choosing, stage
from twostep.cli.env import pass_env, path, root
from twostep.pipeline.inprocess import Env
from twostep.sizing.strategy import STRATEGIES


@stage()
@click.argument("run_dir", metavar="RUN", type=path())
@click.option("--recipe", "recipe_arg", required=True, metavar="RECIPE")
@choosing.agents_of_stage
@click.option("--strategy", type=click.Choice(STRATEGIES), required=True)
@click.option("--plan", "plan_file", required=True, metavar="PATH")
@click.option("--phases", required=True, help="The run's phases, comma-separated.")
@click.option("--execute-by", type=click.Choice(("task", "plan")), default="task")
@click.option("--jobs", type=click.IntRange(1, 16), default=1, help="Tasks side by side.")
@click.option("--yes", is_flag=True, help="The script passes the review gate (--yes).")
@click.option("--allow-dirty", is_flag=True)
@click.option("--branch", help="A --worktree script's branch.")
@pass_env
def begin(env: Env, run_dir: Path, recipe_arg: str, planner_cli: str | None,
          executor_cli: str | None, strategy: str, plan_file: str, phases: str,
          execute_by: str, jobs: int, yes: bool, allow_dirty: bool, branch: str | None):
    """Write RUN's manifest, as `twostep run` does: the script's run is listed by `twostep
    runs`, and `resume` and `rollback` work on it."""
    from dataclasses import replace

    from twostep.core.recipe import ExecuteBy, Strategy
    from twostep.pipeline import scriptrun
    from twostep.pipeline.job import Job
    from twostep.recipe import choose
    recipe = replace(choosing.load(recipe_arg, planner_cli, executor_cli, env.cwd),
                     execute_by=ExecuteBy(execute_by), jobs=jobs)
    job = Job(recipe, plan_path=plan_file, yes=yes)
    chosen = choose.Choices(planner_cli, executor_cli).to_json()
    scriptrun.begin(root(env), run_dir, job, Strategy(strategy), phases.split(","),
                    allow_dirty=allow_dirty, choices=chosen, branch=branch)


@stage()
@click.argument("run_dir", metavar="RUN", type=path())
@click.argument("code", metavar="EXIT_CODE", type=int)
@pass_env
def end(env: Env, run_dir: Path, code: int):
    """Record how RUN ended (the script's EXIT trap passes its exit code) and what its stages
    left: status, ledger, tasks, fix rounds, the phases that finished."""
    from twostep.pipeline import scriptrun

    scriptrun.end(root(env), run_dir, code)


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (begin, end)
