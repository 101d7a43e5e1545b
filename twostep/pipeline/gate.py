"""The review gate between plan and execute: proceed, edit the plan in $EDITOR, or abort.

It never hangs a script: without a terminal it stops at once and names --yes.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from twostep.errors import InputError, NotConfirmed


def _summary(plan: Path) -> str:
    text = plan.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    head = "\n".join(f"  | {ln}" for ln in lines[:12])
    more = f"\n  | … ({len(lines) - 12} more lines)" if len(lines) > 12 else ""
    return f"Plan {plan} ({len(lines)} lines):\n{head}{more}"


def _edit(plan: Path) -> None:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*shlex.split(editor), str(plan)], check=False)
    except FileNotFoundError:
        print(f"twostep: editor {editor!r} not found; set $EDITOR", file=sys.stderr)


def review(plan: Path, *, ask: Callable[[str], str] | None = None, out: TextIO | None = None,
           interactive: bool | None = None) -> None:
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
            answer = ask("Proceed with this plan? [y]es / [e]dit / [a]bort: ").strip().lower()
        except EOFError:
            answer = "a"
        if answer in ("y", "yes", "p", "proceed"):
            return
        if answer in ("e", "edit"):
            _edit(plan)
            print(_summary(plan), file=out)
            continue
        if answer in ("a", "abort", "n", "no", "q"):
            raise NotConfirmed(f"aborted at the review gate; {plan} is kept",
                               hint="resume later with `twostep resume`")
        print("Please answer y, e or a.", file=out)
