"""The steps around every model call that keep the ledger and the budget, and that hold the
planner to planning. build.py puts them around each call; they are plain stages, so the
dry-run script keeps the same ledger and the same budget as `twostep run`."""

from __future__ import annotations

from twostep.core.recipe import Agent, Recipe
from twostep.core.steps import Learns, Pipe, Step, twostep
from twostep.core.values import Arg, Contents, RunPath

PLANNER_BEFORE = RunPath("planner-before.state")


def _price(agent: Agent) -> tuple[str, ...]:
    p = agent.price
    return ("--price", f"{p.input_per_mtok:g},{p.output_per_mtok:g},{p.cached_per_mtok:g}") \
        if p else ()


def left(role: str, recipe: Recipe) -> Arg | None:
    """What is left of the budget when `role` is called (the budget step writes it)."""
    return Contents(RunPath(f"{role}.left")) if recipe.budget_usd is not None else None


def budget(role: str, agent: Agent, recipe: Recipe, pack_log: RunPath | tuple[RunPath, ...],
           *files: Arg, counted: tuple[RunPath, ...] = (),
           name: str | None = None) -> tuple[Step, ...]:
    """Refuse the call before it is made when its estimate would pass the budget. The input
    tokens are counted as `twostep fit` counts them (the same logs and counted packs)."""
    if recipe.budget_usd is None:
        return ()
    logs = pack_log if isinstance(pack_log, tuple) else (pack_log,)
    return (twostep("budget", "--role", role, "--model", agent.model, *_price(agent),
                    "--max-cost", f"{recipe.budget_usd:g}",
                    "--output-tokens", str(agent.output_tokens),
                    *(a for log in logs for a in ("--pack-log", log)),
                    *(a for c in counted for a in ("--counted", c)),
                    "--prompt-chars", str(len(agent.prompt)), "--run-dir", RunPath(),
                    "-o", RunPath(f"{role}.left"), "--", *files,
                    name=name or f"{role}-budget",
                    title=f"estimate the {role} call; refuse it if it would pass the budget"),)


def usage(role: str, agent: Agent, reply: Arg, step: str | None = None, *,
          task: str | None = None, round_: int | None = None) -> Pipe:
    """Charge the call's actual tokens and cost (the CLI's own figure when it reports one).
    A loop that calls the model once per task or fix round passes a distinct `step` (the
    record's file name) and its `task`/`round_`."""
    step = step or role
    tagged = (*(("--task", task) if task is not None else ()),
              *(("--round", str(round_)) if round_ is not None else ()))
    return twostep("usage", "--role", role, "--cli", agent.cli, "--model", agent.model,
                   *_price(agent), "--step", step, *tagged,
                   "-o", RunPath(f"{step}.usage.json"), reply,
                   name=f"{step}-usage", learns=Learns.USAGE,
                   title=f"the {role} call's tokens and cost, for the ledger")


def before_planner() -> Pipe:
    return twostep("snapshot", "-o", PLANNER_BEFORE, name="planner-snapshot",
                   title="fingerprint the work tree: the planner must leave it as it is")


def planner_untouched() -> Pipe:
    return twostep("untouched", PLANNER_BEFORE, name="planner-untouched",
                   title="a planner that changed the repository fails (exit 7), whatever its CLI")
