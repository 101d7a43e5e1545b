"""The options that run, plan, execute and the commands that read recipes share."""

from __future__ import annotations

from pathlib import Path

import click

from twostep.cli import completion
from twostep.sizing.strategy import STRATEGIES

recipe_arg = click.argument("recipe", metavar="[RECIPE]", required=False,
                            shell_complete=completion.recipes)


def recipe_name(value: str | None) -> str:
    """RECIPE as given, else ./twostep.yaml when it exists."""
    from twostep.recipe import builtin

    return builtin.named_or_default(value, Path.cwd())


def recipe_or_detected(value: str | None, *, real: bool = False, verifies: bool = False) -> str:
    """RECIPE as given, else ./twostep.yaml, else the built-in the tracked files call for,
    announced (a real run that `verifies` refuses it where `twostep init` would change the
    verify: recipe/detect.py)."""
    from twostep.recipe import builtin, detect
    from twostep.tools import git

    if value or (Path.cwd() / builtin.DEFAULT_FILE).is_file():
        return builtin.named_or_default(value, Path.cwd())
    return detect.fallback(git.root(), real=real, verifies=verifies)


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


def with_execute_by(job, execute_by: str | None):
    from dataclasses import replace

    if execute_by is None:
        return job
    from twostep.core.recipe import ExecuteBy

    return replace(job, recipe=replace(job.recipe, execute_by=ExecuteBy(execute_by)))


jobs_opt = click.option("--jobs", "side_by_side", type=click.IntRange(1, 16), metavar="N",
                        help="Run up to N independent tasks side by side (the plan's `after:` "
                             "lines), each in a worktree of its own; 1: one after another. "
                             "Overrides the recipe's jobs (default 3).")


def with_jobs(job, jobs: int | None):
    from dataclasses import replace

    return job if jobs is None else replace(job, recipe=replace(job.recipe, jobs=jobs))


json_opt = click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object with the result on stdout at the end, "
                             "success or failure (`twostep schema result`).")


worktree_opts = (
    click.option("--worktree", is_flag=True,
                 help="Run in a git worktree on a new branch from HEAD; your work tree, index "
                      "and HEAD stay untouched (and may be dirty). The changes are committed "
                      "there; the branch stays."),
    click.option("--branch", metavar="NAME",
                 help="The branch --worktree creates (default twostep/RUN-ID); implies it."),
    click.option("--pr", is_flag=True,
                 help="Then push the branch and open a pull request with `gh pr create`, the "
                      "plan as its body; implies --worktree."),
)


def isolate(command):
    for option in reversed(worktree_opts):
        command = option(command)
    return command

