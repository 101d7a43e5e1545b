"""`--planner CLI[:MODEL]`, `--executor CLI[:MODEL]` and `--max-cost USD`: the options of
run, plan and execute (resume takes --max-cost), applied over the recipe (recipe/choose.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from twostep import agents
from twostep.cli import completion


def options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--max-cost", type=float, metavar="USD",
        help="Refuse any model call whose estimate would take the run over USD (exit 18); "
             "overrides the recipe's budget_usd.")(command)
    command = click.option(
        "--executor", "executor_cli", metavar="CLI[:MODEL]", shell_complete=completion.agents,
        # agents.NAMES, not for_role(): asking each adapter would import them all at start-up.
        help=f"The executor instead of the recipe's: {', '.join(agents.NAMES)}"
             ", optionally with a model.")(command)
    return click.option(
        "--planner", "planner_cli", metavar="CLI[:MODEL]", shell_complete=completion.agents,
        help=f"The planner instead of the recipe's: {', '.join(agents.NAMES)}"
             ", optionally with a model.")(command)


def agents_of_stage(command: Callable[..., Any]) -> Callable[..., Any]:
    """A stage that loads the recipe takes the run's agent choices too (Recipe.stage_args)."""
    command = click.option("--executor", "executor_cli", metavar="CLI[:MODEL]",
                           hidden=True)(command)
    return click.option("--planner", "planner_cli", metavar="CLI[:MODEL]", hidden=True)(command)


def load(recipe_arg: str, planner_cli: str | None, executor_cli: str | None, cwd: Any) -> Any:
    """The recipe a stage works with: the file's, with the run's agents over it."""
    from twostep.recipe import choose
    from twostep.recipe import load as recipes

    return choose.apply(recipes.load(recipe_arg, cwd=cwd),
                        choose.Choices(planner_cli, executor_cli))


def apply(job: Any, planner_cli: str | None, executor_cli: str | None,
          max_cost: float | None) -> tuple[Any, Any]:
    """The job with its recipe's agents and budget as chosen, and the choices themselves."""
    from dataclasses import replace

    from twostep.recipe import choose

    choices = choose.Choices(planner_cli, executor_cli, max_cost)
    return replace(job, recipe=choose.apply(job.recipe, choices)), choices
