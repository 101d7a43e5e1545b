"""Faults and bad input: each gets a distinct exit code and a clear message, nothing is lost,
and an interrupted run leaves no child behind and can be resumed without re-planning."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.helpers import (
    PLAN,
    ROOT,
    TASKS_EDITS,
    TASKS_PLAN,
    calls,
    example_repo,
    git,
    standin_env,
    twostep,
)

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")


@pytest.fixture
def repo(tmp_path):
    return example_repo(tmp_path / "repo")

#: The single-session executor (task mode: tests/e2e/test_tasks.py).
PLAN_MODE = ("--execute-by", "plan")


def _recipe(tmp_path: Path, extra: str) -> str:
    path = tmp_path / "recipe.yaml"
    path.write_text(f"extends: {RECIPE}\n{extra}")
    return str(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _standin_pids(env: dict, tool: str) -> list[int]:
    """Live stand-in `tool` processes of this test alone (their STANDIN_DIR is its own): other
    tests, in other pytest workers, run stand-ins of their own meanwhile."""
    mine = f"STANDIN_DIR={env['STANDIN_DIR']}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(arg.endswith(f"standins/bin/{tool}".encode()) for arg in cmdline) and \
                mine in environ and _alive(int(proc.name)):
            pids.append(int(proc.name))
    return pids


def test_planner_failure_keeps_plan_and_names_step(repo, tmp_path):
    (repo / "AI-PLAN.md").write_text("old plan\n")
    env = standin_env(tmp_path, STANDIN_GEMINI_EXIT="244")
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--allow-dirty", cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 7
    assert "step 'planner': `gemini` exited with code 244" in err and "fake API error" in err
    assert "Traceback" not in err and (repo / "AI-PLAN.md").read_text() == "old plan\n"


def test_executor_crash_names_step(repo, tmp_path):
    env = standin_env(tmp_path, STANDIN_CLAUDE_EXIT="1")
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo, env=env)
    assert result.returncode == 8
    assert "step 'task-1-try-1-executor': `claude` exited with code 1" in result.stderr.decode()
    assert (repo / "AI-PLAN.md").read_text() == PLAN  # earlier artifacts are kept


def test_step_timeout_kills_the_cli(repo, tmp_path):
    recipe = _recipe(tmp_path, "planner:\n  timeout: 1\n")
    env = standin_env(tmp_path, STANDIN_SLEEP="30")
    started = time.monotonic()
    result = twostep("run", recipe, "--spec", SPEC, "--yes", cwd=repo, env=env)
    assert result.returncode == 15 and "did not finish within 1 s" in result.stderr.decode()
    assert time.monotonic() - started < 20


def test_missing_tool_is_named_with_its_install_command(repo, tmp_path):
    env = standin_env(tmp_path)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if "standins" not in p
                                  and ".tools" not in p)
    env["PATH"] = str(tmp_path / "empty-bin") + os.pathsep + "/usr/bin:/bin"
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 5 and "not found on PATH" in err
    assert "npm install -g @google/gemini-cli@0.61.0" in err and calls(env) == []


def test_missing_credentials(repo, tmp_path):
    env = standin_env(tmp_path)
    del env["GEMINI_API_KEY"], env["ANTHROPIC_API_KEY"]
    env["HOME"] = str(tmp_path)
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 16 and "GEMINI_API_KEY" in err and "ANTHROPIC_API_KEY" in err
    assert calls(env) == []


def test_dirty_tree_refused_and_kept(repo, tmp_path):
    (repo / "README.md").write_text("my uncommitted work\n")
    env = standin_env(tmp_path)
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=repo, env=env)
    assert result.returncode == 13 and "--allow-dirty" in result.stderr.decode()
    assert (repo / "README.md").read_text() == "my uncommitted work\n" and calls(env) == []


BAD_INPUT = [
    (["run", RECIPE, "--spec", "missing.md", "--yes"], 4, "missing.md: no such spec file"),
    (["run", RECIPE, "--spec", "empty.md", "--yes"], 4, "empty.md: the spec is empty"),
    (["run", RECIPE, "--spec", "-", "--yes"], 4, "the spec on stdin is empty"),
    (["run", RECIPE, "--spec", SPEC, "--strategy", "huge"], 2, "'huge' is not one of"),
    (["run", RECIPE, "--spec", SPEC, "--frobnicate"], 2, "No such option '--frobnicate'"),
    (["run", "nosuch", "--spec", SPEC], 3, "nosuch: no such recipe"),
    (["execute", RECIPE, "--plan", "nope.md"], 4, "nope.md: no such plan file"),
    (["files", "nope.md"], 4, "nope.md: no such plan file"),
    (["resume"], 4, "no failed or interrupted run"),
]


@pytest.mark.parametrize("args,code,message", BAD_INPUT, ids=[b[2][:28] for b in BAD_INPUT])
def test_bad_input(repo, tmp_path, args, code, message):
    (repo / "empty.md").write_text("  \n")
    env = standin_env(tmp_path)
    before = git(repo, "status", "--porcelain")
    result = twostep(*args, cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == code and message in err and "Traceback" not in err
    assert calls(env) == [] and git(repo, "status", "--porcelain") == before


def test_not_a_git_repository(tmp_path):
    (tmp_path / "plain").mkdir()
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=tmp_path / "plain",
                     env=standin_env(tmp_path))
    assert result.returncode == 4 and "not inside a git repository" in result.stderr.decode()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_every_child_and_resume_skips_the_planner(repo, tmp_path, sig):
    env = standin_env(tmp_path)
    slow = dict(env, STANDIN_CLAUDE_SLEEP="60")
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "run", RECIPE, "--spec", SPEC,
                             "--yes", *PLAN_MODE],
                            cwd=repo, env=slow, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and [c["tool"] for c in calls(env)] != ["gemini", "claude"]:
        time.sleep(0.1)
    pids = _standin_pids(env, "claude")
    assert pids, "the executor stand-in should be running"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err.decode()
    assert "can be resumed" in err.decode()
    time.sleep(0.3)
    assert not [p for p in pids if _alive(p)]
    runs = json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)
    assert runs[-1]["status"] == "interrupted"
    resumed = twostep("resume", cwd=repo, env=env)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert [c["tool"] for c in calls(env)] == ["gemini", "claude", "claude"]  # no re-planning
    assert json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)[-1]["status"] == "done"


def test_resume_after_executor_failure_does_not_replan(repo, tmp_path):
    env = standin_env(tmp_path, STANDIN_CLAUDE_EXIT="1")
    assert twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo,
                   env=env).returncode == 8
    env.pop("STANDIN_CLAUDE_EXIT")
    resumed = twostep("resume", "--allow-dirty", cwd=repo, env=env)
    assert resumed.returncode == 0, resumed.stderr.decode()
    tools = [c["tool"] for c in calls(env)]
    assert tools.count("gemini") == 1 and tools.count("claude") == 2
    assert (repo / "wordfreq" / "cli.py").read_text().endswith("# --top\n")


def test_plan_naming_no_file_stops_before_the_executor(repo, tmp_path):
    env = standin_env(tmp_path, plan="# Plan\n\nThink hard about it. Nothing to change.\n")
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--strategy", "medium", cwd=repo,
                     env=env)
    assert result.returncode == 11, result.stderr.decode()
    assert "names no" in result.stderr.decode() or "no file" in result.stderr.decode()
    assert [c["tool"] for c in calls(env)] == ["gemini"]


def test_resume_warns_when_plan_files_changed(repo, tmp_path):
    env = standin_env(tmp_path, STANDIN_CLAUDE_EXIT="1")
    assert twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo,
                   env=env).returncode == 8
    (repo / "wordfreq" / "cli.py").write_text("# changed meanwhile\n")
    git(repo, "commit", "-qam", "meanwhile")
    env.pop("STANDIN_CLAUDE_EXIT")
    resumed = twostep("resume", cwd=repo, env=env)
    err = resumed.stderr.decode()
    assert resumed.returncode == 0, err
    assert "changed since it was written: wordfreq/cli.py" in err


def test_an_at_path_in_the_plan_stays_text_for_claude(repo, tmp_path):
    """claude would read and send @/abs/path (docs/cli-facts.md): it runs with attachments off,
    so a plan that mentions one runs as any other (tests/realcli/test_at_tokens.py sends it)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET\n")
    env = standin_env(tmp_path, plan=PLAN + f"\nAlso compare with @{secret} first.\n")
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo, env=env)
    assert result.returncode == 0, result.stderr.decode()
    executor = [c for c in calls(env) if c["tool"] == "claude"]
    assert executor and executor[0]["env"]["CLAUDE_CODE_DISABLE_ATTACHMENTS"] == "1"


def test_resume_does_not_take_the_runs_own_edits_for_the_users(repo, tmp_path):
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS, STANDIN_CLAUDE_EXIT="1",
                      STANDIN_CLAUDE_EXIT_WHEN="task 2 of 2")
    first = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=repo, env=env)
    assert first.returncode == 8, first.stderr.decode()
    assert (repo / "wordfreq" / "cli.py").read_text().endswith("# --top\n")  # task 1's edit
    env.pop("STANDIN_CLAUDE_EXIT")
    resumed = twostep("resume", cwd=repo, env=env)
    err = resumed.stderr.decode()
    assert resumed.returncode == 0, err
    assert "changed since it was written" not in err
