"""gemini (@google/gemini-cli): planner and executor (docs/cli-facts.md: gemini and `@`)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
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
    one_line,
    prompt,
    read_json_reply,
    read_text,
)
from twostep.core.cost import Usage
from twostep.core.options import CliOptions
from twostep.core.recipe import Agent
from twostep.core.steps import MakeDirs, Step, WriteText
from twostep.core.values import Arg, Command, RunPath
from twostep.errors import ExecutorFailed, NoChanges, PlannerFailed

HOME = RunPath("gemini-home")
#: The executor's own home: a gemini → gemini run keeps the two settings apart.
EXEC_HOME = RunPath("gemini-exec-home")
#: Variables a repository's .env must not set for the executor, which runs in the repository
#: (gemini loads the first .env up from its cwd, 1.10): they redirect the key or the model.
_ENV_GUARD = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL",
              "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION",
              "GOOGLE_APPLICATION_CREDENTIALS", "GEMINI_MODEL", "GEMINI_CLI_HOME",
              "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NODE_OPTIONS")
#: The executor's approval mode: write_file and replace only, in the workspace, no shell (12.2).
EXECUTOR_MODE = "auto_edit"
#: The edit tools auto_edit offers (12.2); a failed call of one is a refused edit.
_EDIT_TOOLS = ("write_file", "replace", "edit")


def settings(agent: Agent, role: str = PLANNER) -> str:
    # With GOOGLE_GEMINI_BASE_URL set the auth type must be explicit (1.8); usage statistics
    # off removes the only other network host (1.9); maxAttempts caps 3-4 min of retries (1.7).
    # Every `@token` of the input that names no file gets a recursive glob, and the text of
    # real code (`{"@id": …}`, `"@scope/pkg": "…"`, JSDoc, e-mails) makes that glob spin for
    # ever before any request (docs/cli-facts.md, "gemini and @"): no recursive search.
    data: dict[str, Any] = {
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "context": {"fileFiltering": {"enableRecursiveFileSearch": False}},
        "privacy": {"usageStatisticsEnabled": False},
        "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False,
                    "maxAttempts": max(1, agent.retries)},
        "telemetry": {"enabled": False},
    }
    if role == EXECUTOR:
        data["advanced"] = {"excludedEnvVars": list(_ENV_GUARD)}
    return json.dumps(data, sort_keys=True)


#: The cause under a Node error (`[cause]: SocketError: other side closed`).
_CAUSE = re.compile(r"^\s*\[cause\]: (?:\w+: )?(.+)$", re.M)


def _error(data: Any) -> str | None:
    """The `error` of gemini's JSON output in one line, with its status code."""
    err = data.get("error") if isinstance(data, dict) else None
    if not err:
        return None
    if not isinstance(err, dict):
        return one_line(str(err))
    message = str(err.get("message") or err.get("type") or err)
    if message.startswith("{"):  # a 5xx comes with the API's own error body as its message
        with contextlib.suppress(ValueError):
            message = _error(json.loads(message)) or message
    return api_reason(err.get("code"), message)


class Gemini:
    name = "gemini"
    vendor = "Google (Gemini API)"
    package = "@google/gemini-cli@0.61.0"
    #: gemini skips the request silently above about 4.19M characters (1.3); keep a margin.
    max_input_chars = 4_150_000
    credential_vars: tuple[str, ...] = ("GEMINI_API_KEY",)
    #: No keys of its own: the executor's mode is always auto_edit (no shell, so no verify
    #: commands to allow), gemini has no turn cap, and the isolation from the repository's
    #: and the user's settings (a private home, an empty .env) is not optional.
    options = CliOptions

    def input_chars(self, agent: Agent) -> int:
        return self.max_input_chars

    def credentials_problem(self, role: str, env: Mapping[str, str]) -> str | None:
        if env.get("GEMINI_API_KEY"):
            return None
        return f"gemini ({role}): set GEMINI_API_KEY (https://aistudio.google.com/apikey)"

    def defaults(self, role: str) -> dict[str, Any]:
        # gemini puts stdin before the -p prompt, in both roles.
        prompt = prompts.planner(True) if role == PLANNER else prompts.executor(True)
        return {"model": "gemini-2.5-pro", "prompt": prompt, "context_tokens": 1_048_576,
                "output_tokens": 65_536, "timeout": 900.0 if role == PLANNER else 1800.0}

    def mode(self, agent: Agent, role: str) -> str:
        # The planner runs in gemini's default approval mode, which refuses any tool that
        # would ask (nothing can, headless), in an empty directory.
        return EXECUTOR_MODE if role == EXECUTOR else "default"

    def allow_verify(self, agent: Agent, verify: tuple[tuple[str, ...], ...]
                     ) -> tuple[Agent, tuple[str, ...]]:
        return agent, ()

    def _setup(self, agent: Agent, role: str, home: RunPath) -> tuple[Step, ...]:
        dirs, name = ((EMPTY, RunPath(f"{home.rel}/.gemini")), "gemini") if role == PLANNER \
            else ((RunPath(f"{home.rel}/.gemini"),), "gemini-executor")
        return (
            MakeDirs(f"{name}-dirs", dirs, keep_on_retry=True),
            WriteText(f"{name}-settings", RunPath(f"{home.rel}/.gemini/settings.json"),
                      settings(agent, role), title="headless gemini settings, isolated from "
                                                   "~/.gemini"),
        )

    def planner_call(self, agent: Agent, spec: Arg, pack: Arg, left: Arg | None = None) -> Call:
        argv: tuple[Arg, ...] = ("gemini", "-p", prompt(agent, PLANNER), "-m",
                                 model(agent, PLANNER), "-o", "json", *agent.flags)
        # An empty working directory: no @path rewriting of the input, no project GEMINI.md,
        # a tiny directory listing (1.10). The trust variable avoids exit 55 (1.8).
        env = (("GEMINI_CLI_HOME", HOME), ("GEMINI_CLI_TRUST_WORKSPACE", "true"))
        setup = (
            *self._setup(agent, PLANNER, HOME),
            WriteText("gemini-dotenv", RunPath("empty/.env"), "",
                      title="gemini loads the first .env up from its cwd: an empty one keeps the "
                            "repository's .env (say, a GOOGLE_GEMINI_BASE_URL) out of it"),
        )
        command = Command(argv, env=env, cwd=EMPTY, stderr=RunPath("planner.log"))
        return Call(command, (spec, pack), RunPath("planner.json"),
                    "spec + pack on stdin, prompt as -p (gemini puts stdin first)", setup)

    def executor_call(self, agent: Agent, plan: Arg, pack: Arg, left: Arg | None = None,
                      scope: str = "") -> Call:
        # auto_edit: write_file and replace only, confined to the workspace (the repository),
        # no shell. The repository's .env cannot set the variables in
        # _ENV_GUARD (advanced.excludedEnvVars).
        argv: tuple[Arg, ...] = ("gemini", "-p", prompt(agent, EXECUTOR), "-m",
                                 model(agent, EXECUTOR), "-o", "json", "--approval-mode",
                                 EXECUTOR_MODE, *agent.flags)
        # A home per call beside others: its chats, projects.json and history are its own.
        home = RunPath(EXEC_HOME.rel + scope)
        env = (("GEMINI_CLI_HOME", home), ("GEMINI_CLI_TRUST_WORKSPACE", "true"))
        command = Command(argv, env=env, stderr=RunPath("executor.log"))
        return Call(command, (plan, pack), RunPath("executor.json"),
                    "plan + files on stdin, prompt as -p; edits confined to the repository",
                    self._setup(agent, EXECUTOR, home))

    def _reply(self, reply: Path, role: str, error: type[PlannerFailed | ExecutorFailed]) -> dict:
        data = read_json_reply(reply, role, error)
        if not isinstance(data, dict):
            raise error(f"{reply}: unexpected {role} reply", step=role)
        reason = _error(data)
        if reason:
            raise error(f"the {role} reported an error: {reason}", step=role)
        return data

    def failure(self, reply: Path, log: Path, code: int) -> str | None:
        """With `-o json` gemini writes its error object last on stderr, after a Node stack
        trace, and exits with the HTTP status mod 256; a lost connection says only
        "terminated", and the trace's `[cause]` says why."""
        text = read_text(log)
        reason = _error(last_json(read_text(reply))) or _error(last_json(text))
        cause = _CAUSE.search(text)
        if reason and cause and reason == "terminated":
            reason += f" ({cause.group(1).strip()})"
        return reason

    def plan_text(self, reply: Path) -> str:
        text = self._reply(reply, PLANNER, PlannerFailed).get("response")
        if not isinstance(text, str) or not text.strip():
            raise PlannerFailed(
                "the planner returned an empty plan", step=PLANNER,
                hint="gemini answers nothing when its input is over its window (about 4.19M "
                     "characters); see the planner log in the run directory")
        return text

    def verdict(self, reply: Path) -> dict[str, Any]:
        """Refused edits exit 0 (12.2): the per-tool failure counts say so."""
        data = self._reply(reply, EXECUTOR, ExecutorFailed)
        by_name = ((data.get("stats") or {}).get("tools") or {}).get("byName") or {}
        failed = {n: s.get("fail", 0) for n, s in by_name.items()
                  if n in _EDIT_TOOLS and isinstance(s, dict) and s.get("fail")}
        if failed:
            shown = ", ".join(f"{n} ×{k}" for n, k in sorted(failed.items()))
            raise NoChanges(f"the executor's edits were refused: {shown}",
                            hint="gemini's edit tools write inside the repository only")
        return data

    def usage(self, reply: Path) -> Usage | None:
        data = last_json(read_text(reply))
        models = ((data.get("stats") or {}).get("models") or {}) if isinstance(data, dict) else {}
        tokens = [m.get("tokens") or {} for m in models.values() if isinstance(m, dict)]
        if not tokens:
            return None
        total = {k: sum(int(t.get(k) or 0) for t in tokens)
                 for k in ("prompt", "candidates", "cached", "thoughts")}
        return Usage(total["prompt"], total["candidates"] + total["thoughts"], total["cached"])


#: Typed as the Protocol, so that mypy checks the adapter against it here.
GEMINI: ModelCLI = Gemini()
