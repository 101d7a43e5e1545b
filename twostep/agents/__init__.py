"""The model CLIs twostep composes, one adapter module each (base.py has the Protocol).

Adapters are imported on first use: the command line lists their names without loading them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from twostep import atomic
from twostep.errors import PlannerFailed

if TYPE_CHECKING:
    from twostep.agents.base import ModelCLI

#: cli name -> (module, adapter object): the one registry of supported model CLIs.
ADAPTERS = {"gemini": ("twostep.agents.gemini", "GEMINI"),
            "claude": ("twostep.agents.claude", "CLAUDE")}
NAMES = tuple(sorted(ADAPTERS))


def get(name: str) -> ModelCLI:
    module, attr = ADAPTERS[name]
    adapter: ModelCLI = getattr(importlib.import_module(module), attr)
    return adapter


def for_role(role: str) -> tuple[str, ...]:
    """The CLIs that can take a role ("planner" or "executor")."""
    return tuple(n for n in NAMES if role in get(n).roles)


def accept_plan(cli: str, reply: Path, plan: Path, keep: Path | None = None) -> str:
    """Read the plan in the planner's reply and write it atomically (and a copy to `keep`).

    A failed or empty reply raises and leaves an existing plan untouched.
    """
    try:
        text = get(cli).plan_text(reply)
    except PlannerFailed as exc:
        raise PlannerFailed(f"{exc}; {plan.name} was left unchanged", step=exc.step,
                            hint=exc.hint) from None
    if not text.endswith("\n"):
        text += "\n"
    atomic.write_text(plan, text)
    if keep is not None:
        atomic.write_text(keep, text)
    return text
