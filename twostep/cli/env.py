"""What a command reads besides its arguments: its Env (pipeline/inprocess.py), which the
group makes from the process, or `twostep run` gives an in-process stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from twostep.pipeline.inprocess import Env

#: Hands a command its Env (`twostep run` gives its in-process stages theirs).
pass_env = click.make_pass_decorator(Env)


class InPath(click.Path):
    """A path operand relative to the command's working directory (Env.cwd), which in-process
    is not the process's."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        env = ctx.find_object(Env) if ctx is not None else None
        if env is not None and isinstance(value, str):
            value = str(env.cwd / value)  # an absolute value stays as it is
        return super().convert(value, param, ctx)


def path(**kwargs: Any) -> InPath:
    return InPath(path_type=Path, **kwargs)


def root(env: Env) -> Path:
    """The repository around the command's working directory."""
    from twostep.tools import git

    return git.root(env.cwd)
