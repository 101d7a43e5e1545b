"""Commands that look and change nothing: measure the codebase, check a recipe, list the
built-in recipes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from twostep.cli.options import recipe_arg, recipe_name, recipe_or_detected

if TYPE_CHECKING:
    from twostep.core.recipe import Agent


@click.command()
@recipe_arg
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: tokens, strategy, exact, by_dir, …")
@click.option("--exact", is_flag=True, help="Always count with repomix, never estimate.")
@click.option("--spec", metavar="FILE",
              help="Also show what each tier of the planner's input would hold for this spec.")
def measure(recipe: str | None, as_json: bool, exact: bool, spec: str | None):
    """Print the codebase's token count and the strategy it selects."""
    from twostep.pipeline.measure import measure as run_measure
    from twostep.recipe import load as recipes
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    r = recipes.load(recipe_or_detected(recipe))
    m = run_measure(r, repo, force_exact=exact)
    planner = _planner_view(r, repo, m, spec) if spec else None
    price = _price(r, m)
    if as_json:
        extra = {"planner_input": planner} if planner is not None else {}
        click.echo(json.dumps({"recipe": r.name, **m.to_json(), **extra, "cost_estimate": price},
                              indent=2))
        return
    from twostep.sizing.rows import table

    if planner is not None:
        click.echo(planner.get("summary") or planner["note"])
    how = "exact, counted by repomix" if m.exact else f"estimated, band {m.low:,}–{m.high:,}"
    click.echo(f"{m.tokens:,} tokens ({how}), {m.files:,} files → strategy {m.strategy}")
    for line in price["lines"]:
        click.echo(line)
    for line in table(m.by_dir, m.tokens):
        click.echo(line)


def _price(r, m) -> dict[str, Any]:
    """The run's estimated cost at this size: per role and in total, and whose prices."""
    from twostep.core import preview
    from twostep.core.recipe import Strategy

    plan, execute = preview.before_plan(r, Strategy(m.strategy), m.tokens)
    total = plan + execute
    return {"planner_usd": [round(plan.low, 4), round(plan.high, 4)],
            "executor_usd": [round(execute.low, 4), round(execute.high, 4)],
            "total_usd": [round(total.low, 4), round(total.high, 4)],
            "prices": {"planner": preview.price_source(r.planner),
                       "executor": preview.price_source(r.executor)},
            "lines": preview.lines(r, plan, execute, assumed=preview.ASSUMED)}


def _planner_view(r, repo: Path, m, spec: str) -> dict:
    from twostep.pipeline import job as jobs
    from twostep.pipeline import plannerview

    text = Path(jobs.check_spec_file(spec)).read_text(encoding="utf-8", errors="replace")
    return plannerview.describe(jobs.Job(r, spec_text=text), repo, m, text)


@click.command()
@recipe_arg
@click.option("--json", "as_json", is_flag=True,
              help="Print {recipe, ok, problems: [{file, line, col, message, hint}], summary}.")
def check(recipe: str | None, as_json: bool):
    """Validate a recipe, reporting every problem at file:line:col; print a summary of it."""
    from twostep.errors import RecipeError
    from twostep.recipe import fields
    from twostep.recipe import load as recipes

    name = recipe_name(recipe)
    try:
        r = recipes.load(name)
    except RecipeError as exc:
        if as_json:
            click.echo(json.dumps({"recipe": name, "ok": False,
                                   "problems": fields.describe(exc), "summary": None}, indent=2))
        raise
    planner, executor = _agent_summary(r.planner, "planner"), _agent_summary(r.executor, "executor")
    summary = {"name": r.name, "source": r.source, "codebase": list(r.codebase),
               "planner": planner, "executor": executor,
               "verify": [list(cmd) for cmd in r.verify]}
    if as_json:
        click.echo(json.dumps({"recipe": name, "ok": True, "problems": [], "summary": summary},
                              indent=2))
        return
    from twostep.log import LOG
    from twostep.pipeline import taskphase
    from twostep.pipeline.job import Job

    for warning in taskphase.run_verify_warnings(Job(r)):
        LOG.warn(warning)
    click.echo(f"{r.source}: ok — {r.name}: codebase {' '.join(r.codebase)}; "
               f"planner {r.planner.cli} {r.planner.model} ({planner['mode']}); "
               f"executor {r.executor.cli} {r.executor.model} ({executor['mode']}); "
               f"{len(r.verify)} verify command(s)")


def _agent_summary(agent: Agent, role: str) -> dict[str, Any]:
    """cli, model, the mode the role runs in as its CLI names it (claude's permission mode,
    gemini's approval mode, codex's sandbox), and the CLI's own keys."""
    from twostep import agents

    adapter = agents.get(agent.cli)
    own = {name: getattr(agent.options_as(adapter.options), name)
           for name in adapter.options.keys(role)}
    return {"cli": agent.cli, "model": agent.model, "mode": adapter.mode(agent, role),
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in own.items()}}


@click.command(name="recipes")
@click.option("--show", metavar="NAME", help="Print a built-in recipe's YAML.")
@click.option("--json", "as_json", is_flag=True, help="Print [{name, description, path}].")
def list_recipes(show: str | None, as_json: bool):
    """List the built-in recipes (or print one)."""
    from twostep.recipe import builtin as builtins
    from twostep.recipe import load as recipes

    if show:
        path, _ = builtins.locate(show, Path.cwd())
        click.echo(path.read_text(encoding="utf-8"), nl=False)
        return
    if as_json:
        click.echo(json.dumps([{"name": n, "description": recipes.load(n).description,
                                "path": str(builtins.recipes_dir() / f"{n}.yaml")}
                               for n in builtins.names()], indent=2))
        return
    for name in builtins.names():
        click.echo(f"{name}\t{recipes.load(name).description}")


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (measure, check, list_recipes)
