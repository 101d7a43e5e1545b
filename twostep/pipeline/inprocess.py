"""Run twostep's own stages inside `twostep run` instead of as a new Python process each.

The dry-run script calls `twostep STAGE ARGS`; `twostep run` calls the very same command
function, in this process, with the same arguments, stdin and stdout files and working
directory, so the two cannot differ, and the run saves a Python start-up (~0.15 s) per stage.
The command line registers the entry point (`STAGE`): the core never imports click.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

#: cli/__init__.py sets it: (argv after `twostep`) -> exit code, as the process would exit.
STAGE: Callable[[list[str]], int] | None = None
#: TWOSTEP_IN_PROCESS=0 runs every stage as its own process (to compare, or to debug).
ENABLED = os.environ.get("TWOSTEP_IN_PROCESS", "1") != "0"


def available() -> bool:
    return STAGE is not None and ENABLED


@contextlib.contextmanager
def _redirected(cwd: Path, stdin: Path | None, stdout: Path | None) -> Iterator[None]:
    saved = (sys.stdin, sys.stdout, os.getcwd())
    with contextlib.ExitStack() as stack:
        if stdin is not None:
            sys.stdin = stack.enter_context(
                io.TextIOWrapper(open(stdin, "rb"), encoding="utf-8"))  # noqa: SIM115
        if stdout is not None:
            sys.stdout = stack.enter_context(
                io.TextIOWrapper(open(stdout, "wb"), encoding="utf-8"))  # noqa: SIM115
        os.chdir(cwd)
        try:
            yield
            sys.stdout.flush()
        finally:
            sys.stdin, sys.stdout = saved[0], saved[1]
            os.chdir(saved[2])


def run(args: list[str], *, cwd: Path, stdin: Path | None, stdout: Path | None) -> int:
    """The stage's exit code; its messages go to stderr as the process's would."""
    assert STAGE is not None
    verbosity = os.environ.get("TWOSTEP_VERBOSITY")
    with _redirected(cwd, stdin, stdout):
        try:
            return STAGE(args)
        finally:
            if verbosity is not None:  # the stage's group callback sets it again
                os.environ["TWOSTEP_VERBOSITY"] = verbosity
