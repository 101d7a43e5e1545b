"""Render pipeline phases as one runnable bash script (the --dry-run output).

Everything is quoted with shlex, so any file name or prompt stays inert; run-directory paths
render as "$RUN"/name. No secret value is ever part of a step, so none can appear here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from twostep.pipeline.steps import (
    Arg,
    Cached,
    Checks,
    Command,
    CopyFile,
    ForEach,
    IfNonEmpty,
    MakeDirs,
    Phase,
    Pipe,
    RemoveTree,
    RunPath,
    Step,
    Until,
    WriteText,
)

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


def script(phases: Iterable[Phase], header: Iterable[str], run_id_expr: str) -> str:
    """The whole script: header comments, strict mode, the run directory, then each phase."""
    lines = ["#!/usr/bin/env bash"]
    lines += [f"# {h}" if h else "#" for h in header]
    lines += [
        "set -euo pipefail",
        "# Run it from anywhere inside the repository; twostep must be on PATH.",
        'cd "$(git rev-parse --show-toplevel)"',
        "command -v twostep >/dev/null || { echo 'twostep is not on PATH' >&2; exit 127; }",
        f'RUN="$PWD/.twostep/runs/{run_id_expr}"',
        'mkdir -p -- "$RUN"',
        "# .twostep/ keeps itself out of git; no tracked file is edited for that.",
        "printf '*\\n' > .twostep/.gitignore",
    ]
    for phase in phases:
        lines += ["", f"# === {phase.name}: {phase.title}"]
        lines += [f"# {note}" for note in phase.notes]
        for step in phase.steps:
            if step.title:
                lines.append(comment(step.title))
            lines += step_lines(step)
    return "\n".join(lines) + "\n"
