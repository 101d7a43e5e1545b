"""The review gate between plan and execute: proceed, view the whole plan in $PAGER, list the
files that will be sent to the executor, edit the plan in $EDITOR, or abort.

It never hangs a script: without a terminal it stops at once and names --yes (and `run` refuses
even earlier, before anything is packed: preflight.require_terminal). On a terminal one key
answers, without Enter. The question carries the run's estimated cost: what was spent so far
and the executor calls the plan's tasks will make (core/preview.py).
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import subprocess
import sys
import termios
import tty
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from twostep import planfiles
from twostep.core import preview
from twostep.core.recipe import Recipe
from twostep.errors import InputError, NotConfirmed
from twostep.tasks import split_plan

#: What the executor will be sent, as (heading, paths): computed only when asked.
Sends = Callable[[], tuple[str, list[str]]]

CHOICES = "[y]es / [v]iew it / [f]iles sent / [e]dit / [a]bort: "
PROMPT = f"Proceed with this plan? {CHOICES}"


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


def one_key(prompt: str) -> str:
    """A key pressed on the terminal, without Enter (the line's rest, if typed, is dropped)."""
    try:
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):
        return input(prompt)
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW: keys typed ahead are kept
        key = "\n"
        while key in "\r\n":
            key = os.read(fd, 1).decode("utf-8", "replace") or "a"  # end of input: abort
        # Enter pressed after the key (or typed ahead with it) belongs to this answer.
        while select.select([fd], [], [], 0)[0]:
            if os.read(fd, 1) in (b"\n", b"\r", b""):
                break
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
    sys.stderr.write(key + "\n")
    return key


def review(plan: Path, *, ask: Callable[[str], str] | None = None, out: TextIO | None = None,
           interactive: bool | None = None, sends: Sends | None = None,
           estimate: list[str] | None = None) -> None:
    """Ask on the terminal; raise NotConfirmed on abort or when there is no terminal.
    `estimate`: the question, then a line of whose prices (see `estimated`)."""
    out = out or sys.stderr
    if not plan.is_file():
        raise InputError(f"{plan}: no such plan file", hint="run `twostep plan` first")
    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        raise NotConfirmed("the review gate needs a terminal to ask whether to proceed",
                           hint="review the plan, then pass --yes to run without asking")
    ask = ask or one_key
    print(_summary(plan), file=out)
    question = PROMPT
    if estimate:
        print(estimate[1], file=out)
        question = f"{estimate[0]} {CHOICES}"
    while True:
        try:
            answer = ask(question).strip().lower()
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


def estimated(plan: Path, recipe: Recipe, repo: Path, sends: Sends, spent: float) -> list[str]:
    """"This run is estimated at $A–$B; proceed?" and whose prices: what the run spent so far,
    and a session per task of the plan (and each fix round), each sent the plan and the files
    the executor gets (a task's own share of them at the least, all of them at the most)."""
    text = plan.read_text(encoding="utf-8", errors="replace")
    tasks = 1 if recipe.execute_by.value == "plan" else max(1, len(split_plan(text).tasks))
    _, paths = sends()
    sizes = sum((repo / p).stat().st_size for p in paths if (repo / p).is_file())
    # About 4 bytes a token: an estimate, as the range is.
    plan_tokens, file_tokens = len(text) // 4, sizes // 4
    execute = preview.executor(recipe.executor, (plan_tokens + file_tokens // tasks,
                                                 plan_tokens + file_tokens),
                               (tasks, tasks + recipe.fix_rounds))
    total = execute + preview.Range(spent, spent)
    source = preview.lines(recipe, None, execute, assumed="")[1]
    return [f"This run is estimated at {total} (${spent:.2f} spent so far; {tasks} task(s), "
            f"up to {recipe.fix_rounds} fix round(s)); proceed?", source]
