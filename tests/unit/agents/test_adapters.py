"""Each adapter in each role: the steps it builds (argv, env by name, isolation, stdin), how
it reads its reply (the silent failures), and its usage figures. The real binaries run the
same commands in tests/realcli/test_agents_e2e.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from twostep import agents
from twostep.agents import EXECUTOR, PLANNER
from twostep.agents.base import EMPTY, model, prompt
from twostep.core.render import pipe
from twostep.core.steps import MakeDirs, Pipe
from twostep.core.values import Contents, EnvVar, Joined, RunPath
from twostep.errors import ExecutorFailed, NoChanges, PlannerFailed
from twostep.recipe.load import make_agent

SECRETS = {"OPENAI_API_KEY": "sk-secret-openai", "CODEX_API_KEY": "sk-secret-codex",
           "ANTHROPIC_API_KEY": "sk-ant-secret", "GEMINI_API_KEY": "gm-secret"}


def agent(cli: str, role: str, **extra):
    return make_agent(role, {"cli": cli, **extra})


def call(cli: str, role: str, left=None, **extra):
    adapter = agents.get(cli)
    a = agent(cli, role, **extra)
    make = adapter.planner_call if role == PLANNER else adapter.executor_call
    return make(a, RunPath("spec.md") if role == PLANNER else "AI-PLAN.md",
                RunPath("codebase.xml"), left)


def rendered(c) -> str:
    return pipe(Pipe("x", "", (c.command,), stdin=c.stdin, stdout=c.reply))


@pytest.mark.parametrize("cli", agents.NAMES)
@pytest.mark.parametrize("role", [PLANNER, EXECUTOR])
def test_every_cli_takes_every_role_with_defaults_alone(cli, role, monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    a = agent(cli, role)
    assert a.model and a.prompt and a.context_tokens > a.output_tokens
    c = call(cli, role)
    assert model(a, role) in c.command.argv and prompt(a, role) in c.command.argv
    text = rendered(c)
    assert f'"${role.upper()}_MODEL"' in text and f'"${role.upper()}_PROMPT"' in text
    for value in SECRETS.values():  # names only, never values, in a step
        assert value not in text


@pytest.mark.parametrize("role", [PLANNER, EXECUTOR])
def test_codex_command_line(role):
    c = call("codex", role)
    assert c.command.argv[:4] == ("codex", "exec", "-m", model(agent("codex", role), role))
    argv = [a for a in c.command.argv if isinstance(a, str)]
    for flag in ("--ephemeral", "--ignore-user-config", "--ignore-rules", "--skip-git-repo-check",
                 "--json", "project_doc_max_bytes=0", "analytics.enabled=false"):
        assert flag in argv
    assert argv[argv.index("--disable") + 1] == "unbounded_connection_retries" or \
        "unbounded_connection_retries" in argv
    assert argv[-1] == "--" and c.command.argv[-1] == prompt(agent("codex", role), role)
    assert "-s" in argv
    sandbox = argv[argv.index("-s") + 1]
    assert sandbox == ("read-only" if role == PLANNER else "workspace-write")
    if role == PLANNER:
        assert "shell_tool" in argv and c.command.cwd == EMPTY
    else:
        assert "shell_environment_policy.inherit=core" in argv and c.command.cwd is None
        assert "sandbox_workspace_write.exclude_slash_tmp=true" in argv
    env = dict(c.command.env)
    assert env["CODEX_HOME"] == RunPath("codex-home")
    assert env["TWOSTEP_CODEX_API_KEY"] == EnvVar(("CODEX_API_KEY", "OPENAI_API_KEY"))
    [provider] = [a for a in c.command.argv if isinstance(a, Joined)]
    assert EnvVar(("OPENAI_BASE_URL",), "https://api.openai.com/v1") in provider.parts
    assert any(isinstance(s, MakeDirs) and RunPath("codex-home") in s.paths for s in c.setup)
    # stdin is whole files (cat or <): never an open pipe, which hangs codex.
    assert c.stdin and all(isinstance(s, (str, RunPath)) for s in c.stdin)


def test_codex_provider_renders_variable_names_only():
    text = rendered(call("codex", EXECUTOR))
    assert 'TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}"' in text
    assert 'base_url=\\"${OPENAI_BASE_URL:-"https://api.openai.com/v1"}\\"' in text


def test_codex_planner_has_no_shell_no_web_and_never_trusts():
    argv = [a for a in call("codex", PLANNER).command.argv if isinstance(a, str)]
    disabled = {argv[i + 1] for i, a in enumerate(argv) if a == "--disable"}
    assert {"shell_tool", "goals", "plugins", "unbounded_connection_retries"} <= disabled
    assert 'web_search="disabled"' in argv
    assert "--trust" not in argv  # it persists into CODEX_HOME


def test_codex_provider_is_valid_toml_with_the_recipe_retries():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    [provider] = [a for a in call("codex", EXECUTOR, retries=0).command.argv
                  if isinstance(a, Joined)]
    url = "http://127.0.0.1:9/v1"  # OPENAI_BASE_URL, read when the step runs
    text = "".join(url if isinstance(p, EnvVar) else p for p in provider.parts)
    key, _, table = text.partition("=")
    assert key == "model_providers.twostep"
    assert tomllib.loads(f"p = {table}")["p"] == {
        "name": "twostep", "base_url": url, "env_key": "TWOSTEP_CODEX_API_KEY",
        "wire_api": "responses", "request_max_retries": 0, "stream_max_retries": 0,
        "stream_idle_timeout_ms": 120_000}


def test_codex_project_docs_opt_in():
    argv = call("codex", EXECUTOR, project_settings=True).command.argv
    assert "project_doc_max_bytes=0" not in argv


def test_claude_planner_has_no_tools_and_an_empty_cwd():
    c = call("claude", PLANNER)
    argv = list(c.command.argv)
    assert argv[argv.index("--tools") + 1] == ""
    assert c.command.cwd == EMPTY and "--setting-sources" in argv
    assert "--max-budget-usd" not in argv


def test_claude_gets_what_is_left_of_the_budget():
    left = Contents(RunPath("executor.left"))
    argv = list(call("claude", EXECUTOR, left=left).command.argv)
    assert argv[argv.index("--max-budget-usd") + 1] == left
    assert '--max-budget-usd "$(cat "$RUN"/executor.left)"' in rendered(
        call("claude", EXECUTOR, left=left))


def test_gemini_executor_auto_edit_in_the_repository():
    c = call("gemini", EXECUTOR)
    argv = list(c.command.argv)
    assert argv[argv.index("--approval-mode") + 1] == "auto_edit"
    assert c.command.cwd is None  # the workspace is the repository, and only it
    assert dict(c.command.env)["GEMINI_CLI_HOME"] == RunPath("gemini-exec-home")
    settings = json.loads(next(s for s in c.setup if hasattr(s, "text")).text)
    assert "GOOGLE_GEMINI_BASE_URL" in settings["advanced"]["excludedEnvVars"]


# -- replies: the silent failures ---------------------------------------------------------

def events(*items: dict) -> str:
    return "".join(json.dumps(e) + "\n" for e in items)


MESSAGE = {"type": "item.completed", "item": {"id": "1", "type": "agent_message",
                                              "text": "# Plan\n"}}
DONE = {"type": "turn.completed", "usage": {"input_tokens": 900, "cached_input_tokens": 100,
                                            "output_tokens": 40}}


def write(tmp: Path, name: str, text: str, log: str = "") -> Path:
    (tmp / f"{name.split('.')[0]}.log").write_text(log)
    path = tmp / name
    path.write_text(text)
    return path


def test_codex_plan_text_and_usage(tmp_path):
    reply = write(tmp_path, "planner.jsonl", events(MESSAGE, DONE))
    codex = agents.get("codex")
    assert codex.plan_text(reply) == "# Plan\n"
    u = codex.usage(reply)
    assert (u.input_tokens, u.cached_tokens, u.output_tokens, u.reported_usd) == (900, 100, 40,
                                                                                  None)


@pytest.mark.parametrize("stream,why", [
    (events(MESSAGE), "no turn.completed"),  # a truncated stream still has the message
    (events(DONE), "final message is empty"),
    ("", "no turn.completed"),  # -o may be empty too; the events are what count
    (events(MESSAGE, {"type": "turn.failed", "error": {"message": "boom"}}), "boom"),
])
def test_codex_planner_failures_exit_7(tmp_path, stream, why):
    reply = write(tmp_path, "planner.jsonl", stream)
    with pytest.raises(PlannerFailed, match=why):
        agents.get("codex").plan_text(reply)


def test_codex_refused_edit_with_exit_0_is_no_changes(tmp_path):
    log = ("2026-12-01T05:26:49Z ERROR codex_core::tools::router: error=patch rejected: "
           "writing outside of the project\n")
    reply = write(tmp_path, "executor.jsonl", events(MESSAGE, DONE), log)
    with pytest.raises(NoChanges, match="patch rejected"):
        agents.get("codex").verdict(reply)


def test_codex_executor_cut_short_is_exit_8(tmp_path):
    reply = write(tmp_path, "executor.jsonl", events(MESSAGE))
    with pytest.raises(ExecutorFailed, match=re.escape("turn.completed")):
        agents.get("codex").verdict(reply)


def claude_result(**extra) -> str:
    return json.dumps({"type": "result", "subtype": "success", "is_error": False,
                       "result": "# Plan\n", "total_cost_usd": 0.0123,
                       "usage": {"input_tokens": 10, "cache_creation_input_tokens": 200,
                                 "cache_read_input_tokens": 300, "output_tokens": 50}, **extra})


def test_claude_planner_reply_and_reported_cost(tmp_path):
    reply = write(tmp_path, "planner.json", claude_result())
    claude = agents.get("claude")
    assert claude.plan_text(reply) == "# Plan\n"
    u = claude.usage(reply)
    assert (u.input_tokens, u.cached_tokens, u.output_tokens, u.reported_usd) == (510, 300, 50,
                                                                                  0.0123)


def test_claude_planner_prompt_too_long_exit_0_is_exit_7(tmp_path):
    reply = write(tmp_path, "planner.json", claude_result(is_error=True,
                                                           result="Prompt is too long"))
    with pytest.raises(PlannerFailed, match="Prompt is too long") as info:
        agents.get("claude").plan_text(reply)
    assert "[1m]" in (info.value.hint or "")


def gemini_reply(fail: int = 0) -> str:
    return json.dumps({"session_id": "s", "response": "done", "stats": {
        "models": {"gemini-2.5-pro": {"tokens": {"prompt": 1000, "candidates": 30,
                                                 "cached": 400, "thoughts": 20}}},
        "tools": {"totalCalls": 1, "totalFail": fail,
                  "byName": {"write_file": {"count": 1, "success": 1 - fail, "fail": fail}}}}})


def test_gemini_executor_refused_edit_exit_0_is_no_changes(tmp_path):
    with pytest.raises(NoChanges, match="write_file"):
        agents.get("gemini").verdict(write(tmp_path, "executor.json", gemini_reply(fail=1)))
    ok = agents.get("gemini").verdict(write(tmp_path, "executor.json", gemini_reply()))
    assert ok["response"] == "done"


def test_gemini_usage(tmp_path):
    u = agents.get("gemini").usage(write(tmp_path, "executor.json", gemini_reply()))
    assert (u.input_tokens, u.cached_tokens, u.output_tokens, u.reported_usd) == (1000, 400, 50,
                                                                                  None)


# -- failure(): a failed call's reason, in the CLI's own words, on one line ---------------------

GEMINI_TRACE = """Attempt 1 failed: You exceeded your current quota. Max attempts reached
Error when talking to Gemini API Full report available at: /tmp/x.json RetryableQuotaError: quota
    at classifyGoogleError (file:///x/chunk.js:307333:14)
    at async main (file:///x/gemini.js:17627:5) {
  cause: { code: 429, message: 'quota', details: [] },
  status: 429
}
"""
GEMINI_CUT = """TypeError: terminated
    at Fetch.onAborted (node:internal/deps/undici/undici:11350:53) {
  [cause]: SocketError: other side closed
      at Socket.onHttpSocketEnd (file:///x/chunk.js:216209:27) {
    code: 'UND_ERR_SOCKET'
  }
}
"""


@pytest.mark.parametrize("log,why", [
    (GEMINI_TRACE + json.dumps({"session_id": "s", "error": {
        "type": "Error", "message": "You exceeded your current quota.", "code": 429}}, indent=2),
     "API error 429: You exceeded your current quota."),
    (json.dumps({"error": {"type": "Error", "code": 500, "message": json.dumps(
        {"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}})}}) + "\n",
     "API error 500: Internal error"),
    (GEMINI_CUT + json.dumps({"error": {"type": "Error", "message": "terminated", "code": 1}}),
     "terminated (other side closed)"),
    ("Warning: 256-color support not detected.\n", None),
])
def test_gemini_failure_is_its_error_object_after_the_stack_trace(tmp_path, log, why):
    reply = write(tmp_path, "planner.json", "", log)
    assert agents.get("gemini").failure(reply, tmp_path / "planner.log", 173) == why


@pytest.mark.parametrize("reply,why", [
    (claude_result(is_error=True, api_error_status=500,
                   result="API Error: 500 overloaded.\nTry again."),
     "API Error: 500 overloaded. Try again."),
    (claude_result(is_error=True, api_error_status=529, result="Overloaded"),
     "API error 529: Overloaded"),
    (claude_result(), None),
    ("", None),
])
def test_claude_failure_is_its_error_result(tmp_path, reply, why):
    path = write(tmp_path, "executor.json", reply)
    assert agents.get("claude").failure(path, tmp_path / "executor.log", 1) == why


def test_codex_failure_is_the_error_it_gave_up_on_not_its_retries(tmp_path):
    stream = events({"type": "error", "message": "Reconnecting... 1/2 (boom)"},
                    {"type": "error", "message": "exceeded retry limit, last status: 429"},
                    {"type": "turn.failed", "error": {"message": "exceeded retry limit, last "
                                                                 "status: 429"}})
    codex = agents.get("codex")
    reply = write(tmp_path, "executor.jsonl", stream)
    assert codex.failure(reply, tmp_path / "executor.log", 1) == \
        "exceeded retry limit, last status: 429"
    assert codex.failure(write(tmp_path, "executor.jsonl", ""), tmp_path / "x.log", 1) is None
