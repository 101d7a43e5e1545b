"""A model CLI that never starts, and one that will not die: the stall watch stops the first with
the planner's failure code, and no signal that stops twostep leaves any of it behind.

The stand-in stalls as gemini 0.61.0 does on `@` tokens (docs/cli-facts.md): a relaunched
child ignores SIGTERM, SIGINT and SIGHUP and never sends or prints anything, under a parent
that exits on SIGTERM. The same with the real gemini: tests/realcli/test_at_tokens.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, calls, example_repo, standin_env, twostep

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")


@pytest.fixture
def repo(tmp_path):
    return example_repo(tmp_path / "repo")


def _recipe(tmp_path: Path, extra: str) -> str:
    path = tmp_path / "recipe.yaml"
    path.write_text(f"extends: {RECIPE}\n{extra}")
    return str(path)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _stalled_child(env: dict) -> int:
    deadline = time.monotonic() + 30
    marker = Path(env["STANDIN_DIR"]) / "stalled.pid"
    while time.monotonic() < deadline and not marker.exists():
        time.sleep(0.1)
    return int(marker.read_text())


def _gone(pid: int, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_a_stalled_planner_is_stopped_named_and_resumable(repo, tmp_path):
    recipe = _recipe(tmp_path, "planner:\n  stall_after: 2\n")
    env = standin_env(tmp_path, STANDIN_GEMINI_STALL="1")
    started = time.monotonic()

    result = twostep("run", recipe, "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                     env=env, timeout=60)

    err = result.stderr.decode()
    assert result.returncode == 7, err
    assert time.monotonic() - started < 30
    assert "the planner (`gemini`) sent no request and printed nothing for 2 s" in err, err
    assert "planner.log" in err and "twostep resume" in err and "stall_after" in err
    assert "Traceback" not in err
    assert _gone(_stalled_child(env)), "the stalled child outlived the run"
    run = json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)[-1]
    assert run["status"] == "failed" and run["failed_step"] == "planner"

    del env["STANDIN_GEMINI_STALL"]
    resumed = twostep("resume", "--yes", cwd=repo, env=env, timeout=60)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert [c["tool"] for c in calls(env)][:2] == ["gemini", "gemini"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_stopping_twostep_leaves_no_process_of_a_stalled_cli(repo, tmp_path, sig):
    env = standin_env(tmp_path, STANDIN_GEMINI_STALL="1")
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "run", RECIPE, "--spec", SPEC,
                             "--yes"], cwd=repo, env=env, stdin=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    child = _stalled_child(env)
    assert _alive(child)

    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)

    assert proc.returncode == 130, err.decode()
    assert "can be resumed" in err.decode()
    assert _gone(child, within=0.5), "a stalled child survived twostep's exit"


def test_the_stall_watch_spares_a_cli_that_has_started_answering(repo, tmp_path):
    """A CLI that is slow but has written to its stdout is working: only the timeout bounds it
    (a connection is the other sign of life: tests/unit/pipeline/test_stall.py)."""
    recipe = _recipe(tmp_path, "planner:\n  stall_after: 1\n")
    env = standin_env(tmp_path, STANDIN_SLEEP="3", STANDIN_GEMINI_EARLY_OUTPUT="1")
    result = twostep("run", recipe, "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                     env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()


def test_stall_after_must_be_a_positive_number(repo, tmp_path):
    recipe = _recipe(tmp_path, "executor:\n  stall_after: 0\n")
    result = twostep("check", recipe, cwd=repo, env=standin_env(tmp_path))
    err = result.stderr.decode()
    assert result.returncode == 3 and "recipe.yaml:3:16: stall_after must be" in err, err

