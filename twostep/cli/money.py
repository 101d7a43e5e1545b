"""The ledger's pipeline stages: `twostep budget` before a model call, `twostep usage` after
it, and `twostep untouched` after a planner. Called from the run and from the dry-run script
alike, like the other stages (stages.py)."""

from __future__ import annotations

from pathlib import Path

import click

from twostep import agents
from twostep.cli import stage
from twostep.log import LOG

role_opt = click.option("--role", required=True, type=click.Choice(["planner", "executor"]))
cli_opt = click.option("--cli", "cli_name", required=True, type=click.Choice(agents.NAMES))
model_opt = click.option("--model", required=True, help="The model the call uses.")
price_opt = click.option("--price", metavar="IN,OUT,CACHED",
                         help="USD per million tokens (default: the built-in table's).")


def _price(value: str | None):
    from twostep.core.cost import Price
    from twostep.errors import InputError

    if not value:
        return None
    try:
        cin, cout, cached = (float(v) for v in value.split(","))
    except ValueError:
        raise InputError(f"--price {value}: expected IN,OUT,CACHED in USD per million tokens",
                         ) from None
    return Price(cin, cout, cached)


@stage()
@role_opt
@model_opt
@price_opt
@click.option("--max-cost", required=True, type=float, help="The run's budget in USD.")
@click.option("--output-tokens", required=True, type=int, help="Output headroom to pay for.")
@click.option("--pack-log", required=True, multiple=True, type=click.Path(path_type=Path),
              help="repomix's summary (repeatable: one per pack in the input).")
@click.option("--counted", multiple=True, type=click.Path(path_type=Path),
              help="The packs the logs count (default: the last file).")
@click.option("--prompt-chars", default=0, type=int)
@click.option("--run-dir", required=True, type=click.Path(path_type=Path),
              help="Where the run's <step>.usage.json records are.")
@click.option("-o", "--left", "left_file", required=True, type=click.Path(path_type=Path),
              help="Write the USD left before this call here.")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def budget(role: str, model: str, price: str | None, max_cost: float, output_tokens: int,
           pack_log: tuple[Path, ...], counted: tuple[Path, ...], prompt_chars: int,
           run_dir: Path, left_file: Path, files):
    """Refuse a model call whose estimated cost would pass the budget (exit 18)."""
    from twostep.runs import spend
    from twostep.sizing import budget as budget_input

    packs = budget_input.pack_tokens(pack_log, counted)
    tokens = budget_input.input_tokens(packs, list(files), prompt_chars,
                                       list(counted) if counted else None)
    est = spend.check(role=role, model=model, budget=max_cost, run_dir=run_dir,
                      tokens_in=tokens,
                      tokens_out=output_tokens, price=_price(price))
    left_file.write_text(f"{est.left_usd:.6f}\n", encoding="utf-8")
    LOG.info(f"{role}: estimated ${est.cost_usd:.4f}; ${est.left_usd:.4f} of "
             f"${est.budget_usd:.4f} left")


@stage()
@role_opt
@cli_opt
@model_opt
@price_opt
@click.option("--step", "step_name", required=True, help="The call's step name.")
@click.option("--task", help="The task this call worked on (one call per task).")
@click.option("--round", "round_", type=int, help="The fix round of this call.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
@click.argument("reply", type=click.Path(path_type=Path))
def usage(role: str, cli_name: str, model: str, price: str | None, step_name: str,
          task: str | None, round_: int | None, output: Path, reply: Path):
    """Record the tokens and cost of the call whose REPLY this is."""
    from twostep.runs import spend

    record = spend.charge(cli=cli_name, role=role, step=step_name, model=model, reply=reply,
                          out=output, price=_price(price), task=task, round_=round_)
    if record is None:
        # Not a warning: stand-ins and some CLI versions report none; the summary shows "–".
        LOG.info(f"{role}: {cli_name} reported no usage; this call is not in the ledger")
        return
    LOG.info(f"{role}: {record['input_tokens']:,} tokens in, {record['output_tokens']:,} out, "
             f"${record['cost_usd']:.4f} ({record['cost_source']})")


@stage()
@click.argument("before", type=click.Path(exists=True, path_type=Path))
def untouched(before: Path):
    """Fail (exit 7) if the work tree changed since BEFORE: the planner must not edit."""
    from twostep.errors import PlannerFailed
    from twostep.pipeline import fingerprint
    from twostep.tools import git

    paths = fingerprint.changed_paths(before.read_text(encoding="utf-8"),
                                      fingerprint.fingerprint(git.root()))
    if paths:
        raise PlannerFailed(f"the planner changed the repository: {', '.join(paths[:20])}",
                            step="planner",
                            hint="a planner must only plan; inspect and revert those paths")


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (budget, usage, untouched)
