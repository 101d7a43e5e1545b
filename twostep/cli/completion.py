"""Shell completion that completes: spec and plan files, recipe names, model CLIs with their
models, and run ids, through click's completion protocol (`_TWOSTEP_COMPLETE=bash_source`).

Completion runs on every Tab: it reads directory listings only and imports nothing heavy.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import BashComplete, CompletionItem, add_completion_class

#: The models each CLI is usually run with (its default first); any other name also works.
MODELS = {"gemini": ("gemini-2.5-pro", "gemini-2.5-flash", "pro", "flash"),
          "claude": ("sonnet", "opus", "haiku", "sonnet[1m]", "opus[1m]"),
          "codex": ("gpt-5.5", "gpt-5")}
_RECIPES = Path(__file__).resolve().parent.parent / "recipe" / "builtins"


def files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Any file: the shell completes the path itself."""
    return [CompletionItem(incomplete, type="file")]


def recipes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The built-in recipes by name, and the recipe files (*.yaml) below the current directory."""
    names = sorted(p.stem for p in _RECIPES.glob("*.yaml"))
    folder = incomplete.rpartition("/")[0]
    here = Path(folder or ".")
    found = sorted(str(p) if folder else p.name for pattern in ("*.yaml", "*.yml")
                   for p in (here.glob(pattern) if here.is_dir() else ()))
    return [CompletionItem(v) for v in (*names, *found) if v.startswith(incomplete)]


def agents(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """CLI or CLI:MODEL."""
    every = [c for cli, models in MODELS.items() for c in (cli, *(f"{cli}:{m}" for m in models))]
    return [CompletionItem(v) for v in every if v.startswith(incomplete)]


def runs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """This repository's run ids, newest first."""
    here = Path.cwd()
    for folder in (here, *here.parents):
        runs_dir = folder / ".twostep" / "runs"
        if runs_dir.is_dir():
            ids = sorted((p.name for p in runs_dir.iterdir() if (p / "manifest.json").is_file()),
                         reverse=True)
            return [CompletionItem(i) for i in ids if i.startswith(incomplete)]
        if (folder / ".git").exists():
            break
    return []


class _Bash(BashComplete):
    """click's bash completion, with the shell's own file completion when twostep has
    nothing to offer (a positional argument, an option's free-form value)."""

    name = "bash"

    def source(self) -> str:
        return super().source().replace("complete -o nosort -F",
                                        "complete -o nosort -o default -F")


def register() -> None:
    """Called by the command line at start-up only when a shell asks for completions."""
    if any(k.startswith("_TWOSTEP_COMPLETE") for k in os.environ):
        add_completion_class(_Bash)
