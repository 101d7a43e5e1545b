"""Run twostep's own stages inside `twostep run` instead of as a new Python process each.

The dry-run script calls `twostep STAGE ARGS`; `twostep run` calls the very same command, in
this process, with the same arguments, and gives it an `Env` that holds what the process would
have had (its stdin and stdout files, working directory and environment), so the two cannot
differ and the run saves a Python start-up (~0.15 s) per stage. Nothing process-wide changes:
the stage reads its Env. The command line hands the runner its entry point (`Stage`): the
engine never imports click.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

#: TWOSTEP_IN_PROCESS=0 runs every stage as its own process (to compare, or to debug).
ENABLED = os.environ.get("TWOSTEP_IN_PROCESS", "1") != "0"


@dataclass(frozen=True)
class Env:
    """What a stage reads and writes besides its arguments (as httpie's Environment)."""

    stdin: BinaryIO
    stdout: BinaryIO
    cwd: Path
    environ: Mapping[str, str]

    @classmethod
    def of_process(cls) -> Env:
        """The process's own; a closed stdin or stdout (None in sys) reads or takes nothing."""
        return cls(sys.stdin.buffer if sys.stdin else Path(os.devnull).open("rb"),
                   sys.stdout.buffer if sys.stdout else Path(os.devnull).open("wb"),
                   Path.cwd(), os.environ)

    def write(self, text: str) -> None:
        self.stdout.write(text.encode("utf-8", "surrogateescape"))
        self.stdout.flush()


#: (argv after `twostep`, env) -> the exit code `twostep ARGS` would exit with.
Stage = Callable[[list[str], Env], int]


def run(stage: Stage, args: list[str], *, cwd: Path, stdin: Path | None, stdout: Path | None,
        interactive: bool) -> int:
    """The stage's exit code; its messages go to stderr as the process's would. Without a
    stdin file it reads nothing (as a process given /dev/null) unless it asks the terminal."""
    with contextlib.ExitStack() as files:
        if stdin is not None:
            source: BinaryIO = files.enter_context(stdin.open("rb"))
        elif interactive:
            source = sys.stdin.buffer
        else:
            source = files.enter_context(Path(os.devnull).open("rb"))
        sink = files.enter_context(stdout.open("wb")) if stdout is not None else sys.stdout.buffer
        return stage(args, Env(source, sink, cwd, os.environ))
