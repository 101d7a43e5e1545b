"""Accept a planner's reply: the plan it holds, written atomically, or an error."""

from __future__ import annotations

from pathlib import Path

from twostep import agents, atomic
from twostep.errors import PlannerFailed


def accept_plan(cli: str, reply: Path, plan: Path, keep: Path | None = None) -> str:
    """Read the plan in the planner's reply and write it atomically (and a copy to `keep`).

    A failed or empty reply raises and leaves an existing plan untouched.
    """
    try:
        text = agents.get(cli).plan_text(reply)
    except PlannerFailed as exc:
        raise PlannerFailed(f"{exc}; {plan.name} was left unchanged", step=exc.step,
                            hint=exc.hint) from None
    if not text.endswith("\n"):
        text += "\n"
    atomic.write_text(plan, text)
    if keep is not None:
        atomic.write_text(keep, text)
    return text
