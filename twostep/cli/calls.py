"""The stages around each model call (pipeline/modelcall.py): `twostep before ROLE` and
`twostep after ROLE`, so that the CLI's own line stands out in the script between them."""

from __future__ import annotations

from pathlib import Path

import click

from twostep import agents
from twostep.cli import stage
from twostep.cli.env import pass_env, path, root
from twostep.log import LOG
from twostep.pipeline.inprocess import Env

role_arg = click.argument("role", type=click.Choice(["planner", "executor"]))
cli_opt = click.option("--cli", "cli_name", required=True, type=click.Choice(agents.NAMES),
                       help="The model CLI called.")
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
@role_arg
@cli_opt
@click.option("--budget", required=True, type=int, help="Input tokens allowed.")
@click.option("--max-chars", type=int,
              help="Input characters the CLI takes (default: its limit for any model).")
@click.option("--prompt-chars", default=0, type=int)
@click.option("--pack-log", multiple=True, type=path(),
              help="repomix's summary of a pack in the input (repeatable; none: no pack).")
@click.option("--counted", multiple=True, type=path(),
              help="The packs the logs count (default: the last file).")
@click.option("--max-cost", type=float, help="The run's budget in USD: estimate the call.")
@click.option("--model", help="With --max-cost: the model the call uses.")
@price_opt
@click.option("--output-tokens", default=0, type=int, help="Output headroom to pay for.")
@click.option("--left", "left_file", type=path(),
              help="With --max-cost: write the USD left before this call here (the run's "
                   "<step>.usage.json records are next to it).")
@click.option("--call", help="With --max-cost: reserve the estimate as this call (planner, "
                             "task-N, fix-N) until `after` charges it.")
@click.option("--snapshot", type=path(), help="Write a fingerprint of the work tree here.")
@click.argument("files", nargs=-1, type=path())
@pass_env
def before(env: Env, role: str, cli_name: str, budget: int, max_chars: int | None,
           prompt_chars: int,
           pack_log: tuple[Path, ...], counted: tuple[Path, ...], max_cost: float | None,
           model: str | None, price: str | None, output_tokens: int, left_file: Path | None,
           call: str | None, snapshot: Path | None, files: tuple[Path, ...]):
    """Refuse input FILES over the model's budget or the CLI's input limit (exit 14), or a call
    whose estimate would pass --max-cost (exit 18), before any request; then --snapshot."""
    from twostep.sizing import budget as sizes

    packs = list(counted) if counted else list(files[-1:]) if pack_log else []
    tokens = sizes.pack_tokens(pack_log, counted)
    fit = sizes.check(role, cli_name, budget, tokens, list(files), prompt_chars, packs,
                      max_chars=sizes.limit(max_chars or agents.get(cli_name).max_input_chars))
    LOG.detail(f"{role} input: {fit.tokens:,} of {fit.budget:,} tokens, "
               f"{fit.chars:,} of {fit.max_chars:,} characters")
    if max_cost is not None:
        from twostep.runs import fleetlink, spend

        if model is None or left_file is None:
            raise click.UsageError("--max-cost needs --model and --left")
        est = spend.check(role=role, model=model, budget=max_cost, run_dir=left_file.parent,
                          tokens_in=fit.tokens, tokens_out=output_tokens, price=_price(price),
                          call=call, outer=fleetlink.ledgers(env.environ))
        left_file.write_text(f"{est.left_usd:.6f}\n", encoding="utf-8")
        LOG.info(f"{role}: estimated ${est.cost_usd:.4f}; ${est.left_usd:.4f} of "
                 f"${est.budget_usd:.4f} left")
    if snapshot is not None:
        from twostep.pipeline import fingerprint

        snapshot.write_text(fingerprint.fingerprint(root(env)), encoding="utf-8")


@stage()
@role_arg
@cli_opt
@click.option("--model", required=True, help="The model the call used.")
@price_opt
@click.option("--snapshot", type=path(exists=True),
              help="Fail (exit 7) if the work tree changed since this fingerprint.")
@click.option("-o", "--output", type=path(), help="planner: write the plan here.")
@click.option("--keep", type=path(), help="planner: also keep a copy here.")
@click.option("--task", help="executor: the task this call worked on.")
@click.option("--try", "attempt", type=int, help="executor: check the task's proof of work.")
@click.option("--tries", type=int, default=1, help="The sessions a task may have.")
@click.argument("reply", type=path())
@pass_env
def after(env: Env, role: str, cli_name: str, model: str, price: str | None,
          snapshot: Path | None, output: Path | None, keep: Path | None, task: str | None,
          attempt: int | None, tries: int, reply: Path):
    """Record the tokens and cost of the call whose REPLY this is, then check it: the planner
    left the work tree alone and wrote a plan (into --output, atomically, never an empty one),
    or the executor's verdict (claude exits 0 on errors) and --try's proof of work."""
    from twostep.runs import spend

    record = spend.charge(cli=cli_name, role=role, step=reply.stem, model=model, reply=reply,
                          out=reply.with_suffix(spend.SUFFIX), price=_price(price), task=task)
    # the call's reservation (before --call): the planner, task-N for every try, else fix-N
    call = "planner" if role == "planner" else f"task-{task}" if task else reply.stem
    spend.release(spend.reservation(reply.parent, call))
    spent = _spent(record)
    if record is None:
        # Not a warning: stand-ins and some CLI versions report none; the summary shows "–".
        LOG.detail(f"{role}: {cli_name} reported no usage; this call is not in the ledger")
    else:
        LOG.detail(f"{role}: {spent} ({record['cost_source']})")
    if snapshot is not None:
        _untouched(env, snapshot)
    if role == "planner":
        if output is None:
            raise click.UsageError("the planner's reply needs -o PLAN")
        _accept_plan(cli_name, reply, output, keep, spent)
        return
    data = agents.get(cli_name).verdict(reply)
    said = _session(data)
    if said:
        LOG.detail(f"executor: {said}")
    if attempt is not None:
        from twostep.execution import taskwork

        taskwork.prove(root(env), reply.parent, int(task or 0), attempt, tries)


def _spent(record: dict | None) -> str:
    if record is None:
        return ""
    return (f"{record['input_tokens']:,} tokens in, {record['output_tokens']:,} out, "
            f"${record['cost_usd']:.4f}")


def _session(data: dict) -> str:
    """The turns and time a CLI reports of its session; a figure it does not report is left
    out (codex reports neither)."""
    parts = []
    if isinstance(data.get("num_turns"), int):
        parts.append(f"{data['num_turns']} turns")
    if isinstance(data.get("duration_ms"), (int, float)):
        parts.append(f"{data['duration_ms'] / 1000:.1f} s")
    return ", ".join(parts)


def _accept_plan(cli_name: str, reply: Path, plan: Path, keep: Path | None,
                 spent: str = "") -> None:
    """Write the reply's plan atomically; a failed or empty reply leaves an existing one."""
    from twostep import atomic
    from twostep.errors import PlannerFailed

    try:
        text = agents.get(cli_name).plan_text(reply)
    except PlannerFailed as exc:
        raise PlannerFailed(f"{exc}; {plan.name} was left unchanged", step=exc.step,
                            hint=exc.hint) from None
    text += "" if text.endswith("\n") else "\n"
    for out in (plan, keep) if keep else (plan,):
        atomic.write_text(out, text)
    import os

    shown = os.path.relpath(plan) if plan.is_relative_to(Path.cwd()) else plan
    LOG.info(f"plan written to {shown} ({len(text.splitlines())} lines"
             + (f"; {spent}" if spent else "") + ")")


def _untouched(env: Env, before: Path) -> None:
    from twostep.errors import PlannerFailed
    from twostep.pipeline import fingerprint

    paths = fingerprint.changed_paths(before.read_text(encoding="utf-8"),
                                      fingerprint.fingerprint(root(env)))
    if paths:
        raise PlannerFailed(f"the planner changed the repository: {', '.join(paths[:20])}",
                            step="planner",
                            hint="a planner must only plan; inspect and revert those paths")


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (before, after)
