"""The error hierarchy. Each class owns one exit code; cli.py maps them at the boundary.

The table is documented in the README ("Exit codes"); keep the two in sync.
"""

from __future__ import annotations


class TwostepError(Exception):
    """Base class: an expected failure with a message for the user, never a traceback."""

    exit_code = 1
    #: One line telling the user how to fix it, printed after the message.
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class RecipeError(TwostepError):
    """The recipe is unreadable or invalid; the message starts with file:line:col."""

    exit_code = 3


class InputError(TwostepError):
    """Bad user input other than the recipe: spec, plan path, not a git repository, flags."""

    exit_code = 4


class ToolMissing(TwostepError):
    """A CLI the recipe needs is not on PATH (preflight)."""

    exit_code = 5


class StepFailed(TwostepError):
    """A pipeline step (a real CLI) failed; the message names the step and the CLI."""

    exit_code = 6

    def __init__(self, message: str, *, step: str, code: int | None = None,
                 hint: str | None = None):
        super().__init__(message, hint=hint)
        self.step = step
        self.code = code


class PlannerFailed(StepFailed):
    exit_code = 7


class ExecutorFailed(StepFailed):
    exit_code = 8


class NoChanges(TwostepError):
    """The executor ran but the working tree did not change (or every edit was refused)."""

    exit_code = 9


class VerifyFailed(StepFailed):
    exit_code = 10


class NothingToExecute(TwostepError):
    """The plan names no existing tracked file and no file to create."""

    exit_code = 11


class NotConfirmed(TwostepError):
    """The review gate was declined, or there is no TTY and no --yes."""

    exit_code = 12


class DirtyTree(TwostepError):
    exit_code = 13


class MissingCredentials(TwostepError):
    """No API key (or login) for a model CLI; the message says which variable to set."""

    exit_code = 16


class ContextTooLarge(TwostepError):
    """A pack would not fit the model's budget or the CLI's input limit."""

    exit_code = 14


class StepTimeout(StepFailed):
    exit_code = 15


class OverBudget(TwostepError):
    """A model call's estimated cost would take the run over its budget (--max-cost)."""

    exit_code = 18


class Interrupted(TwostepError):
    """Ctrl-C or SIGTERM; the run is marked interrupted and can be resumed."""

    exit_code = 130


#: name -> (code, meaning): the single source for `twostep --help` and the README table.
EXIT_CODES: dict[str, tuple[int, str]] = {
    "ok": (0, "success"),
    "error": (1, "unexpected internal error (please report it)"),
    "usage": (2, "bad command-line usage (click)"),
    "recipe": (RecipeError.exit_code, "recipe invalid (file:line:col in the message)"),
    "input": (InputError.exit_code, "bad input: spec, plan file, not a git repository"),
    "tool-missing": (ToolMissing.exit_code, "a required CLI is not installed"),
    "step": (StepFailed.exit_code, "a pipeline step (git, repomix, rg, verify tooling) failed"),
    "planner": (PlannerFailed.exit_code, "the planner CLI failed or returned an empty plan"),
    "executor": (ExecutorFailed.exit_code, "the executor CLI failed or reported an error"),
    "no-changes": (NoChanges.exit_code, "the executor made no changes (or its edits were refused)"),
    "verify": (VerifyFailed.exit_code,
               "a verify command still fails after the fix rounds (after the validate gate)"),
    "nothing-to-execute": (NothingToExecute.exit_code,
                           "the plan names no file to read, change or create"),
    "not-confirmed": (NotConfirmed.exit_code, "review gate declined, or no TTY and no --yes; "
                      "rolled back at the validate gate"),
    "dirty": (DirtyTree.exit_code, "working tree has uncommitted changes (use --allow-dirty)"),
    "too-large": (ContextTooLarge.exit_code, "a pack does not fit the model or CLI input limit"),
    "timeout": (StepTimeout.exit_code, "a step exceeded its timeout"),
    "credentials": (MissingCredentials.exit_code, "no API key or login for a model CLI"),
    "over-budget": (OverBudget.exit_code,
                    "a model call's estimate would pass the budget (--max-cost); none was made"),
    "interrupted": (Interrupted.exit_code, "interrupted by Ctrl-C or SIGTERM (resumable)"),
}


class ChildReported(TwostepError):
    """A `twostep` stage already printed its own error; exit with its code, say nothing."""

    def __init__(self, code: int) -> None:
        super().__init__("")
        self.exit_code = code
