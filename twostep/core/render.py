"""Render pipeline phases as one runnable bash script (the --dry-run output).

Every word is quoted so that any file name or prompt stays inert, in the most readable form
that is exactly as safe (`word`); run-directory paths render as "$RUN"/name. The settings a
person may edit (models, prompts, the verify commands) are set once at the top and used by
name below. No secret value is ever part of a step, so none can appear here.
"""

from __future__ import annotations

import dataclasses
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
    Waves,
    WriteText,
    walk,
)
from twostep.core.values import Arg, Command, Contents, EnvVar, Joined, Length, RunPath, Setting

_VAR = re.compile(r"@@(\w+)@@")


def word(text: str) -> str:
    """`text` as one inert word: bare when safe, '…' without a ' inside, "…" when it holds a '
    but nothing double quotes expand, shlex's '…'"'"'…' only when it holds both kinds."""
    if "'" in text and not any(c in text for c in '"$`\\!'):
        return f'"{text}"'
    return shlex.quote(text)


def _quote(text: str) -> str:
    """`word`, with each loop variable (steps.var) left to bash as "$NAME"."""
    if "@@" not in text:
        return word(text)
    parts = _VAR.split(text)
    return "".join(f'"${p.upper()}"' if i % 2 else (word(p) if p else "")
                   for i, p in enumerate(parts))


def arg(value: Arg) -> str:
    if isinstance(value, RunPath):
        return '"$RUN"' + (f"/{_quote(value.rel)}" if value.rel else "")
    if isinstance(value, Setting):
        return f'"${value.name}"'
    if isinstance(value, Length):
        return f'"${{#{value.setting.name}}}"'
    if isinstance(value, (EnvVar, Contents, Joined)):
        return f'"{_in_quotes(value)}"'
    return _quote(value)


def comment(title: str) -> str:
    """A step's title as a comment line; loop variables read as the shell's ($TASK)."""
    return "# " + _VAR.sub(lambda m: f"${m.group(1).upper()}", title)


def _steps(steps: Iterable[Step]) -> list[str]:
    """Each step's lines, after its title as a comment."""
    lines: list[str] = []
    for step in steps:
        lines += [comment(step.title)] if step.title else []
        lines += step_lines(step)
    return lines


def _nested(steps: Iterable[Step]) -> list[str]:
    return [f"  {ln}" for ln in _steps(steps)]


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
    if isinstance(value, Setting | Length):
        return arg(value)[1:-1]
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
    return text


class _Lines:
    """The renderer: each step as the bash lines that do what the runner does."""

    def pipe(self, step: Pipe) -> list[str]:
        return [pipe(step)]

    def make_dirs(self, step: MakeDirs) -> list[str]:
        return ["mkdir -p -- " + " ".join(arg(p) for p in step.paths)]

    def write_text(self, step: WriteText) -> list[str]:
        return [f"printf '%s' {word(step.text)} > {arg(step.path)}"]

    def copy_file(self, step: CopyFile) -> list[str]:
        return [f"cp -- {arg(step.src)} {arg(step.dest)}"]

    def remove_tree(self, step: RemoveTree) -> list[str]:
        return [f"rm -rf -- {arg(step.path)}"]

    def if_non_empty(self, step: IfNonEmpty) -> list[str]:
        return [f"if [ -s {arg(step.path)} ]; then", f"  {pipe(step.then)}", "else",
                f"  : > {arg(step.otherwise)}", "fi"]

    def cached(self, step: Cached) -> list[str]:
        # A script always packs: the cache is an optimisation of `twostep run` only.
        return _steps(step.steps)

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

    def waves(self, step: Waves) -> list[str]:
        # Each task of a group is a background job in its own worktree; `wait` collects their
        # exit codes (a failed one stops the script after the merge, as the run does).
        name, groups = step.var.upper(), arg(step.groups)
        side = [*_steps(step.start), "(", f"  cd -- {arg(step.tree)}", *_nested(step.side),
                ") &", 'PIDS="$PIDS $!"']
        return [f'for WAVE in $(seq 1 "$(wc -l < {groups})"); do',
                f'  TASKS=$(sed -n "${{WAVE}}p" {groups})', "  PIDS=",
                '  if [ "$(wc -w <<< "$TASKS")" -gt 1 ]; then',
                f"    for {name} in $TASKS; do", *(f"      {ln}" for ln in side),
                "    done", "  fi", "  FAILED=0",
                '  for PID in $PIDS; do wait "$PID" || FAILED=$?; done',
                *_nested((step.merge,)), '  [ "$FAILED" = 0 ] || exit "$FAILED"',
                f"  for {name} in $(cat -- {arg(step.alone_list)}); do",
                *(f"  {ln}" for ln in _nested(step.alone)), "  done", "done"]

    def checks(self, step: Checks) -> list[str]:
        # verify() is defined with the settings: its status is the failing command's number.
        failed = arg(step.failed)
        return [f"{VERIFY} > {arg(step.output)} 2>&1 && echo 0 > {failed} || echo $? > {failed}"]


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


VERIFY = "verify"


def _settings(obj: object, found: dict[str, Setting]) -> None:
    """Every Setting anywhere in `obj` (steps, phases, their arguments), by name."""
    if isinstance(obj, Setting):
        if found.setdefault(obj.name, obj) != obj:
            raise ValueError(f"two values for the setting {obj.name}")
    elif isinstance(obj, tuple | list):
        for item in obj:
            _settings(item, found)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _settings(getattr(obj, f.name), found)


def _assign(setting: Setting) -> list[str]:
    """`NAME=value`; a value of several lines as a quoted here-document, byte for byte."""
    name, value = setting.name, setting.value
    if "\n" not in value:
        return [f"{name}={word(value)}"]
    lines = value.removesuffix("\n").split("\n")
    tag = "PROMPT"
    while tag in lines:
        tag += "_"
    trim = [] if value.endswith("\n") else [f"{name}=${{{name}%$'\\n'}}"]
    return [f"IFS= read -r -d '' {name} <<'{tag}' || true", *lines, tag, *trim]


def settings_block(steps: Iterable[Step]) -> list[str]:
    """What a person may edit, set once: the Settings the steps use, the verify commands."""
    found: dict[str, Setting] = {}
    steps = tuple(steps)
    _settings(steps, found)
    checks = {s.commands for s in walk(steps) if isinstance(s, Checks)}
    if not found and not checks:
        return []
    lines = ["", "# === settings: the models, prompts and checks the steps below use; edit them"]
    for setting in sorted(found.values(), key=lambda s: "\n" in s.value):  # one-line ones first
        lines += _assign(setting)
    for commands in checks:
        lines += ["# the recipe's checks, in order: the status is the number of the first that "
                  "fails", f"{VERIFY}() {{",
                  *(f"  {_command(c)} || return {i}" for i, c in enumerate(commands, 1)), "}"]
    return lines


def script(phases: Iterable[Phase], header: Iterable[str], run_id_expr: str,
           prologue: Iterable[Step] = (), isolation: Isolation | None = None,
           begin: Pipe | None = None, end: Pipe | None = None) -> str:
    """The whole script: header comments, strict mode, the settings, the checks that come
    before anything is written (`prologue`), the run directory, `begin` (which records the
    run) with `end` as its EXIT trap, then each phase (in a worktree, with `isolation`)."""
    phases, prologue = list(phases), tuple(prologue)
    every = [*prologue, *(s for p in phases for s in p.steps)]
    if isolation is not None:
        every += [*isolation.setup, *isolation.finish, *isolation.teardown]
    lines = ["#!/usr/bin/env bash"]
    lines += [f"# {h}" if h else "#" for h in header]
    lines += ["set -euo pipefail", *settings_block(every), "",
              "# Run it from anywhere inside the repository; twostep must be on PATH.",
              'cd "$(git rev-parse --show-toplevel)"',
              "command -v twostep >/dev/null || { echo 'twostep is not on PATH' >&2; exit 127; }"]
    lines += _steps(prologue)
    lines += [
        f'RUN="$PWD/.twostep/runs/{run_id_expr}"',
        'mkdir -p -- "$RUN"',
        "# .twostep/ keeps itself out of git; no tracked file is edited for that.",
        "printf '*\\n' > .twostep/.gitignore",
    ]
    if begin is not None:
        lines += _steps((begin,))
    if end is not None:  # its exit code is the script's: `twostep end` records how it ended
        lines += [comment(end.title), f"trap '{' '.join(step_lines(end))} \"$?\"' EXIT"]
    if isolation is not None:
        lines += ["", "# === worktree: the run happens on its own branch", 'TOP="$PWD"']
        lines += [*_steps(isolation.setup), f"cd -- {arg(isolation.workdir)}"]
    for phase in phases:
        lines += ["", f"# === {phase.name}: {phase.title}"]
        lines += [f"# {note}" for note in phase.notes]
        lines += _steps(phase.steps)
    if isolation is not None:
        lines += ["", "# === commit: the executor's changes, on the branch"]
        lines += [*_steps(isolation.finish), 'cd -- "$TOP"', *_steps(isolation.teardown)]
    return "\n".join(lines) + "\n"
