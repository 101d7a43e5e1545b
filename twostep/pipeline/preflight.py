"""Preflight: before any step runs, every tool any step may start is found, with its version,
every model CLI the steps call has credentials, a step that must ask has a terminal, and the
work tree is clean when the executor will edit it. Nothing is written when it fails.

`twostep preflight` (cli/stages.py) runs the same checks as the first stage of a dry-run script.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from twostep import agents, errors
from twostep.agents.versions import versions
from twostep.core.recipe import Recipe
from twostep.core.steps import Phase, PhaseKind, Pipe, commands, walk
from twostep.errors import MissingCredentials
from twostep.log import LOG
from twostep.tools import git


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


def asks(phases: Iterable[Phase]) -> bool:
    """The review gate will ask: it cannot go on without an answer. (The validate gate also
    reads the terminal, but without one it keeps the changes and says how to roll back.)"""
    return any(p.kind is PhaseKind.REVIEW and any(isinstance(s, Pipe) and s.interactive
                                                  for s in walk(p.steps)) for p in phases)


def require_terminal(phases: Iterable[Phase], interactive: bool | None = None) -> None:
    """Refuse before anything is packed or paid for when a gate would ask and cannot."""
    if interactive is None:
        interactive = sys.stdin.isatty()
    if asks(phases) and not interactive:
        raise errors.NotConfirmed(
            "the review gate needs a terminal to ask whether to proceed, and there is none; "
            "stopping before anything is packed or sent",
            hint="run it in a terminal, or review the plan (`twostep plan`) and pass --yes")


def dirty_paths(repo: Path, plan: str | None) -> list[str]:
    """Uncommitted paths other than the plan itself (the executor must start from a clean tree)."""
    return [e.path for e in git.status(repo) if e.path != plan]


def require_clean(repo: Path, plan: str | None) -> None:
    dirty = dirty_paths(repo, plan)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise errors.DirtyTree(f"the working tree has uncommitted changes: {shown}",
                               hint="commit or stash them first, or pass --allow-dirty")


def check(phases: list[Phase], recipe: Recipe, *, keys_later: bool = False) -> dict[str, str]:
    """Tools with their versions; raises ToolMissing or MissingCredentials. `keys_later`: the
    verify phase's fix sessions need their key only if verify fails (the fix-round stage
    checks it then): a resume with verify alone left may pass without any key."""
    found = versions(tools_of(phases))
    for tool, version in found.items():
        LOG.detail(f"found {tool}: {version}")
    calling = [p for p in phases if not (keys_later and p.kind is PhaseKind.VERIFY)]
    credentials(roles_called(calling, recipe))
    return found


def require_identity(repo: Path) -> None:
    """A --worktree run ends with a commit: without an author and committer git refuses it, after
    every model call was paid for. Fresh CI runners and containers often have neither."""
    for who in ("AUTHOR", "COMMITTER"):
        proc = git.run("var", f"GIT_{who}_IDENT", cwd=repo)
        if proc.returncode != 0:
            reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise errors.InputError(
                f"--worktree commits the changes, and git has no {who.lower()} identity here"
                + (f" ({reason[-1]})" if reason else ""),
                hint='set one: git config user.name "NAME" && git config user.email "EMAIL" '
                     "(add --global for every repository), or set GIT_AUTHOR_NAME, "
                     "GIT_AUTHOR_EMAIL, GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL")


def stage(tools: list[str], roles: list[tuple[str, str]], *, repo: Path | None,
          plan: str | None, commits: bool = False) -> None:
    """What `twostep preflight` checks in a script: the same tools, keys and clean tree."""
    found = versions([t for t in tools if t != "twostep"])
    for tool, version in found.items():
        LOG.detail(f"found {tool}: {version}")
    credentials(roles)
    if repo is not None:
        require_clean(repo, plan)
    if commits:
        require_identity(git.root())
