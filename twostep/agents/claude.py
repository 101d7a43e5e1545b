"""claude (@anthropic-ai/claude-code): the executor. Choices follow ../shared/CLI-FACTS.md §2."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twostep.agents.base import EXECUTOR, PLANNER, Call, read_json_reply
from twostep.errors import ExecutorFailed, NoChanges, PlannerFailed
from twostep.pipeline.steps import Arg, Command, RunPath
from twostep.recipe.model import Agent

_CREDENTIALS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN")


class Claude:
    name = "claude"
    vendor = "Anthropic (Claude API)"
    package = "@anthropic-ai/claude-code@2.1.197"
    roles = (EXECUTOR,)
    #: claude refuses stdin over 10,485,760 string units (2.2).
    max_input_chars = 10_485_760
    #: claude attaches the file behind every @path in its input, even outside the repository.
    reads_mentions = True

    def credentials_problem(self, role: str, env: Mapping[str, str]) -> str | None:
        if any(env.get(k) for k in _CREDENTIALS):
            return None
        if (Path(env.get("HOME", "~")).expanduser() / ".claude/.credentials.json").exists():
            return None
        return f"claude ({role}): set ANTHROPIC_API_KEY, or log in once with `claude`"

    def planner_call(self, agent: Agent, spec: Arg, pack: Arg) -> Call:
        raise PlannerFailed("claude is not supported as the planner yet", step=PLANNER)

    def executor_call(self, agent: Agent, plan: Arg, pack: Arg) -> Call:
        argv = ["claude", "-p", agent.prompt, "--model", agent.model,
                # Without an explicit mode claude edits nothing and still exits 0 (2.5).
                "--permission-mode", agent.permission_mode,
                "--output-format", "json", "--no-session-persistence",
                "--max-turns", str(agent.max_turns)]
        if agent.allowed_tools:
            argv += ["--allowedTools", ",".join(agent.allowed_tools)]
        if not agent.project_settings:
            # The repository's .claude/ settings and .mcp.json would otherwise apply: tested, an
            # `env.ANTHROPIC_BASE_URL` there sent the key and the code elsewhere.
            argv += ["--setting-sources", "user", "--strict-mcp-config"]
        env = (("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
               ("CLAUDE_CODE_MAX_RETRIES", str(agent.retries)))
        command = Command((*argv, *agent.flags), env=env, stderr=RunPath("executor.log"))
        return Call(command, (plan, pack), RunPath("executor.json"),
                    "prompt, then plan + files on stdin (claude puts the prompt first)")

    def plan_text(self, reply: Path) -> str:
        raise PlannerFailed("claude is not supported as the planner yet", step=PLANNER)

    def verdict(self, reply: Path) -> dict[str, Any]:
        """Fail on claude's error results and on refused edits, which both exit 0 (2.5)."""
        data = read_json_reply(reply, EXECUTOR, ExecutorFailed)
        if not isinstance(data, dict) or data.get("type") != "result":
            raise ExecutorFailed(f"{reply}: unexpected executor reply", step=EXECUTOR)
        if data.get("is_error") or data.get("subtype", "success") != "success":
            status = data.get("api_error_status")
            detail = (data.get("result") or "; ".join(map(str, data.get("errors") or []))
                      or data.get("subtype"))
            http = f" (HTTP {status})" if status else ""
            raise ExecutorFailed(f"the executor reported an error{http}: {detail}", step=EXECUTOR)
        denied = data.get("permission_denials") or []
        if denied:
            names = sorted({f"{d.get('tool_name')}"
                            f"({(d.get('tool_input') or {}).get('file_path', '')})"
                            for d in denied})
            raise NoChanges(f"the executor's edits were refused: {', '.join(names)}",
                            hint="use executor.permission_mode: acceptEdits, or list the tools "
                                 "in executor.allowed_tools")
        return data


CLAUDE = Claude()
