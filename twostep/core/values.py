"""What a pipeline step is made of: its arguments and its processes.

An argument is a literal string (relative to the repository root), or a value that differs
between the two ways a step is used: a `RunPath` renders as `"$RUN"/name` in the dry-run script
and resolves to `<repo>/.twostep/runs/<id>/name` when executed; an `EnvVar` and `Contents` are
read when the step runs; a `Setting` is a value a person may edit at the top of the script (a
model, a prompt): `"$NAME"` there, its value in the run. The same object serves both, so the
script cannot drift from the run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunPath:
    """A path inside the run directory."""

    rel: str = ""


@dataclass(frozen=True)
class EnvVar:
    """The value of an environment variable when the step runs, named, never copied: the
    first of `names` that is set and non-empty, else `default`. Secrets reach a CLI this way,
    so the dry-run script says `"${CODEX_API_KEY:-${OPENAI_API_KEY:-}}"`, not the key."""

    names: tuple[str, ...]
    default: str = ""


@dataclass(frozen=True)
class Contents:
    """The text of a run-directory file written by an earlier step, stripped (a value only
    known at run time, e.g. the budget left before a call): `"$(cat "$RUN"/name)"`."""

    path: RunPath


@dataclass(frozen=True)
class Setting:
    """A value the script sets once at its top, under `name`, and every step uses by name."""

    name: str
    value: str


@dataclass(frozen=True)
class Length:
    """The length of a setting's value (`"${#NAME}"`): a check that follows an edited prompt."""

    setting: Setting


@dataclass(frozen=True)
class Joined:
    """One word made of literal text and run-time values (a provider table naming a URL)."""

    parts: tuple[str | RunPath | EnvVar | Contents, ...]


Arg = str | RunPath | EnvVar | Contents | Joined | Setting | Length


@dataclass(frozen=True)
class Command:
    """One process: argv, extra environment (non-secret values only), working directory."""

    argv: tuple[Arg, ...]
    env: tuple[tuple[str, Arg], ...] = ()
    cwd: Arg | None = None
    #: Where this process's stderr goes (None: inherited, so the user sees it).
    stderr: Arg | None = None
    #: Exit codes that are not failures (xargs says 123 when an rg found nothing).
    ok_codes: tuple[int, ...] = ()
    #: Other executables it starts (xargs starts rg): preflight finds them too.
    runs: tuple[str, ...] = ()

    @property
    def tool(self) -> str:
        return str(self.argv[0])
