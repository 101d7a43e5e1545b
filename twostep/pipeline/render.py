"""Render pipeline phases as one runnable bash script (the --dry-run output).

Everything is quoted with shlex, so any file name or prompt stays inert; run-directory paths
render as "$RUN"/name. No secret value is ever part of a step, so none can appear here.
"""

from __future__ import annotations

import shlex
from typing import Iterable

from twostep.pipeline.steps import (Arg, Cached, Command, CopyFile, IfNonEmpty, MakeDirs, Phase, Pipe,
                           RemoveTree, RunPath, Step, WriteText)


def arg(value: Arg) -> str:
    if isinstance(value, RunPath):
        return '"$RUN"' + (f"/{shlex.quote(value.rel)}" if value.rel else "")
    return shlex.quote(value)


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


def step_lines(step: Step) -> list[str]:
    if isinstance(step, Pipe):
        return [pipe(step)]
    if isinstance(step, MakeDirs):
        return ["mkdir -p -- " + " ".join(arg(p) for p in step.paths)]
    if isinstance(step, WriteText):
        return [f"printf '%s' {shlex.quote(step.text)} > {arg(step.path)}"]
    if isinstance(step, CopyFile):
        return [f"cp -- {arg(step.src)} {arg(step.dest)}"]
    if isinstance(step, RemoveTree):
        return [f"rm -rf -- {arg(step.path)}"]
    if isinstance(step, IfNonEmpty):
        return [f"if [ -s {arg(step.path)} ]; then", f"  {pipe(step.then)}", "else",
                f"  : > {arg(step.otherwise)}", "fi"]
    if isinstance(step, Cached):
        lines: list[str] = []
        for inner in step.steps:
            lines += [f"# {_title(inner)}"] if _title(inner) else []
            lines += step_lines(inner)
        return lines
    raise TypeError(f"cannot render {step!r}")


def _title(step: Step) -> str:
    return getattr(step, "title", "")


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
            if _title(step):
                lines.append(f"# {_title(step)}")
            lines += step_lines(step)
    return "\n".join(lines) + "\n"
