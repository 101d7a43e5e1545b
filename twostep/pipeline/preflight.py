"""Preflight: before any step runs, every tool any step may start is found, with its version,
and every model CLI the steps call has credentials. Nothing is written when it fails."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from twostep import agents
from twostep.errors import MissingCredentials
from twostep.log import LOG
from twostep.pipeline.steps import Phase, commands
from twostep.recipe.model import Recipe
from twostep.tools.versions import versions


def tools_of(phases: Iterable[Phase]) -> list[str]:
    """Every executable of every step, nested ones included, except twostep itself."""
    every = (t for c in commands(phases) for t in (c.tool, *c.runs))
    return [t for t in dict.fromkeys(every) if t != "twostep"]


def roles_called(phases: Iterable[Phase], recipe: Recipe) -> list[tuple[str, str]]:
    """(role, cli) of each model CLI these phases call."""
    tools = set(tools_of(phases))
    pairs = [("planner", recipe.planner.cli), ("executor", recipe.executor.cli)]
    return [(role, cli) for role, cli in pairs if cli in tools]


def credentials(pairs: Iterable[tuple[str, str]], environ: Mapping[str, str] | None = None) -> None:
    """Name the variable each model CLI needs when none of its credentials is present."""
    env = os.environ if environ is None else environ
    problems = [p for role, cli in pairs if (p := agents.get(cli).credentials_problem(role, env))]
    if problems:
        raise MissingCredentials("no credentials for the model CLIs:\n  " + "\n  ".join(problems),
                                 hint="`twostep run … --dry-run` works without keys and shows "
                                      "the pipeline")


def check(phases: list[Phase], recipe: Recipe) -> dict[str, str]:
    """Tools with their versions; raises ToolMissing or MissingCredentials."""
    found = versions(tools_of(phases))
    for tool, version in found.items():
        LOG.detail(f"found {tool}: {version}")
    credentials(roles_called(phases, recipe))
    return found
