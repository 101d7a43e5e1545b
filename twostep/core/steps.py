"""The pipeline model: every step is data, executed by runner.py and rendered by render.py.

A step's arguments and processes (core/values.py) render as the script's words and resolve
to the run's, so the same object serves both.

Each step type answers `accept(visitor)`, so the runner and the renderer are two visitors
and no code switches on step types; `walk()` reaches every nested step (preflight uses it to
find every tool). What the rest of twostep must know about a step travels with it: the
failure it raises (`Pipe.role`), what the manifest learns when it succeeds (`learns`),
whether resume keeps it done when its phase is retried (`keep_on_retry`), and whether it
runs again on every resume (`every_time`). A step's `name` only identifies it in the
manifest: no behaviour depends on its spelling.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum, Flag, auto
from typing import Generic, Protocol, TypeVar

from twostep.core.values import Arg, Command, RunPath

T = TypeVar("T", covariant=True)


class Role(str, Enum):
    """Which failure a failing process is (errors.py maps each to its exit code)."""

    STEP = "step"
    PLANNER = "planner"
    EXECUTOR = "executor"


class Learns(Flag):
    """What the manifest records once a step succeeds (pipeline/record.py); a stage that does
    several things may teach several."""

    NOTHING = 0
    PACK = auto()              # a repomix summary: tokens, files, secret-scan exclusions
    SENT_TO_PLANNER = auto()   # the files about to go to the planner's vendor
    SENT_TO_EXECUTOR = auto()  # the files about to go to the executor's vendor
    PLAN = auto()              # the accepted plan: the commit it was written against
    USAGE = auto()             # a model call's tokens and cost (<step>.usage.json files)
    TIERS = auto()             # the large strategy's tiers (tiers.json): which file where
    PROGRESS = auto()          # task results and fix rounds, from their files in the run


class PhaseKind(str, Enum):
    PREPARE = "prepare"
    PACK = "pack"
    PLAN = "plan"
    REVIEW = "review"
    EXECUTE = "execute"
    VERIFY = "verify"
    COMMIT = "commit"  # --worktree: the changes committed on the run's branch


class StepVisitor(Protocol, Generic[T]):
    """What runs or renders steps: one method per step type."""

    def pipe(self, step: Pipe) -> T: ...
    def make_dirs(self, step: MakeDirs) -> T: ...
    def write_text(self, step: WriteText) -> T: ...
    def copy_file(self, step: CopyFile) -> T: ...
    def remove_tree(self, step: RemoveTree) -> T: ...
    def if_non_empty(self, step: IfNonEmpty) -> T: ...
    def cached(self, step: Cached) -> T: ...
    def for_each(self, step: ForEach) -> T: ...
    def until(self, step: Until) -> T: ...
    def checks(self, step: Checks) -> T: ...
    def waves(self, step: Waves) -> T: ...


@dataclass(frozen=True, kw_only=True)
class _Traits:
    """What the rest of twostep knows of any step (the module docstring): keyword-only, so each
    step type lists only its own fields, in its own order. The defaults are a step's that holds
    no other step and starts no process."""

    learns: Learns = Learns.NOTHING
    keep_on_retry: bool = False
    every_time: bool = False

    def children(self) -> tuple[Step, ...]:
        return ()

    def processes(self) -> tuple[Command, ...]:
        """The processes this step itself starts (not its children's)."""
        return ()


@dataclass(frozen=True)
class Pipe(_Traits):
    """Commands joined by `|`. `stdin` files are concatenated into the first command, which
    is how complete files reach the model CLIs (never a slow producer: a model CLI reads its
    stdin once, as it starts)."""

    name: str
    title: str
    commands: tuple[Command, ...]
    stdin: tuple[Arg, ...] = ()
    stdout: Arg | None = None
    role: Role = Role.STEP
    timeout: float | None = None
    #: Stop the last command once it has sent nothing and printed nothing for this long
    #: (pipeline/stall.py): a model CLI that never starts.
    stall_after: float | None = None
    #: True for `twostep` sub-commands, which print their own error before exiting.
    self_reporting: bool = False
    #: Keep the terminal as stdin (the review gate reads the user's answer).
    interactive: bool = False

    @property
    def redirects_stdin(self) -> bool:
        """One file into one process in the repository: `cmd < file`; else `cat -- files | …`.
        Both the renderer and the runner ask this, so the script feeds stdin as the run does."""
        return len(self.stdin) == 1 and len(self.commands) == 1 and self.commands[0].cwd is None

    def processes(self) -> tuple[Command, ...]:
        return self.commands

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.pipe(self)


@dataclass(frozen=True)
class MakeDirs(_Traits):
    name: str
    paths: tuple[Arg, ...]
    title: str = ""
    keep_on_retry: bool = field(default=True, kw_only=True)  # making them again changes nothing

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.make_dirs(self)


@dataclass(frozen=True)
class WriteText(_Traits):
    """Write literal text to a file (settings, the spec given on stdin)."""

    name: str
    path: Arg
    text: str
    title: str = ""

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.write_text(self)


@dataclass(frozen=True)
class CopyFile(_Traits):
    name: str
    src: Arg
    dest: Arg
    title: str = ""

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.copy_file(self)


@dataclass(frozen=True)
class RemoveTree(_Traits):
    name: str
    path: Arg
    title: str = ""

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.remove_tree(self)


@dataclass(frozen=True)
class IfNonEmpty(_Traits):
    """Run `then` when `path` is a non-empty file, otherwise create `otherwise` empty.

    Used for the plan-files pack: a plan that only creates files names nothing to pack.
    """

    name: str
    path: Arg
    then: Pipe
    otherwise: Arg
    title: str = ""

    def children(self) -> tuple[Step, ...]:
        return (self.then,)

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.if_non_empty(self)


@dataclass(frozen=True)
class Cached(_Traits):
    """Steps whose `outputs` depend only on the selected files: `twostep run` reuses them from
    .twostep/cache when the key (pathspecs, flags, file identities) matches. Rendered as the
    plain steps, since a script always packs."""

    name: str
    pathspecs: tuple[str, ...]
    flags: tuple[str, ...]
    outputs: tuple[RunPath, ...]
    steps: tuple[Step, ...] = ()
    title: str = ""

    def children(self) -> tuple[Step, ...]:
        return self.steps

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.cached(self)


# -- control flow for task-by-task execution and fix rounds (rendered as plain bash loops) ----
#
# A loop binds a variable: `var("task")` in any string or RunPath of its body stands for the
# current value. The runner substitutes it (core/loops.bind); the renderer writes "$TASK".

def var(name: str) -> str:
    """The placeholder for a loop variable inside a string or a RunPath."""
    return f"@@{name}@@"


@dataclass(frozen=True)
class ForEach(_Traits):
    """Run `body` once per line of `count` (a file written by an earlier step), binding `var`
    to 1..N. With `done_ref`, a value whose checkpoint ref (refs/twostep/<run>/<done_ref>)
    exists is finished work: `twostep run`/`resume` skip it (a fresh script has none)."""

    name: str
    var: str
    count: Arg
    body: tuple[Step, ...]
    done_ref: str | None = None
    title: str = ""

    def children(self) -> tuple[Step, ...]:
        return self.body

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.for_each(self)


@dataclass(frozen=True)
class Until(_Traits):
    """Up to `tries` passes binding `var` from `first`: `body`, then stop unless the `status`
    file (written by a stage of the body) says `again`; then `then` before the next pass."""

    name: str
    var: str
    first: int
    tries: int
    body: tuple[Step, ...]
    status: Arg
    then: tuple[Step, ...] = ()
    title: str = ""

    def children(self) -> tuple[Step, ...]:
        return (*self.body, *self.then)

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.until(self)


@dataclass(frozen=True)
class Checks(_Traits):
    """The verify commands in order, stopping at the first that fails: their output (stdout and
    stderr) goes to `output`, and `failed` gets the 1-based index of the failing one (0: none).
    A failing check is data for the fix round, not an error of this step."""

    name: str
    commands: tuple[Command, ...]
    output: Arg
    failed: Arg
    title: str = ""

    def processes(self) -> tuple[Command, ...]:
        return self.commands

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.checks(self)


@dataclass(frozen=True)
class Waves(_Traits):
    """Tasks side by side. Each line of `groups` (written by an earlier stage) names tasks that
    may run at once, binding `var` to each. A line of several: `start` makes each one's
    worktree `tree`, where `side` runs it, all as background jobs; then `merge` (binding
    `wave` to the line's number and `tasks` to its tasks) merges them and writes the tasks to
    run `alone` in the run's tree, one after another, into `alone_list`. As ForEach, a task
    whose `done_ref` checkpoint exists is finished work that `twostep run`/`resume` skip."""

    name: str
    var: str
    groups: Arg
    start: tuple[Step, ...]
    tree: Arg
    side: tuple[Step, ...]
    merge: Pipe
    alone_list: Arg
    alone: tuple[Step, ...]
    done_ref: str | None = None
    title: str = ""

    def children(self) -> tuple[Step, ...]:
        return (*self.start, *self.side, self.merge, *self.alone)

    def accept(self, visitor: StepVisitor[T]) -> T:
        return visitor.waves(self)


Step = Pipe | MakeDirs | WriteText | CopyFile | RemoveTree | IfNonEmpty | Cached | ForEach | Until \
    | Checks | Waves


@dataclass(frozen=True)
class Phase:
    """A titled group of steps (pack, plan, review, execute, verify): a unit of resume."""

    kind: PhaseKind
    title: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.kind.value


def walk(steps: Iterable[Step]) -> Iterator[Step]:
    """Every step, depth first, nested ones included (a Cached pack's, an IfNonEmpty's)."""
    for step in steps:
        yield step
        yield from walk(step.children())


def commands(phases: Iterable[Phase]) -> Iterator[Command]:
    """Every process any step of these phases may start."""
    for phase in phases:
        for step in walk(phase.steps):
            yield from step.processes()


def twostep(*args: Arg, name: str, title: str, stdout: Arg | None = None,
            stdin: tuple[Arg, ...] = (), interactive: bool = False,
            learns: Learns = Learns.NOTHING, keep_on_retry: bool = False,
            every_time: bool = False) -> Pipe:
    """A stage that is twostep itself (a filter or check), called the same way from bash."""
    return Pipe(name, title, (Command(("twostep", *args)),), stdin=stdin, stdout=stdout,
                self_reporting=True, interactive=interactive, learns=learns,
                keep_on_retry=keep_on_retry, every_time=every_time)
