"""The pipeline model: every step is data, executed by runner.py and rendered by render.py.

Paths that live in the run directory are `RunPath`s. They render as `"$RUN"/name` in the
dry-run script and resolve to `<repo>/.twostep/runs/<id>/name` when executed, so the same
object serves both. Plain strings are literal arguments, relative to the repository root.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class RunPath:
    """A path inside the run directory."""

    rel: str = ""


Arg = Union[str, RunPath]


@dataclass(frozen=True)
class Command:
    """One process: argv, extra environment (non-secret values only), working directory."""

    argv: tuple[Arg, ...]
    env: tuple[tuple[str, Arg], ...] = ()
    cwd: Arg | None = None
    #: Where this process's stderr goes (None: inherited, so the user sees it).
    stderr: Arg | None = None

    @property
    def tool(self) -> str:
        return str(self.argv[0])


@dataclass(frozen=True)
class Pipe:
    """Commands joined by `|`. `stdin` files are concatenated into the first command, which
    is how complete files reach the model CLIs (never a slow producer: CLI-FACTS 1.2, 2.2)."""

    name: str
    title: str
    commands: tuple[Command, ...]
    stdin: tuple[Arg, ...] = ()
    stdout: Arg | None = None
    #: Which failure to report: "step", "planner", "executor", "verify" (see errors.py).
    role: str = "step"
    timeout: float | None = None
    #: True for `twostep` sub-commands, which print their own error before exiting.
    self_reporting: bool = False
    #: Keep the terminal as stdin (the review gate reads the user's answer).
    interactive: bool = False
    #: Send stdout to stderr: verify output is progress for a person, not data.
    to_stderr: bool = False

    @property
    def redirects_stdin(self) -> bool:
        """One file into one process in the repository: `cmd < file`; else `cat -- files | …`.
        Both the renderer and the runner ask this, so the script feeds stdin as the run does."""
        return len(self.stdin) == 1 and len(self.commands) == 1 and self.commands[0].cwd is None


@dataclass(frozen=True)
class MakeDirs:
    name: str
    paths: tuple[Arg, ...]
    title: str = ""


@dataclass(frozen=True)
class WriteText:
    """Write literal text to a file (settings, the spec given on stdin)."""

    name: str
    path: Arg
    text: str
    title: str = ""


@dataclass(frozen=True)
class CopyFile:
    name: str
    src: Arg
    dest: Arg
    title: str = ""


@dataclass(frozen=True)
class RemoveTree:
    name: str
    path: Arg
    title: str = ""


@dataclass(frozen=True)
class IfNonEmpty:
    """Run `then` when `path` is a non-empty file, otherwise create `otherwise` empty.

    Used for the plan-files pack: a plan that only creates files names nothing to pack.
    """

    name: str
    path: Arg
    then: Pipe
    otherwise: Arg
    title: str = ""


@dataclass(frozen=True)
class Cached:
    """Steps whose `outputs` depend only on the selected files: `twostep run` reuses them from
    .twostep/cache when the key (pathspecs, flags, file identities) matches. Rendered as the
    plain steps, since a script always packs."""

    name: str
    pathspecs: tuple[str, ...]
    flags: tuple[str, ...]
    outputs: tuple[RunPath, ...]
    steps: tuple = ()
    title: str = ""


Step = Union[Pipe, MakeDirs, WriteText, CopyFile, RemoveTree, IfNonEmpty, Cached]


@dataclass(frozen=True)
class Phase:
    """A titled group of steps (pack, plan, review, execute, verify): a unit of resume."""

    name: str
    title: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = field(default=())


def twostep(*args: Arg, name: str, title: str, stdout: Arg | None = None,
            stdin: tuple[Arg, ...] = (), interactive: bool = False) -> Pipe:
    """A stage that is twostep itself (a filter or check), called the same way from bash."""
    return Pipe(name, title, (Command(("twostep", *args)),), stdin=stdin, stdout=stdout,
                self_reporting=True, interactive=interactive)
