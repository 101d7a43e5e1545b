"""Runs: list them, resume one, and check the machine (doctor)."""

from __future__ import annotations

import json

import click

from twostep.cli import completion
from twostep.cli.options import jobs_opt


@click.command()
@click.argument("run_id", metavar="[RUN]", required=False, shell_complete=completion.runs)
@click.option("--yes", "-y", is_flag=True, help="Skip the review gate if the run reaches it.")
@click.option("--allow-dirty", is_flag=True, help="Let the executor run on a dirty work tree.")
@click.option("--max-cost", type=float, metavar="USD",
              help="The run's budget from now on; what it already spent counts (exit 18).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object with the result on stdout at the end "
                   "(`twostep schema result`).")
@jobs_opt
def resume(run_id: str | None, yes: bool, allow_dirty: bool, max_cost: float | None,
           as_json: bool, side_by_side: int | None):
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
                   jobs=side_by_side, stage=run_stage)
        return store.load(repo, target.id)

    result.capture("resume", repo, go, as_json=as_json, find=lambda: target)


@click.group(name="runs", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True,
              help="Print each run's manifest with its outcome (`twostep schema runs`).")
@click.pass_context
def runs(ctx: click.Context, as_json: bool):
    """List the runs of this repository, oldest first: how each ended and why, its spec's
    first line, its cost and size, and whether `twostep resume` can continue it.

    Outcomes: done, failed, over-budget, rolled-back, interrupted, running.
    """
    if ctx.invoked_subcommand is not None:
        return
    from twostep.runs import store as runstore
    from twostep.runs import story
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    told = [(r, story.tell(repo, r)) for r in runstore.all_runs(repo)]
    if as_json:
        click.echo(json.dumps([{**r.manifest.to_json(), **s} for r, s in told], indent=2))
        return
    for r, s in told:
        click.echo("\n".join(story.lines(r, s)))
    _fleets(repo)


def _fleets(repo) -> None:
    """After the runs, the fleets (`twostep batch`) with their totals."""
    from twostep.fleet import result as fleetresult
    from twostep.fleet import state as fleetstate

    for fleet in fleetstate.all_fleets(repo):
        click.echo("\n".join(fleetresult.listing(fleet.id, fleet.batch, fleet.entries)))


@runs.command()
@click.option("--keep", type=click.IntRange(0), metavar="N",
              help="Keep the N newest runs, whatever their age.")
@click.option("--older-than", metavar="DURATION",
              help="Remove only runs last changed longer ago than this: 90s, 30m, 12h, 7d, 2w.")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def prune(keep: int | None, older_than: str | None, dry_run: bool):
    """Remove old runs: their directories in .twostep/runs/, their checkpoint refs
    (refs/twostep/RUN/*) and a --worktree run's worktree. A run that can still be resumed
    (failed or interrupted, and not rolled back) is never removed.

    Give --keep N, --older-than DURATION, or both (then a run goes when it is older than
    DURATION and not among the N newest). The branches of --worktree runs stay.
    """
    from twostep.runs import prune as pruning
    from twostep.runs import store as runstore
    from twostep.runs import story
    from twostep.tools import git as gitrepo

    if keep is None and older_than is None:
        raise click.UsageError("say which runs to remove: --keep N, --older-than DURATION, "
                               "or both")
    repo = gitrepo.root()
    age = pruning.seconds(older_than) if older_than is not None else None
    gone, spared = pruning.select(repo, runstore.all_runs(repo), keep=keep, older_than=age)
    freed = sum(story.size(r.dir) if dry_run else pruning.remove(repo, r) for r in gone)
    verb = "would remove" if dry_run else "removed"
    for r in gone:
        click.echo(f"{verb} {r.id}")
    for r in spared:
        click.echo(f"kept {r.id}: it can be resumed (`twostep resume {r.id}`)")
    click.echo(f"{verb} {len(gone)} run(s), {'freeing' if dry_run else 'freed'} "
               f"{story.human(freed)}")


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
COMMANDS = (resume, runs, doctor)
