"""codex (@openai/codex): planner and executor (codex 0.169.0: each flag below answers
something codex was seen to do, said where the flag is set). codex_reply.py reads its events.

What codex gets:
- a private, existing CODEX_HOME in the run directory and `--ignore-user-config`;
- the key by name: TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}", read by a
  custom provider whose base_url is "${OPENAI_BASE_URL:-https://api.openai.com/v1}" (codex
  itself ignores both variables in `exec`);
- stdin from complete files, through `cat` or `<`, so never an open pipe (that hangs);
- the prompt as the argument: codex sends `PROMPT\\n\\n<stdin>\\n…\\n</stdin>`.
Its JSON events are the reply (stdout); `-o` is not trusted (empty on failure). The step
that runs it kills its process group on its own wall-clock timeout (codex has no turn
cap and no header timeout).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep.agents import EXECUTOR, PLANNER, prompts
from twostep.agents.base import EMPTY, Call, ModelCLI, model, one_line, prompt, read_text
from twostep.agents.codex_reply import CodexReply, parse_events, problems
from twostep.core.cost import Usage
from twostep.core.options import CliOptions, Flag, key
from twostep.core.recipe import Agent
from twostep.core.steps import MakeDirs
from twostep.core.values import Arg, Command, EnvVar, Joined, RunPath
from twostep.errors import ExecutorFailed, NoChanges, PlannerFailed

HOME = RunPath("codex-home")
PROVIDER_ID = "twostep"
#: The variable codex reads the key from (`env_key` of the custom provider).
KEY_ENV = "TWOSTEP_CODEX_API_KEY"
KEY = EnvVar(("CODEX_API_KEY", "OPENAI_API_KEY"))
URL = EnvVar(("OPENAI_BASE_URL",), "https://api.openai.com/v1")
#: The whole user text (prompt + `<stdin>` block) is capped at this many characters.
MAX_INPUT_CHARS = 1_048_576
#: The `\n\n<stdin>\n` … `\n</stdin>` wrapper codex puts around stdin.
WRAPPER_CHARS = 23
#: The provider's wait for the next event of a stream that has started.
STREAM_IDLE_MS = 120_000


@dataclass(frozen=True)
class CodexOptions(CliOptions):
    """codex's own recipe keys."""

    #: true: codex reads the repository's AGENTS.md files, from the git root down to its
    #: working directory, which for the planner is inside the run directory.
    project_settings: bool = key(False, Flag(), PLANNER, EXECUTOR)


def _provider(retries: int) -> Joined:
    """The custom provider as an inline TOML table (plain HTTP POST, no websocket
    probe, capped retries; `openai` itself cannot be overridden). The URL is read when the
    step runs, so the script names the variable."""
    head = f'model_providers.{PROVIDER_ID}={{name="{PROVIDER_ID}",base_url="'
    tail = (f'",env_key="{KEY_ENV}",wire_api="responses",request_max_retries={retries},'
            f'stream_max_retries={retries},stream_idle_timeout_ms={STREAM_IDLE_MS}}}')
    return Joined((head, URL, tail))


def _isolation(agent: Agent) -> tuple[Arg, ...]:
    args: tuple[Arg, ...] = (
        "-c", f"model_provider={PROVIDER_ID}", "-c", _provider(agent.retries),
        # Without this a refused connection retries forever, whatever the caps.
        "--disable", "unbounded_connection_retries",
        # With both, the API is the only host codex connects to.
        "--disable", "plugins", "-c", "analytics.enabled=false",
        # No session rollout files; no config but ours (never --trust).
        "--ephemeral", "--ignore-user-config", "--ignore-rules", "--skip-git-repo-check")
    if not agent.options_as(CodexOptions).project_settings:
        args += ("-c", "project_doc_max_bytes=0")  # the repo's AGENTS.md stays out
    return args


#: The planner has no shell and no web; apply_patch stays offered but read-only refuses
#: it. The executor's sandbox would otherwise let it write /tmp and $TMPDIR too;
#: its shell must not see the caller's keys and tokens.
_SANDBOX = {
    PLANNER: ("-s", "read-only", "--disable", "shell_tool", "--disable", "goals",
              "-c", 'web_search="disabled"'),
    EXECUTOR: ("-s", "workspace-write",
               "-c", "sandbox_workspace_write.exclude_slash_tmp=true",
               "-c", "sandbox_workspace_write.exclude_tmpdir_env_var=true",
               "-c", "shell_environment_policy.inherit=core"),
}


def _argv(role: str, agent: Agent, cwd: Arg, output: RunPath) -> tuple[Arg, ...]:
    # An explicit model always (the tools depend on it; the recipe requires one). "--"
    # keeps a prompt that starts with "-" from being read as a flag; the recipe's flags go
    # before it.
    return ("codex", "exec", "-m", model(agent, role), "-C", cwd, *_SANDBOX[role],
            *_isolation(agent), "--json", "-o", output, *agent.flags, "--", prompt(agent, role))


def _read(reply: Path, role: str) -> CodexReply:
    error = PlannerFailed if role == PLANNER else ExecutorFailed
    try:
        events = reply.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise error(f"{reply}: cannot read the {role}'s reply: {exc.strerror}", step=role) from None
    # the call's stderr: <step>.jsonl → <step>.log
    return parse_events(events, read_text(reply.with_suffix(".log")))


class Codex:
    name = "codex"
    vendor = "OpenAI (Responses API)"
    package = "@openai/codex@0.169.0"
    #: The whole user text, the prompt and the <stdin> wrapper included (fit adds the
    #: prompt's length itself).
    max_input_chars = MAX_INPUT_CHARS - WRAPPER_CHARS
    credential_vars: tuple[str, ...] = ("CODEX_API_KEY", "OPENAI_API_KEY")
    options = CodexOptions

    def input_chars(self, agent: Agent) -> int:
        return self.max_input_chars

    def credentials_problem(self, role: str, env: Mapping[str, str]) -> str | None:
        if any(env.get(k) for k in self.credential_vars):
            return None
        return f"codex ({role}): set OPENAI_API_KEY (or CODEX_API_KEY)"

    def defaults(self, role: str) -> dict[str, Any]:
        prompt = prompts.planner(False) if role == PLANNER else prompts.executor(False)
        # gpt-5.5: a catalogued model, so the executor has apply_patch.
        return {"model": "gpt-5.5", "prompt": prompt, "context_tokens": 272_000,
                "output_tokens": 32_000, "timeout": 900.0 if role == PLANNER else 1800.0}

    def mode(self, agent: Agent, role: str) -> str:
        return _SANDBOX[role][1]  # the -s sandbox: read-only or workspace-write

    def allow_verify(self, agent: Agent, verify: tuple[tuple[str, ...], ...]
                     ) -> tuple[Agent, tuple[str, ...]]:
        # Nothing to allow: the executor's workspace-write sandbox has a shell already.
        return agent, ()

    def _call(self, role: str, agent: Agent, first: Arg, pack: Arg, cwd: Arg | None,
              scope: str = "") -> Call:
        reply = RunPath(f"{role}.jsonl")
        argv = _argv(role, agent, cwd if cwd is not None else ".",
                     RunPath(f"{role}{scope}.last.md"))
        # A home per call beside others: its sessions, logs and shell snapshots are its own.
        home = RunPath(HOME.rel + scope)
        env = (("CODEX_HOME", home), (KEY_ENV, KEY))
        command = Command(argv, env=env, cwd=cwd, stderr=RunPath(f"{role}.log"))
        dirs = (home, EMPTY) if role == PLANNER else (home,)
        setup = (MakeDirs(f"codex-{role}-dirs", dirs, keep_on_retry=True,
                          title="codex's private home (it must exist) and working directory"),)
        what = "spec + pack" if role == PLANNER else "plan + files"
        return Call(command, (first, pack), reply,
                    f"prompt as the argument, {what} on stdin (codex wraps it in <stdin>)", setup)

    def planner_call(self, agent: Agent, spec: Arg, pack: Arg, left: Arg | None = None) -> Call:
        # Read-only sandbox, no shell, in an empty directory: nothing to change, no AGENTS.md.
        return self._call(PLANNER, agent, spec, pack, EMPTY)

    def executor_call(self, agent: Agent, plan: Arg, pack: Arg, left: Arg | None = None,
                      scope: str = "") -> Call:
        # workspace-write in the repository, /tmp and $TMPDIR excluded, a core-only shell env.
        return self._call(EXECUTOR, agent, plan, pack, None, scope)

    def plan_text(self, reply: Path) -> str:
        found = _read(reply, PLANNER)
        wrong = problems(found, 0, role=PLANNER)
        if wrong:
            raise PlannerFailed("codex (planner): " + "; ".join(wrong), step=PLANNER)
        return found.text

    def verdict(self, reply: Path) -> dict[str, Any]:
        """Refused writes exit 0: the events and stderr say so, as NoChanges."""
        found = _read(reply, EXECUTOR)
        if found.refused:
            raise NoChanges("the executor's edits were refused: " + "; ".join(found.refusals),
                            hint="codex may write only inside the repository")
        wrong = problems(found, 0, role=EXECUTOR)
        if wrong:
            raise ExecutorFailed("codex (executor): " + "; ".join(wrong), step=EXECUTOR)
        return {"changes": list(found.changed_paths), "num_turns": "?"}

    def failure(self, reply: Path, log: Path, code: int) -> str | None:
        """codex puts its errors in its events on stdout (`turn.failed`), none on stderr;
        "Reconnecting… n/N" ones are its retries, the last one says why it gave up."""
        errors = parse_events(read_text(reply)).errors
        final = [e for e in errors if not e.startswith("Reconnecting")] or errors
        return one_line(final[-1]) if final else None

    def usage(self, reply: Path) -> Usage | None:
        found = _read(reply, EXECUTOR)
        if found.usage is None:
            return None
        u = found.usage
        return Usage(u.input_tokens, u.output_tokens, u.cached_input_tokens)


#: Typed as the Protocol, so that mypy checks the adapter against it here.
CODEX: ModelCLI = Codex()
