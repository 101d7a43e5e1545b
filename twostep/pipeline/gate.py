"""The review gate between plan and execute: proceed, view the whole plan in $PAGER, list the
files that will be sent to the executor, edit the plan in $EDITOR, or abort.

It never hangs a script: without a terminal it stops at once and names --yes (and `run` refuses
even earlier, before anything is packed: preflight.require_terminal).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from twostep import planfiles
from twostep.errors import InputError, NotConfirmed

#: What the executor will be sent, as (heading, paths): computed only when asked.
Sends = Callable[[], tuple[str, list[str]]]

PROMPT = "Proceed with this plan? [y]es / [v]iew it / [f]iles sent / [e]dit / [a]bort: "


def _summary(plan: Path) -> str:
    text = plan.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    head = "\n".join(f"  | {ln}" for ln in lines[:12])
    more = f"\n  | … ({len(lines) - 12} more lines; [v] shows them all)" if len(lines) > 12 else ""
    return f"Plan {plan} ({len(lines)} lines):\n{head}{more}"


def _run_program(variable: tuple[str, ...], default: str, plan: Path) -> None:
    program = next((os.environ[v] for v in variable if os.environ.get(v)), default)
    try:
        subprocess.run([*shlex.split(program), str(plan)], check=False)
    except FileNotFoundError:
        print(f"twostep: {program!r} not found; set ${variable[-1]}", file=sys.stderr)


def _edit(plan: Path) -> None:
    _run_program(("VISUAL", "EDITOR"), "vi", plan)


def _view(plan: Path) -> None:
    _run_program(("PAGER",), "less", plan)


def _files(sends: Sends | None, out: TextIO) -> None:
    if sends is None:
        print("The files sent are not known here (run the gate through `twostep run`).", file=out)
        return
    heading, paths = sends()
    print(f"{heading} ({len(paths)} file(s)):", file=out)
    for path in paths:
        print(f"  {path}", file=out)


def review(plan: Path, *, ask: Callable[[str], str] | None = None, out: TextIO | None = None,
           interactive: bool | None = None, sends: Sends | None = None) -> None:
    """Ask on the terminal; raise NotConfirmed on abort or when there is no terminal."""
    out = out or sys.stderr
    if not plan.is_file():
        raise InputError(f"{plan}: no such plan file", hint="run `twostep plan` first")
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        raise NotConfirmed("the review gate needs a terminal to ask whether to proceed",
                           hint="review the plan, then pass --yes to run without asking")
    ask = ask or input
    print(_summary(plan), file=out)
    while True:
        try:
            answer = ask(PROMPT).strip().lower()
        except EOFError:
            answer = "a"
        if answer in ("y", "yes", "p", "proceed"):
            return
        if answer in ("v", "view"):
            _view(plan)
        elif answer in ("f", "files"):
            _files(sends, out)
        elif answer in ("e", "edit"):
            _edit(plan)
            print(_summary(plan), file=out)
        elif answer in ("a", "abort", "n", "no", "q"):
            raise NotConfirmed(f"aborted at the review gate; {plan} is kept",
                               hint="resume later with `twostep resume`")
        else:
            print("Please answer y, v, f, e or a.", file=out)


def plan_files(plan: Path, patterns: tuple[str, ...], repo: Path) -> Sends:
    """The medium and large strategies send the tracked files the plan names."""
    def sends() -> tuple[str, list[str]]:
        text = plan.read_text(encoding="utf-8", errors="replace")
        found = planfiles.resolve(text, planfiles.RepoView.from_git(str(repo)), patterns=patterns)
        return "the executor gets the plan and the files it names", list(found.files)
    return sends


def pack_listing(listing: Path) -> Sends:
    """The small strategy sends the whole codebase pack: its NUL-separated file listing."""
    def sends() -> tuple[str, list[str]]:
        names = listing.read_bytes().decode("utf-8", "replace").replace("\n", "\0").split("\0")
        return "the executor gets the plan and the whole codebase pack", [n for n in names if n]
    return sends
