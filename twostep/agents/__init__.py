"""The model CLIs twostep composes, one adapter module each (base.py has the Protocol).

Adapters are imported on first use: the command line lists their names without loading them
(`twostep --version` and every pipeline stage start in a fresh process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twostep.agents.base import ModelCLI

PLANNER, EXECUTOR = "planner", "executor"

#: cli name -> (module, adapter object, the roles it can take): the one registry of supported
#: model CLIs. The roles are data here, so that a recipe is checked importing only the adapters
#: its agents name, for their keys (each stage that loads a recipe starts a fresh process).
ADAPTERS = {"gemini": ("twostep.agents.gemini", "GEMINI", (PLANNER, EXECUTOR)),
            "claude": ("twostep.agents.claude", "CLAUDE", (PLANNER, EXECUTOR)),
            "codex": ("twostep.agents.codex", "CODEX", (PLANNER, EXECUTOR))}
NAMES = tuple(sorted(ADAPTERS))


def get(name: str) -> ModelCLI:
    module, attr, _ = ADAPTERS[name]
    adapter: ModelCLI = getattr(importlib.import_module(module), attr)
    return adapter


def for_role(role: str) -> tuple[str, ...]:
    """The CLIs that can take a role ("planner" or "executor")."""
    return tuple(n for n in NAMES if role in ADAPTERS[n][2])
