"""Runs: list them, resume one, and check the machine (doctor)."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("run_id", metavar="[RUN]", required=False)
@click.option("--yes", "-y", is_flag=True, help="Skip the review gate if the run reaches it.")
@click.option("--allow-dirty", is_flag=True, help="Let the executor run on a dirty work tree.")
@click.option("--max-cost", type=float, metavar="USD",
              help="The run's budget from now on; what it already spent counts (exit 18).")
def resume(run_id: str | None, yes: bool, allow_dirty: bool, max_cost: float | None):
    """Continue the last failed or interrupted run (or RUN) from the step that failed.

    The planner is never asked again when the run already has its plan.
    """
    from twostep.pipeline.resume import resume as resume_run
    from twostep.tools import git as gitrepo

    resume_run(gitrepo.root(), run_id, yes=yes, allow_dirty=allow_dirty, max_cost=max_cost)


@click.command(name="runs")
@click.option("--json", "as_json", is_flag=True, help="Print the manifests as JSON.")
def list_runs(as_json: bool):
    """List the runs of this repository, oldest first."""
    from twostep.runs import cost
    from twostep.runs import store as runs
    from twostep.tools import git as gitrepo

    found = runs.all_runs(gitrepo.root())
    if as_json:
        click.echo(json.dumps([r.manifest.to_json() for r in found], indent=2))
        return
    for r in found:
        m = r.manifest
        failed = f" at {m.failed_step}" if m.failed_step else ""
        tokens = m.measurement.get("tokens", "?")
        click.echo(f"{r.id}  {m.status:<11}{failed:<16} {m.recipe_name:<10} {m.strategy:<6} "
                   f"{tokens} tokens")
        for line in cost.summary_lines(m.usage):
            click.echo(f"    {line}")


@click.command()
def doctor():
    """Check that every CLI twostep composes is installed, with its version, and that the
    model CLIs have credentials (exit 5: a tool is missing; 16: credentials are)."""
    import os

    from twostep import agents
    from twostep.errors import ToolMissing
    from twostep.tools import pins, versions

    code = 0
    for tool in ("git", "rg", "repomix", *agents.NAMES):
        try:
            found = versions.versions([tool])
            click.echo(f"ok       {tool}: {found[tool]}")
            note = pins.drift(tool, found[tool])
            if note:
                click.echo(f"drift    {note}")
        except ToolMissing:
            code = 5
            click.echo(f"missing  {tool}: install with `{versions.install_hint(tool)}`")
    for name in agents.NAMES:
        adapter = agents.get(name)
        problem = adapter.credentials_problem("/".join(adapter.roles), os.environ)
        if problem:
            code = code or 16
            click.echo(f"missing  {problem}")
        else:
            present = [k for k in adapter.credential_vars if os.environ.get(k)]
            click.echo(f"ok       {name} credentials ({', '.join(present) or 'login'}; "
                       f"roles: {', '.join(adapter.roles)})")
    raise SystemExit(code)


def register(group: click.Group) -> None:
    for command in (resume, list_runs, doctor):
        group.add_command(command)
