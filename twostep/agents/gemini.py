"""gemini (@google/gemini-cli): the planner. Choices follow ../shared/CLI-FACTS.md §1."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twostep.agents.base import EXECUTOR, PLANNER, Call, read_json_reply
from twostep.errors import ExecutorFailed, PlannerFailed
from twostep.pipeline.steps import Arg, Command, MakeDirs, RunPath, WriteText
from twostep.recipe.model import Agent

HOME = RunPath("gemini-home")
#: gemini's working directory: empty, so it rewrites no @path and reads no GEMINI.md (1.10).
EMPTY = RunPath("empty")


def settings(agent: Agent) -> str:
    # With GOOGLE_GEMINI_BASE_URL set the auth type must be explicit (1.8); usage statistics
    # off removes the only other network host (1.9); maxAttempts caps 3-4 min of retries (1.7).
    return json.dumps({
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "privacy": {"usageStatisticsEnabled": False},
        "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False,
                    "maxAttempts": max(1, agent.retries)},
        "telemetry": {"enabled": False},
    }, sort_keys=True)


class Gemini:
    name = "gemini"
    vendor = "Google (Gemini API)"
    package = "@google/gemini-cli@0.61.0"
    roles = (PLANNER,)
    #: gemini skips the request silently above about 4.19M characters (1.3); keep a margin.
    max_input_chars = 4_150_000
    reads_mentions = False

    def credentials_problem(self, role: str, env: Mapping[str, str]) -> str | None:
        if env.get("GEMINI_API_KEY"):
            return None
        return f"gemini ({role}): set GEMINI_API_KEY (https://aistudio.google.com/apikey)"

    def planner_call(self, agent: Agent, spec: Arg, pack: Arg) -> Call:
        argv = ("gemini", "-p", agent.prompt, "-m", agent.model, "-o", "json", *agent.flags)
        # An empty working directory: no @path rewriting of the input, no project GEMINI.md,
        # a tiny directory listing (1.10). The trust variable avoids exit 55 (1.8).
        env = (("GEMINI_CLI_HOME", HOME), ("GEMINI_CLI_TRUST_WORKSPACE", "true"))
        setup = (
            MakeDirs("gemini-dirs", (EMPTY, RunPath("gemini-home/.gemini")), keep_on_retry=True),
            WriteText("gemini-settings", RunPath("gemini-home/.gemini/settings.json"),
                      settings(agent), title="headless gemini settings, isolated from ~/.gemini"),
            WriteText("gemini-dotenv", RunPath("empty/.env"), "",
                      title="gemini loads the first .env up from its cwd: an empty one keeps the "
                            "repository's .env (say, a GOOGLE_GEMINI_BASE_URL) out of it"),
        )
        command = Command(argv, env=env, cwd=EMPTY, stderr=RunPath("planner.log"))
        return Call(command, (spec, pack), RunPath("planner.json"),
                    "spec + pack on stdin, prompt as -p (gemini puts stdin first)", setup)

    def executor_call(self, agent: Agent, plan: Arg, pack: Arg) -> Call:
        raise ExecutorFailed("gemini is not supported as the executor yet", step=EXECUTOR)

    def plan_text(self, reply: Path) -> str:
        data = read_json_reply(reply, PLANNER, PlannerFailed)
        if not isinstance(data, dict):
            raise PlannerFailed(f"{reply}: unexpected planner reply", step=PLANNER)
        if data.get("error"):
            err = data["error"]
            message = err.get("message", err) if isinstance(err, dict) else err
            raise PlannerFailed(f"the planner reported an error: {message}", step=PLANNER)
        text = data.get("response")
        if not isinstance(text, str) or not text.strip():
            raise PlannerFailed(
                "the planner returned an empty plan", step=PLANNER,
                hint="gemini answers nothing when its input is over its window (about 4.19M "
                     "characters); see the planner log in the run directory")
        return text

    def verdict(self, reply: Path) -> dict[str, Any]:
        raise ExecutorFailed("gemini is not supported as the executor yet", step=EXECUTOR)


GEMINI = Gemini()
