"""The user-facing sub-commands. Each is a thin mapping from switches to the core."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from twostep.cli import choosing
from twostep.sizing.strategy import STRATEGIES

# Core modules are imported inside each command: `twostep --version` and the pipeline's
# stage commands should not pay for YAML, plumbum or the whole workflow.

recipe_arg = click.argument("recipe", metavar="[RECIPE]", required=False)
#: What RECIPE means when it is left out (`twostep init` writes it).
DEFAULT_RECIPE = "twostep.yaml"


def _recipe(value: str | None) -> str:
    """RECIPE as given, else ./twostep.yaml when it exists."""
    if value:
        return value
    if Path(DEFAULT_RECIPE).is_file():
        return DEFAULT_RECIPE
    from twostep.errors import InputError

    raise InputError(f"no RECIPE given and no ./{DEFAULT_RECIPE} here",
                     hint="name one (twostep recipes lists the built-ins), or write "
                          f"{DEFAULT_RECIPE} with `twostep init`")
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


def _isolate(command):
    for option in reversed(worktree_opts):
        command = option(command)
    return command


def _go(job, repo: Path, switches, dry: bool, isolate: tuple[bool, str | None, bool] = (
        False, None, False)):
    from twostep.pipeline import session

    worktree, branch, pr = isolate
    if worktree or branch or pr:
        from twostep.pipeline import isolated

        if dry:
            sys.stdout.write(isolated.dry_run(job, repo, switches, branch=branch, pr=pr))
            return None
        return isolated.start(job, repo, switches, branch=branch, pr=pr)
    if dry:
        sys.stdout.write(session.dry_run(job, repo, switches))
        return None
    return session.start(job, repo, switches)


def _finish(command: str, as_json: bool, dry: bool, go):
    """Run `go` (which builds the job and runs it) with live progress; then the summary on
    stderr and, with --json, the result on stdout."""
    from twostep.tools import git as gitrepo

    if dry:
        if as_json:
            raise click.UsageError("--json and --dry-run exclude each other "
                                   "(the script is the data)")
        return go()
    from twostep.progress import PROGRESS
    from twostep.runs import result

    PROGRESS.enabled = True
    return result.capture(command, gitrepo.root(), go, as_json=as_json)


@click.command()
@recipe_arg
@click.option("--spec", required=True, metavar="FILE|-", help="The feature spec (- reads stdin).")
@click.option("--yes", "-y", is_flag=True, help="Skip the review gate between plan and execute.")
@strategy_opt
@dry_opt
@dirty_opt
@choosing.options
@_isolate
@json_opt
@execute_by_opt
def run(recipe: str | None, spec: str, yes: bool, strategy: str | None, dry_run: bool,
        allow_dirty: bool, worktree: bool, branch: str | None, pr: bool, as_json: bool,
        planner_cli: str | None, executor_cli: str | None, max_cost: float | None,
        execute_by: str | None):
    """Pack, plan, review, execute and verify, with RECIPE (a built-in name or a file;
    default: ./twostep.yaml, which `twostep init` writes)."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    def go():
        repo = gitrepo.root()
        job = _execute_by(jobs.make(repo, _recipe(recipe), spec=spec, yes=yes), execute_by)
        job, chosen = choosing.apply(job, planner_cli, executor_cli, max_cost)
        return _go(job, repo, session.Switches(strategy, allow_dirty, choices=chosen), dry_run,
                   (worktree, branch, pr))

    _finish("run", as_json, dry_run, go)


@click.command()
@recipe_arg
@click.option("--spec", required=True, metavar="FILE|-", help="The feature spec (- reads stdin).")
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
        job = jobs.make(repo, _recipe(recipe), spec=spec, plan=output, yes=True)
        job, chosen = choosing.apply(job, planner_cli, executor_cli, max_cost)
        return _go(job, repo, session.Switches(strategy, only=session.PLAN_ONLY, choices=chosen),
                   dry_run)

    run = _finish("plan", as_json, dry_run, go)
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
@choosing.options
@_isolate
@json_opt
@execute_by_opt
def execute(recipe: str | None, plan_file: str | None, yes: bool, strategy: str | None,
            dry_run: bool, allow_dirty: bool, worktree: bool, branch: str | None, pr: bool,
            as_json: bool, planner_cli: str | None, executor_cli: str | None,
            max_cost: float | None, execute_by: str | None):
    """Run the execute step alone on an existing plan, then verify."""
    from twostep.pipeline import job as jobs
    from twostep.pipeline import session
    from twostep.tools import git as gitrepo

    def go():
        repo = gitrepo.root()
        # No review phase runs here; `yes` is for the validate gate (and re-approving the plan).
        job = jobs.make(repo, _recipe(recipe), spec=None, plan=plan_file, yes=yes,
                        need_spec=False)
        job = _execute_by(job, execute_by)
        jobs.existing_plan(repo, job.plan_path)
        if not dry_run:
            from twostep.execution import approval
            from twostep.pipeline import gate

            approval.check_execute(repo, job.plan_path, reapprove_now=yes, review=gate.review)
        job, chosen = choosing.apply(job, planner_cli, executor_cli, max_cost)
        return _go(job, repo, session.Switches(strategy, allow_dirty, only=session.EXECUTE_ONLY,
                                               choices=chosen), dry_run, (worktree, branch, pr))

    _finish("execute", as_json, dry_run, go)


@click.command()
@recipe_arg
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: tokens, strategy, exact, by_dir, …")
@click.option("--exact", is_flag=True, help="Always count with repomix, never estimate.")
@click.option("--spec", metavar="FILE",
              help="Also show what each tier of the planner's input would hold for this spec.")
def measure(recipe: str | None, as_json: bool, exact: bool, spec: str | None):
    """Print the codebase's token count and the strategy it selects."""
    from twostep.recipe import load as recipes
    from twostep.sizing.measure import measure as run_measure
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    r = recipes.load(_recipe(recipe))
    m = run_measure(r, repo, force_exact=exact)
    planner = _planner_view(r, repo, m, spec) if spec else None
    if as_json:
        extra = {"planner_input": planner} if planner is not None else {}
        click.echo(json.dumps({"recipe": r.name, **m.to_json(), **extra}, indent=2))
        return
    from twostep.sizing.rows import table

    if planner is not None:
        click.echo(planner.get("summary") or planner["note"])
    how = "exact, counted by repomix" if m.exact else f"estimated, band {m.low:,}–{m.high:,}"
    click.echo(f"{m.tokens:,} tokens ({how}), {m.files:,} files → strategy {m.strategy}")
    for line in table(m.by_dir, m.tokens):
        click.echo(line)


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

    name = _recipe(recipe)
    try:
        r = recipes.load(name)
    except RecipeError as exc:
        if as_json:
            click.echo(json.dumps({"recipe": name, "ok": False,
                                   "problems": fields.describe(exc), "summary": None}, indent=2))
        raise
    summary = {"name": r.name, "source": r.source, "codebase": list(r.codebase),
               "planner": {"cli": r.planner.cli, "model": r.planner.model},
               "executor": {"cli": r.executor.cli, "model": r.executor.model,
                            "permission_mode": r.executor.permission_mode},
               "verify": [list(cmd) for cmd in r.verify]}
    if as_json:
        click.echo(json.dumps({"recipe": name, "ok": True, "problems": [], "summary": summary},
                              indent=2))
        return
    click.echo(f"{r.source}: ok — {r.name}: codebase {' '.join(r.codebase)}; "
               f"planner {r.planner.cli} {r.planner.model}; "
               f"executor {r.executor.cli} {r.executor.model} "
               f"({r.executor.permission_mode}); {len(r.verify)} verify command(s)")


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


def register(group: click.Group) -> None:
    for command in (run, plan, execute, measure, check, list_recipes):
        group.add_command(command)
    from twostep.cli import editor as cli_editor
    from twostep.cli import runs as cli_runs

    cli_runs.register(group)
    cli_editor.register(group)
