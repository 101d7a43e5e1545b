"""Pipeline stages that are twostep itself. `run` and the dry-run script call them the same
way, as one stage of a pipeline, like `sort -u`; each reads its working directory, stdin and
stdout from its Env."""

from __future__ import annotations

from pathlib import Path

import click

from twostep import agents
from twostep.cli import stage
from twostep.cli.choosing import agents_of_stage
from twostep.cli.env import pass_env, path, root
from twostep.log import LOG
from twostep.pipeline.inprocess import Env


@stage()
@click.argument("dest", type=path())
@pass_env
def linktree(env: Env, dest: Path):
    """Hard-link the tracked files listed on stdin (NUL- or line-separated) under DEST."""
    from twostep.pack import linktree as lt

    report = lt.run(root(env), dest, env.stdin)
    LOG.detail(f"linked {report.linked} files into {dest}")
    if report.skipped_symlinks:
        LOG.warn(f"not packed: {len(report.skipped_symlinks)} symlink(s), e.g. "
                 f"{report.skipped_symlinks[0]} (a link's target may lie outside the repository)")


@stage()
@click.argument("plan_file", metavar="PLAN", type=path())
@click.option("--recipe", "recipe_arg", metavar="RECIPE",
              help="[f]iles lists the tracked files PLAN names (the recipe's plan_files apply).")
@click.option("--pack-list", type=path(),
              help="[f]iles lists this pack's files instead (the executor gets the whole pack).")
@click.option("--run", "run_dir", type=path(), metavar="RUN",
              help="The run directory: what its model calls spent counts in the estimate.")
@agents_of_stage
@pass_env
def gate(env: Env, plan_file: Path, recipe_arg: str | None, pack_list: Path | None,
         run_dir: Path | None, planner_cli: str | None, executor_cli: str | None):
    """Ask on the terminal: proceed, view PLAN in $PAGER, list the files the executor will be
    sent, edit PLAN in $EDITOR, or abort. With --recipe, the question gives the run's
    estimated cost."""
    from twostep.cli import choosing
    from twostep.pipeline import gate as g

    recipe = choosing.load(recipe_arg, planner_cli, executor_cli, env.cwd) if recipe_arg \
        else None
    if pack_list is not None:
        sends = g.pack_listing(pack_list)
    else:
        sends = g.plan_files(plan_file, recipe.plan_files if recipe else (), env.cwd)
    estimate = None
    if recipe is not None and plan_file.is_file():
        from twostep.runs import spend

        spent = spend.spent(run_dir) if run_dir is not None and run_dir.is_dir() else 0.0
        estimate = g.estimated(plan_file, recipe, env.cwd, sends, spent)
    g.review(plan_file, sends=sends, interactive=env.stdin.isatty(), estimate=estimate)


@click.command()
@click.argument("plan_file", metavar="PLAN", type=path())
@click.option("--recipe", "recipe_arg", metavar="RECIPE", help="Use the recipe's plan_files globs.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON on stdout.")
@pass_env
def files(env: Env, plan_file: Path, recipe_arg: str | None, as_json: bool):
    """Print the tracked files PLAN names, one per line (refusals and misses on stderr).

    Exits 11 when the plan names no existing file and no file to create.
    """
    import sys

    from twostep import planfiles
    from twostep.errors import InputError
    from twostep.recipe import load as recipes

    if not plan_file.is_file():
        raise InputError(f"{plan_file}: no such plan file", hint="write one with `twostep plan`")
    patterns = recipes.load(recipe_arg, cwd=env.cwd).plan_files if recipe_arg else ()
    text = plan_file.read_text(encoding="utf-8", errors="replace")
    resolution = planfiles.resolve(text, planfiles.RepoView.from_git(str(env.cwd)),
                                   patterns=patterns)
    if as_json:
        env.write(resolution.to_json() + "\n")
    else:
        if LOG.verbosity >= 1:
            planfiles.render_report(resolution, sys.stderr, plan_name=str(plan_file))
        env.write("".join(f"{p}\n" for p in resolution.files))
    planfiles.require_something(resolution, str(plan_file))


@stage()
@click.option("--tool", "tools", multiple=True, metavar="NAME", help="A CLI the run starts.")
@click.option("--role", "roles", multiple=True, metavar="ROLE=CLI",
              help="A model CLI the run calls, whose credentials must be present.")
@click.option("--clean", is_flag=True, help="Refuse a work tree with uncommitted changes.")
@click.option("--plan", "plan_file", metavar="PATH", help="The one uncommitted file allowed.")
@click.option("--commits", is_flag=True, help="Require the git identity a commit needs.")
@pass_env
def preflight(env: Env, tools, roles, clean: bool, plan_file: str | None, commits: bool):
    """Check what `twostep run` checks before it writes anything: tools, keys, clean tree."""
    from twostep.pipeline import preflight as checks

    pairs = [(role, cli) for role, _, cli in (r.partition("=") for r in roles)]
    bad = [f"{role}={cli}" for role, cli in pairs if cli not in agents.NAMES]
    if bad:
        raise click.BadParameter(f"{bad[0]!r}: expected ROLE=CLI, CLI one of "
                                 f"{', '.join(agents.NAMES)}", param_hint="--role")
    checks.stage(list(tools), pairs, repo=root(env) if clean else None, plan=plan_file,
                 commits=commits)
    LOG.detail("preflight: ok")


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (files, linktree, gate, preflight)
