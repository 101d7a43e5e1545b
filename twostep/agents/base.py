"""One adapter per model CLI, behind one Protocol (as pre-commit has one module per language).

An adapter owns everything twostep knows about its CLI: the argv and environment of each role
it supports, the isolation from the user's and the repository's configuration, the CLI's own
input limit, how stdin and the prompt combine, how to read its reply (the plan, the verdict),
which credentials it needs, and the recipe keys only it has (its `options`, core/options.py).
pipeline/modelcall.py asks the adapter for a `Call` and puts the stages every CLI shares
before it and after it (`twostep before`, `twostep after`). The model and the prompt are the
script's settings (`model`, `prompt`): each adapter puts them in its argv by name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from twostep.core.cost import Usage
from twostep.core.options import CliOptions
from twostep.core.recipe import Agent
from twostep.core.steps import Step
from twostep.core.values import Arg, Command, RunPath, Setting
from twostep.errors import StepFailed

#: An empty directory in the run: the working directory of planners (nothing to read, no
#: project files to load, nothing in the repository to change).
EMPTY = RunPath("empty")


def model(agent: Agent, role: str) -> Setting:
    """The role's model, as the dry-run script sets it once at its top."""
    return Setting(f"{role.upper()}_MODEL", agent.model)


def prompt(agent: Agent, role: str) -> Setting:
    return Setting(f"{role.upper()}_PROMPT", agent.prompt)


@dataclass(frozen=True)
class Call:
    """One model call: the steps that prepare it, the process, and what goes to its stdin."""

    command: Command
    stdin: tuple[Arg, ...]
    reply: RunPath
    title: str
    setup: tuple[Step, ...] = ()


class ModelCLI(Protocol):
    """What twostep needs from a model CLI adapter (agents/gemini.py, agents/claude.py)."""

    #: The recipe's `cli:` value and the executable on PATH.
    name: str
    vendor: str
    #: The npm package and version the tests pin (scripts/tools/package.json).
    package: str
    #: The most characters of input the CLI accepts for any model (it drops or refuses more).
    max_input_chars: int
    #: The variables any one of which is a credential (doctor lists them).
    credential_vars: tuple[str, ...]

    def credentials_problem(self, role: str, env: Mapping[str, str]) -> str | None:
        """What to set when no credential is present, else None."""

    def input_chars(self, agent: Agent) -> int:
        """The most characters of input (prompt and stdin) this CLI sends for `agent`: at most
        max_input_chars, less where the CLI checks the input against the model's window."""

    @property
    def options(self) -> type[CliOptions]:
        """The recipe keys this CLI adds to the common ones, declared as fields (roles, kind,
        default); an agent of this CLI holds an instance in `Agent.options`."""

    def defaults(self, role: str) -> dict[str, Any]:
        """The common recipe keys this CLI fills in for a role when the recipe leaves them
        out: at least model, prompt, context_tokens and output_tokens."""

    def mode(self, agent: Agent, role: str) -> str:
        """How the role may touch the work tree, in the CLI's own words (`twostep check`)."""

    def allow_verify(self, agent: Agent, verify: tuple[tuple[str, ...], ...]
                     ) -> tuple[Agent, tuple[str, ...]]:
        """The executor, allowed to run the recipe's verify commands if its options ask and
        the CLI can be told so; and a warning for each command it cannot be allowed."""

    def planner_call(self, agent: Agent, spec: Arg, pack: Arg, left: Arg | None = None) -> Call:
        """The read-only call that writes a plan from spec + pack. `left`: the dollars left
        in the budget at call time, for CLIs that can cap their own spending."""

    def executor_call(self, agent: Agent, plan: Arg, pack: Arg, left: Arg | None = None,
                      scope: str = "") -> Call:
        """The call that edits the work tree from plan + files. `scope` names the CLI's private
        files of this call (its home, its settings) apart from those of calls beside it."""

    def usage(self, reply: Path) -> Usage | None:
        """The tokens (and cost, if the CLI reports it) in a reply; None if it has none."""

    def plan_text(self, reply: Path) -> str:
        """The plan in the planner's reply; raises PlannerFailed on an error or no plan."""

    def verdict(self, reply: Path) -> dict[str, Any]:
        """The executor's reply, checked; raises on an error result or refused edits."""

    def failure(self, reply: Path, log: Path, code: int) -> str | None:
        """Why a call that exited with `code` failed, in the CLI's own words on one line: the
        API status and message from its reply or its log (each CLI puts them elsewhere), never
        a stack trace. None when it left no reason: the log's tail is shown instead."""


def one_line(text: str, limit: int = 300) -> str:
    """A reason as one line of at most `limit` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 1] + "…"


def api_reason(status: object, message: str) -> str:
    """`API error STATUS: MESSAGE` for an HTTP status, unless the message says so itself
    (claude's does)."""
    if not isinstance(status, int) or not 100 <= status < 600 or "api error" in message.lower():
        return one_line(message)
    return one_line(f"API error {status}: {message}")


def last_json(text: str) -> Any:
    """The last JSON value that starts a line of `text` and runs to its end (a CLI may print
    warnings and stack traces before it, and pretty-print it); None if there is none."""
    lines = text.rstrip().splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].startswith("{"):
            try:
                return json.loads("\n".join(lines[index:]))
            except json.JSONDecodeError:
                continue
    return None


def read_text(path: Path) -> str:
    """A reply or log as text; "" when it is missing."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def read_json_reply(path: Path, role: str, error: type[StepFailed]) -> Any:
    """The JSON object a CLI printed. Stray lines before it (warnings on stdout) are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the {role}'s reply: {exc.strerror}", step=role) from None
    if not text.strip():
        raise error(f"{path}: the {role} printed nothing (no reply)", step=role)
    data = last_json(text)
    if data is None:
        raise error(f"{path}: the {role}'s reply is not JSON", step=role)
    return data
