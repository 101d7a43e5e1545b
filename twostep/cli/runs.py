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
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object with the result on stdout at the end "
                   "(`twostep schema result`).")
def resume(run_id: str | None, yes: bool, allow_dirty: bool, max_cost: float | None,
           as_json: bool):
    """Continue the last failed or interrupted run (or RUN) from the step that failed.

    The planner is never asked again when the run already has its plan.
    """
    from twostep.cli import run_stage
    from twostep.pipeline import result
    from twostep.pipeline.resume import resume as resume_run
    from twostep.pipeline.screen import PROGRESS
    from twostep.runs import store
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    PROGRESS.enabled = True

    target = store.load(repo, run_id)  # before resuming: the run the result is about

    def go():
        resume_run(repo, target.id, yes=yes, allow_dirty=allow_dirty, max_cost=max_cost,
                   stage=run_stage)
        return store.load(repo, target.id)

    result.capture("resume", repo, go, as_json=as_json, find=lambda: target)


@click.command(name="runs")
@click.option("--json", "as_json", is_flag=True, help="Print the manifests as JSON.")
def list_runs(as_json: bool):
    """List the runs of this repository, oldest first."""
    from twostep.core import cost
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
        branch = f"  branch {m.branch}" if m.branch else ""
        click.echo(f"{r.id}  {m.status:<11}{failed:<16} {m.recipe_name:<10} {m.strategy:<6} "
                   f"{tokens} tokens{branch}")
        for line in cost.summary_lines(m.usage):
            click.echo(f"    {line}")


@click.command()
@click.option("--json", "as_json", is_flag=True,
              help="Print {ok, exit_code, tools: [...], credentials: [...]} "
                   "(`twostep schema doctor`).")
def doctor(as_json: bool):
    """Check that every CLI twostep composes is installed, with its version, and that the
    model CLIs have credentials (exit 5: a tool is missing; 16: credentials are).

    Versions are cached per user, keyed by each binary's path, size and mtime."""
    from twostep.pipeline import doctor as checks

    health = checks.check()
    code, tools, keys = health.exit_code, health.tools, health.credentials
    if as_json:
        click.echo(json.dumps({"ok": code == 0, "exit_code": code, "tools": tools,
                               "credentials": keys}, indent=2))
        raise SystemExit(code)
    for t in tools:
        click.echo(f"ok       {t['name']}: {t['version']}" if t["ok"] else
                   f"missing  {t['name']}: install with `{t['install']}`")
        if t.get("drift"):
            click.echo(f"drift    {t['drift']}")
    for k in keys:
        click.echo(f"missing  {k['problem']}" if k["problem"] else
                   f"ok       {k['cli']} credentials ({k['from']}; roles: {', '.join(k['roles'])})")
    raise SystemExit(code)


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (resume, list_runs, doctor)
