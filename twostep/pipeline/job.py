"""A Job: what one run does. Built from command-line arguments: the recipe, a readable
non-empty spec, the plan path."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from twostep.core.recipe import Recipe
from twostep.core.values import RunPath
from twostep.errors import InputError
from twostep.recipe import load as recipes


@dataclass(frozen=True)
class Job:
    """What one run does: the recipe, where the spec comes from, and the user's switches."""

    recipe: Recipe
    spec_path: str | None = None      # a file, relative to the repo root or absolute
    spec_text: str | None = None      # the spec read from stdin (--spec -)
    plan_path: str | RunPath = "AI-PLAN.md"
    yes: bool = False
    #: The planner's slice in the large strategy (pathspecs): the whole codebase when it fits.
    slice: tuple[str, ...] = ()
    #: Large strategy: build the planner's input in tiers (False: the whole codebase fits).
    tiers: bool = True
    #: The recipe slice's real size when repomix had to count it (pipeline/plannerview.py).
    floor_tokens: int | None = None


def read_spec_stdin(stream: BinaryIO | None = None) -> str:
    stream = stream or sys.stdin.buffer
    if hasattr(stream, "isatty") and stream.isatty():
        raise InputError("--spec - reads the spec from stdin, but stdin is a terminal",
                         hint="pipe it in: twostep run RECIPE --spec - < spec.md")
    text = stream.read().decode("utf-8", errors="replace")
    if not text.strip():
        raise InputError("the spec on stdin is empty", hint="pipe a non-empty spec into --spec -")
    return text


def check_spec_file(spec: str) -> str:
    path = Path(spec).expanduser()
    if not path.is_file():
        raise InputError(f"{spec}: no such spec file",
                         hint="pass --spec FILE, or --spec - for stdin")
    if path.stat().st_size == 0 or not path.read_bytes()[:1 << 20].strip():
        raise InputError(f"{spec}: the spec is empty", hint="write what you want built into it")
    return str(path.resolve())


def plan_arg(repo: Path, value: str | None, default: str) -> str | RunPath:
    """Where the plan goes: repo-relative when inside the repository; `-` keeps it in the run."""
    if value is None:
        return default
    if value == "-":
        return RunPath("plan.md")
    path = Path(value).expanduser().resolve()
    try:
        return str(path.relative_to(repo))
    except ValueError:
        return str(path)


def make(repo: Path, recipe_arg: str, *, spec: str | None, plan: str | None = None,
         yes: bool = False, need_spec: bool = True) -> Job:
    recipe = recipes.load(recipe_arg, cwd=Path.cwd())
    spec_text = spec_path = None
    if spec == "-":
        spec_text = read_spec_stdin()
    elif spec is not None:
        spec_path = check_spec_file(spec)
    elif need_spec:
        raise InputError("no spec given", hint="pass --spec FILE (or --spec - to read stdin)")
    return Job(recipe, spec_path, spec_text, plan_arg(repo, plan, recipe.plan), yes)


def existing_plan(repo: Path, plan: str | RunPath) -> None:
    path = repo / plan if isinstance(plan, str) else None
    if path is not None and not path.is_file():
        raise InputError(f"{plan}: no such plan file",
                         hint="write one with `twostep plan`, or pass --plan FILE")
    if path is not None and not path.read_text(encoding="utf-8", errors="replace").strip():
        raise InputError(f"{plan}: the plan is empty")

