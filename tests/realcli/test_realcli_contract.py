"""Contract tests: the real pinned gemini and claude binaries, run against the loopback
fake, behave the way twostep relies on (docs/cli-facts.md). Each CLI run takes about 1 s,
except the gemini retry test (~6 s, one 5 s +-30 % backoff)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.support.fakeapi_gemini import DEFAULT_PLAN
from tests.support.realcli import REPO_ROOT, cli_env, find_binary, run_cli, trailing_json
from twostep import agents
from twostep.recipe.load import make_agent

GEMINI_MODEL = "gemini-2.5-pro"
CLAUDE_PROMPT = "Implement this plan"
PLAN = "PLAN-LINE1\nPLAN-LINE2"


def _binary(name: str) -> str:
    path = find_binary(name)
    if path is None:
        pytest.skip(f"{name} not installed (run scripts/setup)")
    return path


@pytest.fixture
def gemini_bin() -> str:
    return _binary("gemini")


@pytest.fixture
def claude_bin() -> str:
    return _binary("claude")


@pytest.fixture
def workdir(tmp_path):
    """An empty directory to run a CLI in."""
    path = tmp_path / "work"
    path.mkdir()
    return path


def run_gemini(binary, fake, home, cwd, stdin="SPEC-TEXT\n", prompt="Create a plan"):
    argv = [binary, "-p", prompt, "-m", GEMINI_MODEL, "-o", "json"]
    return run_cli(argv, env=cli_env(fake.url, home), cwd=cwd, stdin=stdin, timeout=60)


def run_claude(binary, fake, home, cwd, *, mode="acceptEdits", retries=1, max_turns=10,
               allowed="Read,Edit,Write"):
    argv = [binary, "-p", CLAUDE_PROMPT, "--model", "sonnet", "--permission-mode", mode,
            "--output-format", "json", "--no-session-persistence",
            "--max-turns", str(max_turns), "--allowedTools", allowed]
    env = cli_env(fake.url, home, max_retries=retries)
    return run_cli(argv, env=env, cwd=cwd, stdin=PLAN, timeout=60)


@pytest.mark.realcli
def test_gemini_json_plan_from_stdin_then_prompt(gemini_bin, fake_api, cli_home, workdir):
    run = run_gemini(gemini_bin, fake_api, cli_home, workdir)

    assert run.returncode == 0, run.stderr
    out = run.json()
    assert out["response"] == DEFAULT_PLAN
    assert GEMINI_MODEL in out["stats"]["models"]
    [request] = fake_api.by_api("gemini")
    assert request["path"] == f"/v1beta/models/{GEMINI_MODEL}:streamGenerateContent?alt=sse"
    assert request["model"] == GEMINI_MODEL
    # stdin first (its own newline kept), a blank line, then the -p text.
    assert request["input_text"] == "SPEC-TEXT\n\n\nCreate a plan"


@pytest.mark.realcli
def test_gemini_api_500_fails_fast_with_error_json(gemini_bin, fake_api, cli_home, workdir):
    fake_api.configure(gemini={"fault": {"status": 500}})

    run = run_gemini(gemini_bin, fake_api, cli_home, workdir)

    assert run.returncode == 500 % 256  # -o json exits with the HTTP status mod 256
    assert run.seconds < 20  # maxAttempts 2: one ~5 s backoff, not ~4 min
    assert len(fake_api.by_api("gemini")) == 2
    assert run.stdout == ""
    error = trailing_json(run.stderr)
    assert error is not None and error["error"]["code"] == 500
    assert "fake injected error 500" in error["error"]["message"]


@pytest.mark.realcli
def test_gemini_in_empty_cwd_sends_input_verbatim(gemini_bin, fake_api, cli_home, tmp_path,
                                                  workdir):
    text = "Mail dev@example.com and read @README.md\n"
    run = run_gemini(gemini_bin, fake_api, cli_home, workdir, stdin=text)
    assert run.returncode == 0, run.stderr
    assert fake_api.requests[-1]["input_text"] == f"{text}\n\nCreate a plan"

    # Why the empty cwd matters: where README.md exists, gemini rewrites the text.
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("readme body\n")
    run = run_gemini(gemini_bin, fake_api, cli_home, repo, stdin=text)
    assert run.returncode == 0, run.stderr
    assert "readme body" in fake_api.requests[-1]["user_text"]
    assert fake_api.requests[-1]["input_text"] != f"{text}\n\nCreate a plan"


@pytest.mark.realcli
def test_claude_accept_edits_creates_and_modifies_files(claude_bin, fake_api, cli_home,
                                                        workdir):
    (workdir / "app.py").write_text("print('old')\n")
    fake_api.configure(anthropic={"script": [
        {"tool": "Write", "path": "src/new.py", "content": "NEW = 1\n"},
        {"tool": "Edit", "path": "app.py", "old": "'old'", "new": "'new'"},
        {"tool": "Append", "path": "app.py", "text": "print('more')\n"},
    ]})

    run = run_claude(claude_bin, fake_api, cli_home, workdir)

    assert run.returncode == 0, run.stdout + run.stderr
    result = run.json()
    assert result["is_error"] is False and result["subtype"] == "success"
    assert result["permission_denials"] == []
    assert result["result"] == "Plan implemented."
    assert (workdir / "src" / "new.py").read_text() == "NEW = 1\n"
    assert (workdir / "app.py").read_text() == "print('new')\nprint('more')\n"
    first = fake_api.by_api("anthropic")[0]
    assert first["input_text"] == f"{CLAUDE_PROMPT}\n{PLAN}"  # prompt first, then stdin
    assert first["cwd"] == str(workdir) and first["model"].startswith("claude-sonnet")
    assert not list((cli_home / ".claude" / "projects").rglob("*.jsonl"))


@pytest.mark.realcli
def test_claude_default_mode_refuses_edits(claude_bin, fake_api, cli_home, workdir):
    fake_api.configure(anthropic={"script": [
        {"tool": "Write", "path": "new.txt", "content": "x\n"}]})

    run = run_claude(claude_bin, fake_api, cli_home, workdir, mode="default", allowed="Read")

    assert run.returncode == 0  # refusal is not an error exit
    result = run.json()
    assert result["is_error"] is False
    assert [d["tool_name"] for d in result["permission_denials"]] == ["Write"]
    assert not (workdir / "new.txt").exists()


@pytest.mark.realcli
def test_claude_default_mode_with_scoped_edit_rule_writes(claude_bin, fake_api, cli_home,
                                                          workdir):
    fake_api.configure(anthropic={"script": [
        {"tool": "Write", "path": "new.txt", "content": "x\n"}]})

    run = run_claude(claude_bin, fake_api, cli_home, workdir, mode="default",
                     allowed="Read,Edit(./**)")

    assert run.returncode == 0 and run.json()["permission_denials"] == []
    assert (workdir / "new.txt").read_text() == "x\n"


@pytest.mark.realcli
def test_claude_max_turns_exceeded_exits_1(claude_bin, fake_api, cli_home, workdir):
    fake_api.configure(anthropic={"script": [
        {"tool": "Write", "path": f"f{i}.txt", "content": "x\n"} for i in range(3)]})

    run = run_claude(claude_bin, fake_api, cli_home, workdir, max_turns=2)

    assert run.returncode == 1
    result = run.json()
    assert result["is_error"] is True and result["subtype"] == "error_max_turns"


@pytest.mark.realcli
def test_claude_api_500_without_retries_is_error(claude_bin, fake_api, cli_home, workdir):
    fake_api.configure(anthropic={"fault": {"status": 500}})

    run = run_claude(claude_bin, fake_api, cli_home, workdir, retries=0)

    assert run.returncode == 1
    result = run.json()
    assert result["is_error"] is True and result["api_error_status"] == 500
    assert len(fake_api.by_api("anthropic")) == 1


def test_fakeapi_standalone_serves_and_logs(tmp_path):
    config, port_file, log = tmp_path / "cfg.json", tmp_path / "url", tmp_path / "log.jsonl"
    config.write_text(json.dumps({"gemini": {"plan": "STANDALONE"}}))
    script = REPO_ROOT / "tests" / "support" / "fakeapi.py"
    proc = subprocess.Popen([sys.executable, str(script), "--config", str(config),
                             "--port-file", str(port_file), "--log", str(log)])
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        body = json.dumps({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]})
        request = urllib.request.Request(port_file.read_text().strip()
                                         + "/v1beta/models/m:generateContent", body.encode())
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.load(response)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    assert answer["candidates"][0]["content"]["parts"][0]["text"] == "STANDALONE"
    [record] = [json.loads(line) for line in log.read_text().splitlines()]
    assert (record["api"], record["model"], record["user_text"]) == ("gemini", "m", "hi")


@pytest.mark.realcli
@pytest.mark.parametrize("over", [False, True], ids=["at-the-limit", "just-over"])
def test_claude_refuses_a_prompt_over_its_own_estimate_before_any_request(
        claude_bin, fake_api, cli_home, workdir, over):
    # claude estimates characters / 3 and refuses at the window less 23,000 tokens; twostep's
    # limit for the default 200,000-token window keeps 2,000 tokens of margin under it.
    limit = agents.get("claude").input_chars(make_agent("planner", {"cli": "claude"}))
    size = (200_000 - 23_000) * 3 + 3_000 if over else limit - len(CLAUDE_PROMPT)
    argv = [claude_bin, "-p", CLAUDE_PROMPT, "--model", "sonnet", "--output-format", "json",
            "--no-session-persistence", "--max-turns", "1", "--tools", ""]
    run = run_cli(argv, env=cli_env(fake_api.url, cli_home, max_retries=0), cwd=workdir,
                  stdin="a" * size, timeout=60)

    if over:
        assert run.returncode == 1 and run.json()["result"] == "Prompt is too long"
        assert fake_api.by_api("anthropic") == []
    else:
        assert run.returncode == 0, run.stdout
        assert len(fake_api.by_api("anthropic")) == 1
