"""Pipeline stages that are twostep itself. `run` and the dry-run script call them the same
way, as one stage of a pipeline, like `sort -u`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from twostep import agents
from twostep.cli import stage
from twostep.log import LOG


def _root() -> Path:
    from twostep.tools import git

    return git.root()

@stage()
@click.argument("dest", type=click.Path(path_type=Path))
def linktree(dest: Path):
    """Hard-link the tracked files listed on stdin (NUL- or line-separated) under DEST."""
    from twostep.pack import linktree as lt

    report = lt.run(_root(), dest, sys.stdin.buffer)
    LOG.detail(f"linked {report.linked} files into {dest}")
    if report.skipped_symlinks:
        LOG.warn(f"not packed: {len(report.skipped_symlinks)} symlink(s), e.g. "
                 f"{report.skipped_symlinks[0]} (a link's target may lie outside the repository)")


cli_opt = click.option("--cli", "cli_name", required=True, type=click.Choice(agents.NAMES),
                       help="The model CLI whose reply or input this is.")


@stage(name="accept-plan")
@cli_opt
@click.argument("reply", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="The plan file.")
@click.option("--keep", type=click.Path(path_type=Path), help="Also keep a copy here.")
def accept_plan(cli_name: str, reply: Path, output: Path, keep: Path | None):
    """Check the planner's reply and write its plan atomically (never an empty one)."""
    from twostep.agents.plans import accept_plan as accept

    text = accept(cli_name, reply, output, keep)
    LOG.info(f"plan written to {output} ({len(text.splitlines())} lines)")


@stage()
@click.argument("plan_file", metavar="PLAN", type=click.Path(path_type=Path))
@click.option("--recipe", "recipe_arg", metavar="RECIPE",
              help="[f]iles lists the tracked files PLAN names (the recipe's plan_files apply).")
@click.option("--pack-list", type=click.Path(path_type=Path),
              help="[f]iles lists this pack's files instead (the executor gets the whole pack).")
def gate(plan_file: Path, recipe_arg: str | None, pack_list: Path | None):
    """Ask on the terminal: proceed, view PLAN in $PAGER, list the files the executor will be
    sent, edit PLAN in $EDITOR, or abort."""
    from twostep.pipeline import gate as g
    from twostep.recipe import load as recipes

    if pack_list is not None:
        sends = g.pack_listing(pack_list)
    else:
        patterns = recipes.load(recipe_arg).plan_files if recipe_arg else ()
        sends = g.plan_files(plan_file, patterns, Path.cwd())
    g.review(plan_file, sends=sends)


@stage()
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
def snapshot(output: Path):
    """Write a fingerprint of the work tree (status and content hashes)."""
    from twostep.pipeline import fingerprint as treestate

    output.write_text(treestate.fingerprint(_root()), encoding="utf-8")


@stage(name="check-exec")
@cli_opt
@click.argument("reply", type=click.Path(path_type=Path))
def check_exec(cli_name: str, reply: Path):
    """Fail on the executor's error results and refused edits (claude exits 0 on both)."""
    data = agents.get(cli_name).verdict(reply)
    seconds = data.get("duration_ms", 0) / 1000
    LOG.info(f"executor: {data.get('num_turns', '?')} turns, {seconds:.1f} s")


@stage()
@click.option("--role", required=True, type=click.Choice(["planner", "executor"]))
@click.option("--cli", "cli_name", required=True, type=click.Choice(agents.NAMES))
@click.option("--budget", required=True, type=int, help="Input tokens allowed.")
@click.option("--pack-log", required=True, multiple=True, type=click.Path(path_type=Path),
              help="repomix's summary (repeatable: one per pack in the input).")
@click.option("--counted", multiple=True, type=click.Path(path_type=Path),
              help="The packs the logs count (default: the last file).")
@click.option("--prompt-chars", default=0, type=int)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def fit(role: str, cli_name: str, budget: int, pack_log: tuple[Path, ...],
        counted: tuple[Path, ...], prompt_chars: int, files):
    """Refuse input that does not fit the model's budget or the CLI's input limit (exit 14)."""
    from twostep.sizing import budget as b

    tokens = b.pack_tokens(pack_log, counted)
    result = b.check(role, cli_name, budget, tokens, list(files), prompt_chars,
                     list(counted) if counted else None)
    LOG.detail(f"{role} input: {result.tokens:,} of {result.budget:,} tokens, "
               f"{result.chars:,} of {result.max_chars:,} characters")


@click.command()
@click.argument("plan_file", metavar="PLAN", type=click.Path(path_type=Path))
@click.option("--recipe", "recipe_arg", metavar="RECIPE", help="Use the recipe's plan_files globs.")
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON on stdout.")
def files(plan_file: Path, recipe_arg: str | None, as_json: bool):
    """Print the tracked files PLAN names, one per line (refusals and misses on stderr).

    Exits 11 when the plan names no existing file and no file to create.
    """

    from twostep import planfiles
    from twostep.errors import InputError
    from twostep.recipe import load as recipes

    if not plan_file.is_file():
        raise InputError(f"{plan_file}: no such plan file", hint="write one with `twostep plan`")
    patterns = recipes.load(recipe_arg).plan_files if recipe_arg else ()
    text = plan_file.read_text(encoding="utf-8", errors="replace")
    view = planfiles.RepoView.from_git(str(Path.cwd()))
    resolution = planfiles.resolve(text, view, patterns=patterns)
    if as_json:
        click.echo(resolution.to_json())
    else:
        if LOG.verbosity >= 1:
            planfiles.render_report(resolution, sys.stderr, plan_name=str(plan_file))
        out = sys.stdout.buffer
        for path in resolution.files:
            out.write(path.encode("utf-8", "surrogateescape") + b"\n")
        out.flush()
    planfiles.require_something(resolution, str(plan_file))


@stage()
@click.option("--tool", "tools", multiple=True, metavar="NAME", help="A CLI the run starts.")
@click.option("--role", "roles", multiple=True, metavar="ROLE=CLI",
              help="A model CLI the run calls, whose credentials must be present.")
@click.option("--clean", is_flag=True, help="Refuse a work tree with uncommitted changes.")
@click.option("--plan", "plan_file", metavar="PATH", help="The one uncommitted file allowed.")
@click.option("--commits", is_flag=True, help="Require the git identity a commit needs.")
def preflight(tools, roles, clean: bool, plan_file: str | None, commits: bool):
    """Check what `twostep run` checks before it writes anything: tools, keys, clean tree."""
    from twostep.pipeline import preflight as checks

    pairs = [(role, cli) for role, _, cli in (r.partition("=") for r in roles)]
    bad = [f"{role}={cli}" for role, cli in pairs if cli not in agents.NAMES]
    if bad:
        raise click.BadParameter(f"{bad[0]!r}: expected ROLE=CLI, CLI one of "
                                 f"{', '.join(agents.NAMES)}", param_hint="--role")
    checks.stage(list(tools), pairs, repo=_root() if clean else None, plan=plan_file,
                 commits=commits)
    LOG.detail("preflight: ok")


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (files, linktree, accept_plan, gate, snapshot, check_exec, fit,
            preflight)
