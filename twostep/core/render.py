"""Render pipeline phases as one runnable bash script (the --dry-run output).

Everything is quoted with shlex, so any file name or prompt stays inert; run-directory paths
render as "$RUN"/name. No secret value is ever part of a step, so none can appear here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from twostep.core.steps import (
    Cached,
    Checks,
    CopyFile,
    ForEach,
    IfNonEmpty,
    MakeDirs,
    Phase,
    Pipe,
    RemoveTree,
    Step,
    Until,
    WriteText,
)
from twostep.core.values import Arg, Command, Contents, EnvVar, Joined, RunPath

_VAR = re.compile(r"@@(\w+)@@")


def _quote(text: str) -> str:
    """shlex quoting, with each loop variable (steps.var) left to bash as "$NAME"."""
    if "@@" not in text:
        return shlex.quote(text)
    parts = _VAR.split(text)
    return "".join(f'"${p.upper()}"' if i % 2 else (shlex.quote(p) if p else "")
                   for i, p in enumerate(parts))


def arg(value: Arg) -> str:
    if isinstance(value, RunPath):
        return '"$RUN"' + (f"/{_quote(value.rel)}" if value.rel else "")
    if isinstance(value, (EnvVar, Contents, Joined)):
        return f'"{_in_quotes(value)}"'
    return _quote(value)


def comment(title: str) -> str:
    """A step's title as a comment line; loop variables read as the shell's ($TASK)."""
    return "# " + _VAR.sub(lambda m: f"${m.group(1).upper()}", title)


def _indent(lines: list[str]) -> list[str]:
    return [f"  {ln}" for ln in lines]


def _nested(steps: Iterable[Step]) -> list[str]:
    lines: list[str] = []
    for inner in steps:
        lines += [comment(inner.title)] if inner.title else []
        lines += step_lines(inner)
    return _indent(lines)


def _in_quotes(value: Arg) -> str:
    """`value` as the inside of a double-quoted bash word: run-time values expand there."""
    if isinstance(value, EnvVar):
        # Quoted again inside ${…}: a ' in the default would otherwise open a quote.
        inner = f'"{value.default.translate(_DQ)}"' if value.default else ""
        for name in reversed(value.names):
            inner = f"${{{name}:-{inner}}}"
        return inner
    if isinstance(value, Contents):
        return f'$(cat "$RUN"/{shlex.quote(value.path.rel)})'
    if isinstance(value, Joined):
        return "".join(_in_quotes(p) for p in value.parts)
    if isinstance(value, RunPath):
        return "$RUN" + (f"/{value.rel.translate(_DQ)}" if value.rel else "")
    return value.translate(_DQ)


#: Inside double quotes only these four stay special.
_DQ = str.maketrans({c: "\\" + c for c in '\\"$`'})


def _command(cmd: Command) -> str:
    words = [f"{k}={arg(v)}" for k, v in cmd.env]
    if cmd.cwd is not None:
        words.append("exec")  # `VAR=x exec cmd` hands VAR to cmd, as the runner's env= does
    words += [arg(a) for a in cmd.argv]
    if cmd.stderr is not None:
        words.append(f"2> {arg(cmd.stderr)}")
    text = " ".join(words)
    if cmd.cwd is not None:
        # A subshell keeps the cd local to this one process, as the runner's cwd= does.
        text = f"(cd {arg(cmd.cwd)} && {text})"
    if cmd.ok_codes:
        codes = "|".join(str(c) for c in cmd.ok_codes)
        text = f"{{ {text} || [[ $? =~ ^({codes})$ ]]; }}"
    return text


def pipe(step: Pipe) -> str:
    parts = [_command(c) for c in step.commands]
    text = " | ".join(parts)
    if step.redirects_stdin:
        text = f"{text} < {arg(step.stdin[0])}"
    elif step.stdin:
        text = f"cat -- {' '.join(arg(s) for s in step.stdin)} | {text}"
    if step.stdout is not None:
        text += f" > {arg(step.stdout)}"
    elif step.to_stderr:
        text += " >&2"
    return text


class _Lines:
    """The renderer: each step as the bash lines that do what the runner does."""

    def pipe(self, step: Pipe) -> list[str]:
        return [pipe(step)]

    def make_dirs(self, step: MakeDirs) -> list[str]:
        return ["mkdir -p -- " + " ".join(arg(p) for p in step.paths)]

    def write_text(self, step: WriteText) -> list[str]:
        return [f"printf '%s' {shlex.quote(step.text)} > {arg(step.path)}"]

    def copy_file(self, step: CopyFile) -> list[str]:
        return [f"cp -- {arg(step.src)} {arg(step.dest)}"]

    def remove_tree(self, step: RemoveTree) -> list[str]:
        return [f"rm -rf -- {arg(step.path)}"]

    def if_non_empty(self, step: IfNonEmpty) -> list[str]:
        return [f"if [ -s {arg(step.path)} ]; then", f"  {pipe(step.then)}", "else",
                f"  : > {arg(step.otherwise)}", "fi"]

    def cached(self, step: Cached) -> list[str]:
        # A script always packs: the cache is an optimisation of `twostep run` only.
        lines: list[str] = []
        for inner in step.steps:
            lines += [f"# {inner.title}"] if inner.title else []
            lines += step_lines(inner)
        return lines

    def for_each(self, step: ForEach) -> list[str]:
        name = step.var.upper()
        return [f'for {name} in $(seq 1 "$(wc -l < {arg(step.count)})"); do',
                *_nested(step.body), "done"]

    def until(self, step: Until) -> list[str]:
        name = step.var.upper()
        last = step.first + step.tries - 1
        return [f"for {name} in $(seq {step.first} {last}); do", *_nested(step.body),
                f'  [ "$(cat -- {arg(step.status)})" = again ] || break', *_nested(step.then),
                "done"]

    def checks(self, step: Checks) -> list[str]:
        out = arg(step.output)
        lines = [f": > {out}", f"echo 0 > {arg(step.failed)}"]
        for i, cmd in enumerate(step.commands, 1):
            keyword = "if" if i == 1 else "elif"
            lines += [f"{keyword} ! {_command(cmd)} >> {out} 2>&1; then",
                      f"  echo {i} > {arg(step.failed)}"]
        return [*lines, "fi"] if step.commands else lines


_LINES = _Lines()


def step_lines(step: Step) -> list[str]:
    return step.accept(_LINES)


@dataclass(frozen=True)
class Isolation:
    """--worktree: steps in the repository, the directory the phases run in, steps there after
    them, and steps back in the repository (pipeline/worktree.py)."""

    setup: tuple[Step, ...]
    workdir: Arg
    finish: tuple[Step, ...]
    teardown: tuple[Step, ...]


def _steps(steps: Iterable[Step]) -> list[str]:
    lines: list[str] = []
    for step in steps:
        lines += [f"# {step.title}"] if step.title else []
        lines += step_lines(step)
    return lines


def script(phases: Iterable[Phase], header: Iterable[str], run_id_expr: str,
           prologue: Iterable[Step] = (), isolation: Isolation | None = None) -> str:
    """The whole script: header comments, strict mode, the checks that come before anything
    is written (`prologue`), the run directory, then each phase (in a worktree, with
    `isolation`)."""
    lines = ["#!/usr/bin/env bash"]
    lines += [f"# {h}" if h else "#" for h in header]
    lines += [
        "set -euo pipefail",
        "# Run it from anywhere inside the repository; twostep must be on PATH.",
        'cd "$(git rev-parse --show-toplevel)"',
        "command -v twostep >/dev/null || { echo 'twostep is not on PATH' >&2; exit 127; }",
    ]
    lines += _steps(prologue)
    lines += [
        f'RUN="$PWD/.twostep/runs/{run_id_expr}"',
        'mkdir -p -- "$RUN"',
        "# .twostep/ keeps itself out of git; no tracked file is edited for that.",
        "printf '*\\n' > .twostep/.gitignore",
    ]
    if isolation is not None:
        lines += ["", "# === worktree: the run happens on its own branch", 'TOP="$PWD"']
        lines += [*_steps(isolation.setup), f"cd -- {arg(isolation.workdir)}"]
    for phase in phases:
        lines += ["", f"# === {phase.name}: {phase.title}"]
        lines += [f"# {note}" for note in phase.notes]
        for step in phase.steps:
            if step.title:
                lines.append(comment(step.title))
            lines += step_lines(step)
    if isolation is not None:
        lines += ["", "# === commit: the executor's changes, on the branch"]
        lines += [*_steps(isolation.finish), 'cd -- "$TOP"', *_steps(isolation.teardown)]
    return "\n".join(lines) + "\n"
