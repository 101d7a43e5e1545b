"""The exit codes and the error hierarchy. Each class owns one exit code; the command line
maps them at the boundary (cli/__init__.py). The README's table is tested against ExitCode.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """twostep's exit codes, each with its name (`status` in --json) and meaning: `--help`,
    the README's table and the result schema read them from here."""

    meaning: str

    def __new__(cls, code: int, meaning: str) -> ExitCode:
        member = int.__new__(cls, code)
        member._value_ = code
        member.meaning = meaning
        return member

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", "-")

    @classmethod
    def label_of(cls, code: int) -> str:
        """The name of an exit code; "error" for one that is not twostep's."""
        member = cls._value2member_map_.get(code)  # ExitCode(code) would take a meaning
        return member.label if isinstance(member, ExitCode) else "error"

    OK = 0, "success"
    ERROR = 1, "unexpected internal error (please report it)"
    USAGE = 2, "bad command-line usage (click)"
    RECIPE = 3, "recipe invalid (file:line:col in the message)"
    INPUT = 4, "bad input: spec, plan file, not a git repository"
    TOOL_MISSING = 5, "a required CLI is not installed"
    STEP = 6, "a pipeline step (git, repomix, rg, verify tooling) failed"
    PLANNER = 7, "the planner CLI failed or returned an empty plan"
    EXECUTOR = 8, "the executor CLI failed or reported an error"
    NO_CHANGES = 9, "the executor made no changes (or its edits were refused)"
    VERIFY = 10, "a verify command still fails after the fix rounds (after the validate gate)"
    NOTHING_TO_EXECUTE = 11, "the plan names no file to read, change or create"
    NOT_CONFIRMED = 12, ("review gate declined, or no TTY and no --yes; rolled back at the "
                         "validate gate")
    DIRTY = 13, "working tree has uncommitted changes (use --allow-dirty)"
    TOO_LARGE = 14, "a pack does not fit the model or CLI input limit"
    TIMEOUT = 15, "a step exceeded its timeout"
    CREDENTIALS = 16, "no API key or login for a model CLI"
    OVER_BUDGET = 18, "a model call's estimate would pass the budget (--max-cost); none was made"
    INTERRUPTED = 130, "interrupted by Ctrl-C or SIGTERM (resumable)"


class TwostepError(Exception):
    """Base class: an expected failure with a message for the user, never a traceback."""

    exit_code: int = ExitCode.ERROR
    #: One line telling the user how to fix it, printed after the message.
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    @property
    def reason(self) -> str | None:
        """The message's first line: what a run's manifest keeps (`twostep runs` shows it)."""
        return str(self).splitlines()[0] if str(self) else None


class RecipeError(TwostepError):
    """The recipe is unreadable or invalid; the message starts with file:line:col."""

    exit_code = ExitCode.RECIPE


class InputError(TwostepError):
    """Bad user input other than the recipe: spec, plan path, not a git repository, flags."""

    exit_code = ExitCode.INPUT


class ToolMissing(TwostepError):
    """A CLI the recipe needs is not on PATH (preflight)."""

    exit_code = ExitCode.TOOL_MISSING


class StepFailed(TwostepError):
    """A pipeline step (a real CLI) failed; the message names the step and the CLI."""

    exit_code = ExitCode.STEP

    def __init__(self, message: str, *, step: str, code: int | None = None,
                 hint: str | None = None):
        super().__init__(message, hint=hint)
        self.step = step
        self.code = code


class PlannerFailed(StepFailed):
    exit_code = ExitCode.PLANNER


class ExecutorFailed(StepFailed):
    exit_code = ExitCode.EXECUTOR


class NoChanges(TwostepError):
    """The executor ran but the working tree did not change (or every edit was refused)."""

    exit_code = ExitCode.NO_CHANGES


class VerifyFailed(StepFailed):
    exit_code = ExitCode.VERIFY


class NothingToExecute(TwostepError):
    """The plan names no existing tracked file and no file to create."""

    exit_code = ExitCode.NOTHING_TO_EXECUTE


class NotConfirmed(TwostepError):
    """The review gate was declined, or there is no TTY and no --yes."""

    exit_code = ExitCode.NOT_CONFIRMED


class DirtyTree(TwostepError):
    exit_code = ExitCode.DIRTY


class MissingCredentials(TwostepError):
    """No API key (or login) for a model CLI; the message says which variable to set."""

    exit_code = ExitCode.CREDENTIALS


class ContextTooLarge(TwostepError):
    """A pack would not fit the model's budget or the CLI's input limit."""

    exit_code = ExitCode.TOO_LARGE


class StepTimeout(StepFailed):
    exit_code = ExitCode.TIMEOUT


class OverBudget(TwostepError):
    """A model call's estimated cost would take the run over its budget (--max-cost)."""

    exit_code = ExitCode.OVER_BUDGET


class Interrupted(TwostepError):
    """Ctrl-C or SIGTERM; the run is marked interrupted and can be resumed."""

    exit_code = ExitCode.INTERRUPTED


class ChildReported(TwostepError):
    """A `twostep` stage already printed its own error; exit with its code, say nothing more
    (but its hint). `said`: the first line of that error, when the stage ran in this process."""

    def __init__(self, code: int, said: str | None = None, *, step: str | None = None) -> None:
        super().__init__("")
        self.exit_code = code
        self.said = said
        self.step = step

    @property
    def reason(self) -> str | None:
        return self.said
