"""claude (@anthropic-ai/claude-code): executor and read-only planner
(no tools at all, the plan in the JSON result)."""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep.agents import EXECUTOR, PLANNER, prompts
from twostep.agents.base import (
    EMPTY,
    Call,
    ModelCLI,
    api_reason,
    last_json,
    model,
    prompt,
    read_json_reply,
    read_text,
)
from twostep.core.cost import Usage
from twostep.core.options import Choice, CliOptions, Count, Flag, Rules, key
from twostep.core.recipe import Agent
from twostep.core.steps import MakeDirs
from twostep.core.values import Arg, Command, RunPath
from twostep.errors import ExecutorFailed, NoChanges, PlannerFailed

_CREDENTIALS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN")
PERMISSION_MODES = ("acceptEdits", "auto", "bypassPermissions")
#: Tools that, allowed bare, let claude write outside its working directory (tested: a bare
#: Write or Edit in --allowedTools bypasses acceptEdits' own cwd limit).
UNSCOPED_WRITERS = ("Write", "Edit", "MultiEdit", "NotebookEdit")
#: claude refuses a prompt itself, before any request ("Prompt is too long", terminal_reason
#: blocking_limit), once its estimate of the input, characters / 3 for current models, reaches
#: the window less min(the model's output cap, 20,000) less 3,000 tokens (read in 2.1.197's
#: query loop). The margin covers what claude adds to the message itself.
LOCAL_CHARS_PER_TOKEN = 3
LOCAL_RESERVED_TOKENS = 20_000 + 3_000 + 2_000


@dataclass(frozen=True)
class ClaudeOptions(CliOptions):
    """claude's own recipe keys (a recipe gives them to no other CLI)."""

    #: Without an explicit mode claude edits nothing and still exits 0 (2.5).
    permission_mode: str = key("acceptEdits", Choice(PERMISSION_MODES), EXECUTOR)
    allowed_tools: tuple[str, ...] = key(
        (), Rules(UNSCOPED_WRITERS, "lets the executor write outside the repository",
                  'scope it: "Edit(./**)" (acceptEdits already allows edits inside it)'),
        EXECUTOR)
    max_turns: int = key(60, Count(1, 1000), EXECUTOR)
    #: true: the repository's .claude/ settings and .mcp.json apply (see _common).
    project_settings: bool = key(False, Flag(), PLANNER, EXECUTOR)
    #: true: Bash rules built from exactly the verify commands' argv (allow_verify).
    run_verify: bool = key(False, Flag(), EXECUTOR)


def _ruleable(argv: tuple[str, ...]) -> bool:
    # --allowedTools is a comma-separated list of rules: a command whose words hold a comma or
    # a parenthesis cannot be one exact rule, and a shorter prefix would allow more than the
    # recipe's command; such a command gets no rule (twostep's verify still runs it).
    return not any(ch in word for word in argv for ch in ",()")


def _error(data: Any) -> str | None:
    """claude's error result in one line (an API error, "Prompt is too long", a turn cap),
    else None."""
    if not isinstance(data, dict) or not (data.get("is_error")
                                          or data.get("subtype", "success") != "success"):
        return None
    detail = (data.get("result") or "; ".join(map(str, data.get("errors") or []))
              or data.get("subtype") or "an error result")
    return api_reason(data.get("api_error_status"), str(detail))


class Claude:
    name = "claude"
    vendor = "Anthropic (Claude API)"
    package = "@anthropic-ai/claude-code@2.1.197"
    #: claude refuses stdin over 10,485,760 string units (2.2).
    max_input_chars = 10_485_760
    credential_vars: tuple[str, ...] = _CREDENTIALS
    options = ClaudeOptions

    def input_chars(self, agent: Agent) -> int:
        local = (agent.context_tokens - LOCAL_RESERVED_TOKENS) * LOCAL_CHARS_PER_TOKEN
        return max(0, min(self.max_input_chars, local))

    def credentials_problem(self, role: str, env: Mapping[str, str]) -> str | None:
        if any(env.get(k) for k in _CREDENTIALS):
            return None
        if (Path(env.get("HOME", "~")).expanduser() / ".claude/.credentials.json").exists():
            return None
        return f"claude ({role}): set ANTHROPIC_API_KEY, or log in once with `claude`"

    def defaults(self, role: str) -> dict[str, Any]:
        # claude puts the -p prompt before stdin.
        prompt = prompts.planner(False) if role == PLANNER else prompts.executor(False)
        return {"model": "sonnet", "prompt": prompt, "context_tokens": 200_000,
                "output_tokens": 32_000, "timeout": 900.0 if role == PLANNER else 1800.0}

    def mode(self, agent: Agent, role: str) -> str:
        return agent.options_as(ClaudeOptions).permission_mode if role == EXECUTOR \
            else "no tools"

    def allow_verify(self, agent: Agent, verify: tuple[tuple[str, ...], ...]
                     ) -> tuple[Agent, tuple[str, ...]]:
        """`Bash(<argv>:*)` rules for exactly the verify commands, never a bare Bash."""
        options = agent.options_as(ClaudeOptions)
        if not options.run_verify:
            return agent, ()
        rules = tuple(f"Bash({shlex.join(argv)}:*)" for argv in verify if _ruleable(argv))
        warnings = tuple(
            f"run_verify: the executor cannot be allowed to run `{shlex.join(argv)}` (a comma "
            f"or parenthesis cannot be in one exact claude rule); twostep's verify still runs "
            f"it. To let the executor run it, put it in a script and verify with that"
            for argv in verify if not _ruleable(argv))
        allowed = dataclasses.replace(options, allowed_tools=(*options.allowed_tools, *rules))
        return dataclasses.replace(agent, options=allowed), warnings

    @staticmethod
    def _common(agent: Agent, left: Arg | None) -> tuple[list[Arg], tuple[tuple[str, Arg], ...]]:
        argv: list[Arg] = ["--output-format", "json", "--no-session-persistence"]
        if not agent.options_as(ClaudeOptions).project_settings:
            # The repository's .claude/ settings and .mcp.json would otherwise apply: tested, an
            # `env.ANTHROPIC_BASE_URL` there sent the key and the code elsewhere.
            argv += ["--setting-sources", "user", "--strict-mcp-config"]
        if left is not None:
            argv += ["--max-budget-usd", left]  # a second guard, behind twostep's own budget
        # Without DISABLE_ATTACHMENTS claude reads the file behind every `@path` of its input,
        # even outside the repository and with no tools, and sends it along: packed code is
        # full of such text (docs/cli-facts.md, "claude and @").
        env: tuple[tuple[str, Arg], ...] = (("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
                                             ("CLAUDE_CODE_DISABLE_ATTACHMENTS", "1"),
                                             ("CLAUDE_CODE_MAX_RETRIES", str(agent.retries)))
        return argv, env

    def planner_call(self, agent: Agent, spec: Arg, pack: Arg, left: Arg | None = None) -> Call:
        # No tools at all (12.1): nothing to read, write or run; the plan comes from stdin only.
        # An empty working directory keeps the repository's CLAUDE.md out as well.
        common, env = self._common(agent, left)
        argv = ("claude", "-p", prompt(agent, PLANNER), "--model", model(agent, PLANNER),
                "--tools", "", *common, *agent.flags)
        command = Command(argv, env=env, cwd=EMPTY, stderr=RunPath("planner.log"))
        setup = (MakeDirs("claude-planner-dirs", (EMPTY,), keep_on_retry=True),)
        return Call(command, (spec, pack), RunPath("planner.json"),
                    "prompt, then spec + pack on stdin; no tools (claude puts the prompt first)",
                    setup)

    def executor_call(self, agent: Agent, plan: Arg, pack: Arg, left: Arg | None = None,
                      scope: str = "") -> Call:
        # No private files to keep apart: --no-session-persistence writes no session file.
        common, env = self._common(agent, left)
        options = agent.options_as(ClaudeOptions)
        argv: list[Arg] = [
            "claude", "-p", prompt(agent, EXECUTOR), "--model", model(agent, EXECUTOR),
            "--permission-mode", options.permission_mode,
            *common[:2], "--no-session-persistence", "--max-turns", str(options.max_turns)]
        if options.allowed_tools:
            argv += ["--allowedTools", ",".join(options.allowed_tools)]
        argv += common[3:]
        command = Command((*argv, *agent.flags), env=env, stderr=RunPath("executor.log"))
        return Call(command, (plan, pack), RunPath("executor.json"),
                    "prompt, then plan + files on stdin (claude puts the prompt first)")

    def plan_text(self, reply: Path) -> str:
        """The `result` text; claude's errors (an API error, "Prompt is too long", refused
        locally with no request, 12.1) exit 0 with is_error."""
        data = read_json_reply(reply, PLANNER, PlannerFailed)
        if not isinstance(data, dict) or data.get("type") != "result":
            raise PlannerFailed(f"{reply}: unexpected planner reply", step=PLANNER)
        text, error = data.get("result"), _error(data)
        if error:
            raise PlannerFailed(f"the planner reported an error: {error}", step=PLANNER,
                                hint="claude refuses a prompt over its model's window locally; "
                                     "try a [1m] model" if text == "Prompt is too long" else None)
        if not isinstance(text, str) or not text.strip():
            raise PlannerFailed("the planner returned an empty plan", step=PLANNER)
        return text

    def verdict(self, reply: Path) -> dict[str, Any]:
        """Fail on claude's error results and on refused edits, which both exit 0 (2.5)."""
        data = read_json_reply(reply, EXECUTOR, ExecutorFailed)
        if not isinstance(data, dict) or data.get("type") != "result":
            raise ExecutorFailed(f"{reply}: unexpected executor reply", step=EXECUTOR)
        error = _error(data)
        if error:
            raise ExecutorFailed(f"the executor reported an error: {error}", step=EXECUTOR)
        denied = data.get("permission_denials") or []
        if denied:
            names = sorted({f"{d.get('tool_name')}"
                            f"({(d.get('tool_input') or {}).get('file_path', '')})"
                            for d in denied})
            raise NoChanges(f"the executor's edits were refused: {', '.join(names)}",
                            hint="use executor.permission_mode: acceptEdits, or list the tools "
                                 "in executor.allowed_tools")
        return data

    def failure(self, reply: Path, log: Path, code: int) -> str | None:
        """claude prints its error result on stdout, as on success (`api_error_status`,
        `result`: "API Error: 500 …"), and exits 1; its stderr is mostly empty."""
        return _error(last_json(read_text(reply)))

    def usage(self, reply: Path) -> Usage | None:
        """claude reports its own cost (`total_cost_usd`); input counts every cache kind."""
        data = last_json(read_text(reply))
        usage = data.get("usage") if isinstance(data, dict) else None
        if not isinstance(usage, dict):
            return None

        def num(key: str) -> int:
            value = usage.get(key)
            return value if isinstance(value, int) else 0

        cached = num("cache_read_input_tokens")
        cost = data.get("total_cost_usd")
        return Usage(num("input_tokens") + num("cache_creation_input_tokens") + cached,
                     num("output_tokens"), cached,
                     float(cost) if isinstance(cost, (int, float)) else None)


#: Typed as the Protocol, so that mypy checks the adapter against it here.
CLAUDE: ModelCLI = Claude()
