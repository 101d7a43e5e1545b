"""codex (@openai/codex): planner and executor (CLI-FACTS-codex). The command line itself is
codex_command.py's, the reading of its events codex_reply.py's; this module makes them steps.

What codex gets:
- a private, existing CODEX_HOME in the run directory (§4) and `--ignore-user-config`;
- the key by name: TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}", read by a
  custom provider whose base_url is "${OPENAI_BASE_URL:-https://api.openai.com/v1}" (codex
  itself ignores both variables in `exec`, §2);
- stdin from complete files, through `cat` or `<`, so never an open pipe (§3: that hangs);
- the prompt as the argument: codex sends `PROMPT\\n\\n<stdin>\\n…\\n</stdin>`.
Its JSON events are the reply (stdout); `-o` is not trusted (§5: empty on failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from twostep.agents import EXECUTOR, PLANNER, prompts
from twostep.agents.base import EMPTY, Call
from twostep.agents.codex_command import (
    DEFAULT_BASE_URL,
    KEY_ENV,
    MAX_INPUT_CHARS,
    Retries,
    codex_argv,
)
from twostep.agents.codex_reply import CodexReply, parse_events, problems
from twostep.core.cost import Usage
from twostep.core.recipe import Agent
from twostep.core.steps import MakeDirs
from twostep.core.values import Arg, Command, EnvVar, Joined, RunPath
from twostep.errors import ExecutorFailed, NoChanges, PlannerFailed

HOME = RunPath("codex-home")
KEY = EnvVar(("CODEX_API_KEY", "OPENAI_API_KEY"))
URL = EnvVar(("OPENAI_BASE_URL",), DEFAULT_BASE_URL)
_URL_MARK = "@TWOSTEP-BASE-URL@"
#: §3: the `\n\n<stdin>\n` … `\n</stdin>` wrapper codex puts around stdin.
WRAPPER_CHARS = 23


def _argv(role: str, agent: Agent, cwd: Arg, output: RunPath) -> tuple[Arg, ...]:
    retries = Retries(request_max_retries=agent.retries, stream_max_retries=agent.retries)
    words = codex_argv("planner" if role == PLANNER else "executor", agent.model,
                       cwd="@CWD@", output_file="@OUT@", prompt=agent.prompt, url=_URL_MARK,
                       project_docs=agent.project_settings, retries=retries)
    out: list[Arg] = []
    for word in words[:-2]:  # the prompt ("--", PROMPT) comes after the recipe's flags
        if word == "@CWD@":
            out.append(cwd)
        elif word == "@OUT@":
            out.append(output)
        elif _URL_MARK in word:
            head, tail = word.split(_URL_MARK)
            out.append(Joined((head, URL, tail)))
        else:
            out.append(word)
    return (*out, *agent.flags, *words[-2:])


def _read(reply: Path, role: str) -> CodexReply:
    error = PlannerFailed if role == PLANNER else ExecutorFailed
    try:
        events = reply.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise error(f"{reply}: cannot read the {role}'s reply: {exc.strerror}", step=role) from None
    log = reply.with_suffix(".log")  # the call's stderr: <step>.jsonl → <step>.log
    stderr = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    return parse_events(events, stderr)


class Codex:
    name = "codex"
    vendor = "OpenAI (Responses API)"
    package = "@openai/codex@0.169.0"
    #: §3: the whole user text, the prompt and the <stdin> wrapper included (fit adds the
    #: prompt's length itself).
    max_input_chars = MAX_INPUT_CHARS - WRAPPER_CHARS
    credential_vars = ("CODEX_API_KEY", "OPENAI_API_KEY")

    def credentials_problem(self, role: str, env: Mapping[str, str]) -> str | None:
        if any(env.get(k) for k in self.credential_vars):
            return None
        return f"codex ({role}): set OPENAI_API_KEY (or CODEX_API_KEY)"

    def defaults(self, role: str) -> dict[str, Any]:
        prompt = prompts.planner(False) if role == PLANNER else prompts.executor(False)
        # gpt-5.5: a catalogued model, so the executor has apply_patch (§1).
        return {"model": "gpt-5.5", "prompt": prompt, "context_tokens": 272_000,
                "output_tokens": 32_000, "timeout": 900.0 if role == PLANNER else 1800.0}

    def _call(self, role: str, agent: Agent, first: Arg, pack: Arg, cwd: Arg | None) -> Call:
        reply = RunPath(f"{role}.jsonl")
        argv = _argv(role, agent, cwd if cwd is not None else ".",
                     RunPath(f"{role}.last.md"))
        env = (("CODEX_HOME", HOME), (KEY_ENV, KEY))
        command = Command(argv, env=env, cwd=cwd, stderr=RunPath(f"{role}.log"))
        dirs = (HOME, EMPTY) if role == PLANNER else (HOME,)
        setup = (MakeDirs(f"codex-{role}-dirs", dirs, keep_on_retry=True,
                          title="codex's private home (it must exist) and working directory"),)
        what = "spec + pack" if role == PLANNER else "plan + files"
        return Call(command, (first, pack), reply,
                    f"prompt as the argument, {what} on stdin (codex wraps it in <stdin>)", setup)

    def planner_call(self, agent: Agent, spec: Arg, pack: Arg, left: Arg | None = None) -> Call:
        # Read-only sandbox, no shell, in an empty directory: nothing to change, no AGENTS.md.
        return self._call(PLANNER, agent, spec, pack, EMPTY)

    def executor_call(self, agent: Agent, plan: Arg, pack: Arg, left: Arg | None = None) -> Call:
        # workspace-write in the repository, /tmp and $TMPDIR excluded, a core-only shell env.
        return self._call(EXECUTOR, agent, plan, pack, None)

    def plan_text(self, reply: Path) -> str:
        found = _read(reply, PLANNER)
        wrong = problems(found, 0, role=PLANNER)
        if wrong:
            raise PlannerFailed("codex (planner): " + "; ".join(wrong), step=PLANNER)
        return found.text

    def verdict(self, reply: Path) -> dict[str, Any]:
        """Refused writes exit 0 (§7.1): the events and stderr say so, as NoChanges."""
        found = _read(reply, EXECUTOR)
        if found.refused:
            raise NoChanges("the executor's edits were refused: " + "; ".join(found.refusals),
                            hint="codex may write only inside the repository")
        wrong = problems(found, 0, role=EXECUTOR)
        if wrong:
            raise ExecutorFailed("codex (executor): " + "; ".join(wrong), step=EXECUTOR)
        return {"changes": [c.path for c in found.changes], "num_turns": "?"}

    def usage(self, reply: Path) -> Usage | None:
        found = _read(reply, EXECUTOR)
        if found.usage is None:
            return None
        u = found.usage
        return Usage(u.input_tokens, u.output_tokens, u.cached_input_tokens)


CODEX = Codex()
