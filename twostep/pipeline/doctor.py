"""What `twostep doctor` checks: every CLI twostep composes, found with its version (and its
drift from the tested pin), and the credentials of each model CLI."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from twostep import agents
from twostep.agents import pins, versions
from twostep.errors import MissingCredentials, ToolMissing


@dataclass
class Health:
    tools: list[dict[str, Any]] = field(default_factory=list)
    credentials: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int = 0


def _tool(name: str) -> dict[str, Any]:
    try:
        found = versions.versions([name])[name]
    except ToolMissing:
        return {"name": name, "ok": False, "version": None,
                "install": versions.install_hint(name)}
    return {"name": name, "ok": True, "version": found, "install": None,
            "drift": pins.drift(name, found)}


def _credentials(name: str, environ: Mapping[str, str]) -> dict[str, Any]:
    adapter, roles = agents.get(name), agents.ADAPTERS[name][2]
    problem = adapter.credentials_problem("/".join(roles), environ)
    present = [k for k in adapter.credential_vars if environ.get(k)]
    return {"cli": name, "ok": problem is None, "problem": problem,
            "from": None if problem else (", ".join(present) or "login"), "roles": list(roles)}


def check(environ: Mapping[str, str] = os.environ) -> Health:
    """Versions are cached per user, keyed by each binary's path, size and mtime."""
    health = Health([_tool(t) for t in ("git", "rg", "repomix", *agents.NAMES)],
                    [_credentials(n, environ) for n in agents.NAMES])
    if not all(t["ok"] for t in health.tools):
        health.exit_code = ToolMissing.exit_code
    elif not all(k["ok"] for k in health.credentials):
        health.exit_code = MissingCredentials.exit_code
    return health
