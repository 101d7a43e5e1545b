"""`twostep batch FILE`: a fleet, many specs each run as its own worktree run, N at a time,
under one budget; `twostep batch merge RESULT.json…`: the results of items that ran elsewhere
(a GitHub Actions matrix) as one fleet result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from twostep.cli import _with_screen_options, completion
from twostep.errors import InputError, NotConfirmed

DEFAULT = "start"


class BatchGroup(click.Group):
    """`twostep batch FILE …` runs the default command; `twostep batch merge …` merges."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = [DEFAULT, *args]
        return super().parse_args(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        return _with_screen_options(cmd) if cmd is not None else None


class _Default(click.Command):
    """The default command's usage is the group's: `twostep batch [OPTIONS] [FILE]`."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        path = ctx.command_path.removesuffix(f" {DEFAULT}")
        formatter.write_usage(path, " ".join(self.collect_usage_pieces(ctx)))
        formatter.write_usage(path, "merge [OPTIONS] RESULTS...", prefix="       ")


@click.group(name="batch", cls=BatchGroup)
def batch() -> None:
    """Run many specs as a fleet (`twostep batch FILE --help`), or merge the results of
    items that ran elsewhere (`twostep batch merge --help`)."""


def _confirm(items, yes: bool) -> None:
    """Without a TTY and without --yes, refuse before anything is packed; on a TTY, show the
    items and the estimated cost once and ask once (the items then run with --yes)."""
    if yes:
        return
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise NotConfirmed(f"a fleet runs {len(items)} item(s) from plan to commit without "
                           "asking; no TTY to ask on", hint="add --yes to run them")
    from twostep.fleet import estimate

    click.echo("\n".join(estimate.lines(items)), err=True)
    if not click.confirm("Run them all, each plan executed without review?", err=True):
        raise NotConfirmed("declined; nothing was run")


@batch.command(name=DEFAULT, cls=_Default)
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False),
                shell_complete=completion.files)
@click.option("--resume", "resume_id", is_flag=False, flag_value="", default=None,
              metavar="[FLEET]", help="Continue the unfinished items of the last fleet that "
                                      "has some (or FLEET); finished items are not touched.")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None, metavar="N",
              help="Items run at a time (default 2).")
@click.option("--max-cost", type=float, metavar="USD",
              help="The fleet's budget: each call's estimate is reserved across items, and a "
                   "call that would pass it is not made (exit 18).")
@click.option("--per-item-cost", type=float, metavar="USD", help="Each item's own budget.")
@click.option("--yes", "-y", is_flag=True,
              help="Run the items without asking (and without each plan's review gate).")
@click.option("--pr", is_flag=True, help="Push each item's branch and open a pull request.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the fleet's result on stdout at the end (`twostep schema fleet`).")
@click.option("--dry-run", is_flag=True,
              help="Print the fleet as bash (a `twostep run` line per item); run nothing.")
@click.option("--emit-matrix", is_flag=True,
              help='Print a GitHub Actions matrix, {"include": [{"id", "spec", "recipe"}…]}.')
def start(file: Path | None, resume_id: str | None, jobs: int | None, max_cost: float | None,
          per_item_cost: float | None, yes: bool, pr: bool, as_json: bool, dry_run: bool,
          emit_matrix: bool):
    """Run each item of FILE (a YAML list or JSON Lines: spec:, and optionally recipe:, id:,
    branch:, repo:) as its own `twostep run --worktree`: its own branch, checkpoints and
    ledger, your tree untouched. Items of one repository and base share one pack.

    The fleet's state is in .twostep/fleets/<id>/; `twostep runs` lists fleets with their
    totals. Results of items run elsewhere: `twostep batch merge RESULT.json…`."""
    from twostep.fleet import drive
    from twostep.tools import git as gitrepo

    repo = gitrepo.root()
    if resume_id is not None:
        if file is not None or dry_run or emit_matrix:
            raise click.UsageError("--resume continues a fleet: give no FILE, --dry-run or "
                                   "--emit-matrix with it")
        fleet = drive.reopen(repo, resume_id or None, jobs=jobs, max_cost_usd=max_cost)
        _confirm([e.item for e in fleet.unfinished()], yes)
        raise SystemExit(drive.go(fleet, as_json=as_json))
    if file is None:
        raise click.UsageError("give the batch FILE (or --resume)")
    options = drive.Options(jobs or 2, max_cost, per_item_cost, pr)
    if dry_run or emit_matrix:
        _print_only(repo, file, options, dry_run=dry_run, as_json=as_json)
        return
    from twostep.fleet import items

    _confirm(items.load(file, repo), yes)
    raise SystemExit(drive.go(drive.start(repo, file, options), as_json=as_json))


def _print_only(repo: Path, file: Path, options, *, dry_run: bool, as_json: bool) -> None:
    from twostep.fleet import fanout, items, state

    if dry_run and as_json:
        raise click.UsageError("--json and --dry-run exclude each other (the script is the "
                               "data)")
    loaded = items.load(file, repo)
    if not dry_run:
        click.echo(json.dumps(fanout.matrix(loaded, repo)))
        return
    fleet = state.Fleet(Path("$FLEET"), str(file.resolve()), options.to_json(),
                        [state.Entry(i) for i in loaded])
    sys.stdout.write(fanout.script(fleet, repo))


@batch.command()
@click.argument("results", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--batch", "batch_file", type=click.Path(path_type=Path, dir_okay=False,
                                                       exists=True),
              help="The batch file: each item's spec and recipe, and the items' order "
                   "(an item with no result is reported as pending).")
@click.option("--fleet-id", help="The merged fleet's id (default: a new one).")
@click.option("--summary", type=click.Path(path_type=Path, dir_okay=False),
              help="Also append the totals as Markdown here (e.g. $GITHUB_STEP_SUMMARY).")
def merge(results: tuple[Path, ...], batch_file: Path | None, fleet_id: str | None,
          summary: Path | None):
    """Merge RESULTS (each a `twostep run --json` result named ITEM-ID.json, or a fleet's
    result) into one fleet result on stdout, the totals on stderr. Exits as the fleet would:
    0 when every item is done."""
    from twostep.fleet import fanout, items, result
    from twostep.log import LOG
    from twostep.runs import store

    loaded = None
    if batch_file is not None:
        from twostep.tools import git as gitrepo

        loaded = items.load(batch_file, gitrepo.root())
    out = fanout.merge(list(results), loaded, fleet_id or store.new_id())
    for line in result.total_lines(out):
        LOG.info(line)
    if summary is not None:
        with summary.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(result.markdown(out)) + "\n")
    click.echo(json.dumps(out, indent=2))
    if not out["items"]:
        raise InputError("no item results to merge", hint="give the items' --json files")
    raise SystemExit(out["exit_code"])


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (batch,)
