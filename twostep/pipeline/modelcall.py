"""The steps of one model call: a stage before it, the CLI's own line, a stage after it.

`twostep before ROLE` refuses input the model cannot take or the budget cannot pay for (before
any request) and, for the planner, fingerprints the work tree; `twostep after ROLE` charges the
call to the ledger, then holds the planner to planning and accepts its plan, or reads the
executor's verdict and its proof of work. They are plain stages, so the dry-run script keeps
the same checks, ledger and budget as `twostep run`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from twostep import agents
from twostep.agents.base import Call, model, prompt
from twostep.core.recipe import Agent, Recipe
from twostep.core.steps import Learns, Pipe, Role, Step, twostep
from twostep.core.values import Arg, Contents, Length, RunPath

PLANNER_BEFORE = RunPath("planner-before.state")


@dataclass(frozen=True)
class Sent:
    """What a call gets on stdin: its files, the repomix logs of the packs among them, and
    those packs (default: the last file), as `before` counts their tokens."""

    files: tuple[Arg, ...]
    logs: tuple[Arg, ...] = ()
    counted: tuple[Arg, ...] = ()


def _pairs(flag: str, values: tuple[Arg, ...]) -> tuple[Arg, ...]:
    return tuple(a for v in values for a in (flag, v))


def _price(agent: Agent) -> tuple[str, ...]:
    p = agent.price
    return ("--price", f"{p.input_per_mtok:g},{p.output_per_mtok:g},{p.cached_per_mtok:g}") \
        if p else ()


def left(call: str, recipe: Recipe) -> Arg | None:
    """What is left of the budget when `call` (planner, task-N, fix-N) starts (`before` writes
    it; one file per call, so calls side by side each read their own)."""
    return Contents(RunPath(f"{call}.left")) if recipe.budget_usd is not None else None


def before(role: str, agent: Agent, recipe: Recipe, sent: Sent, *, name: str,
           learns: Learns = Learns.NOTHING, snapshot: RunPath | None = None) -> Pipe:
    """Once it passes, the files are about to leave: the manifest records them then."""
    args: list[Arg] = [role, "--cli", agent.cli, "--budget", str(agent.input_budget),
                       "--max-chars", str(agents.get(agent.cli).input_chars(agent)),
                       "--prompt-chars", Length(prompt(agent, role)),
                       *_pairs("--pack-log", sent.logs), *_pairs("--counted", sent.counted)]
    title = f"refuse input the {role} cannot take" + (" whole" if snapshot else "")
    if recipe.budget_usd is not None:
        args += ["--max-cost", f"{recipe.budget_usd:g}", "--model", model(agent, role),
                 *_price(agent), "--output-tokens", str(agent.output_tokens),
                 "--left", RunPath(f"{name.removesuffix('-before')}.left"),
                 "--call", name.removesuffix("-before")]
        title += ", or a call that would pass the budget"
    if snapshot is not None:
        args += ["--snapshot", snapshot]
        title += "; fingerprint the work tree (the planner must leave it as it is)"
    return twostep("before", *args, "--", *sent.files, name=name, title=title, learns=learns)


def after(role: str, agent: Agent, reply: Arg, options: tuple[Arg, ...], *, name: str,
          title: str, learns: Learns = Learns.USAGE) -> Pipe:
    """Charge the call (its record: <reply's stem>.usage.json), then check it (`options`)."""
    return twostep("after", role, "--cli", agent.cli, "--model", model(agent, role),
                   *_price(agent), *options, reply, name=name, learns=learns,
                   title=f"charge the call to the ledger; {title}")


def planner(agent: Agent, recipe: Recipe, call: Call, sent: Sent, plan: Arg) -> tuple[Step, ...]:
    """The planner's call between its two stages: the plan is written only by `after`."""
    return (
        *call.setup,
        before("planner", agent, recipe, sent, name="planner-before",
               learns=Learns.SENT_TO_PLANNER, snapshot=PLANNER_BEFORE),
        Pipe("planner", call.title, (call.command,), stdin=call.stdin, stdout=call.reply,
             role=Role.PLANNER, timeout=agent.timeout, stall_after=agent.stall_after),
        after("planner", agent, call.reply,
              ("--snapshot", PLANNER_BEFORE, "-o", plan, "--keep", RunPath("plan.md")),
              name="planner-after", learns=Learns.USAGE | Learns.PLAN,
              title="a planner that changed the repository fails (exit 7); an empty or failed "
                    "reply never replaces an existing plan"),
    )


def executor(agent: Agent, call: Call, sent: Sent, stem: str, title: str,
             proof: tuple[Arg, ...] = ()) -> tuple[Step, ...]:
    """One fresh executor session, its reply and log named after `stem` (task-N-try-T, fix-N);
    `proof`: the `after` options that check a task's work."""
    reply = RunPath(f"{stem}.json")
    command = replace(call.command, stderr=RunPath(f"{stem}.log"))
    checks = f"{agent.cli} exits 0 on API errors and refused edits: read its verdict" + (
        "; did it change the files this task plans to change?" if proof else "")
    return (*call.setup,
            Pipe(f"{stem}-executor", title, (command,), stdin=sent.files, stdout=reply,
                 role=Role.EXECUTOR, timeout=agent.timeout, stall_after=agent.stall_after),
            after("executor", agent, reply, proof, name=f"{stem}-after", title=checks))
