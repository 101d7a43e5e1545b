"""`twostep begin` and `twostep end`: the stages that make a dry-run script's run a run
(pipeline/scriptrun.py)."""

from __future__ import annotations

from pathlib import Path

import click

from twostep.cli import choosing, stage
from twostep.sizing.strategy import STRATEGIES


@stage()
@click.argument("run_dir", metavar="RUN", type=click.Path(path_type=Path))
@click.option("--recipe", "recipe_arg", required=True, metavar="RECIPE")
@choosing.agents_of_stage
@click.option("--strategy", type=click.Choice(STRATEGIES), required=True)
@click.option("--plan", "plan_file", required=True, metavar="PATH")
@click.option("--phases", required=True, help="The run's phases, comma-separated.")
@click.option("--execute-by", type=click.Choice(("task", "plan")), default="task")
@click.option("--yes", is_flag=True, help="The script passes the review gate (--yes).")
@click.option("--allow-dirty", is_flag=True)
def begin(run_dir: Path, recipe_arg: str, planner_cli: str | None, executor_cli: str | None,
          strategy: str, plan_file: str, phases: str, execute_by: str, yes: bool,
          allow_dirty: bool):
    """Write RUN's manifest, as `twostep run` does: the script's run is listed by `twostep
    runs`, and `resume` and `rollback` work on it."""
    from dataclasses import replace

    from twostep.core.recipe import ExecuteBy, Strategy
    from twostep.pipeline import scriptrun
    from twostep.pipeline.job import Job
    from twostep.recipe import choose
    from twostep.tools import git

    recipe = replace(choosing.load(recipe_arg, planner_cli, executor_cli),
                     execute_by=ExecuteBy(execute_by))
    job = Job(recipe, plan_path=plan_file, yes=yes)
    chosen = choose.Choices(planner_cli, executor_cli).to_json()
    scriptrun.begin(git.root(), run_dir.resolve(), job, Strategy(strategy), phases.split(","),
                    allow_dirty=allow_dirty, choices=chosen)


@stage()
@click.argument("run_dir", metavar="RUN", type=click.Path(path_type=Path))
@click.argument("code", metavar="EXIT_CODE", type=int)
def end(run_dir: Path, code: int):
    """Record how RUN ended (the script's EXIT trap passes its exit code) and what its stages
    left: status, ledger, tasks, fix rounds, the phases that finished."""
    from twostep.pipeline import scriptrun
    from twostep.tools import git

    scriptrun.end(git.root(), run_dir.resolve(), code)


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (begin, end)
