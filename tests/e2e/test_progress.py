"""Live progress: plain lines without a terminal, a spinner with elapsed time on one; -q and
NO_COLOR honoured; a summary table on stderr at the end (stdout stays data only)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.support.helpers import ROOT, example_repo, standin_env, twostep

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")


@pytest.fixture
def repo(tmp_path):
    return example_repo(tmp_path / "repo")


def test_plain_lines_and_summary_without_a_terminal(repo, tmp_path):
    proc = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                   env=standin_env(tmp_path))
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "[plan]" in err and "\r" not in err
    assert "twostep: the whole plan: wordfreq/cli.py +1 -0" in err  # what the session changed
    assert "✓ planner (" not in err  # a line per step is -v's
    assert "twostep: ✓ python -m pytest -q" in err  # a line per verify command
    assert "\033[" not in err  # NO_COLOR (and no terminal)
    table = err[err.index("tokens in") :]
    for word in ("tokens out", "cost", "plan", "task 1", "total", "result: ok (exit 0)"):
        assert word in table
    assert proc.stdout == b""


def test_verbose_shows_every_step(repo, tmp_path):
    proc = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--execute-by", "plan", "-v",
                   cwd=repo, env=standin_env(tmp_path))
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "✓ planner (" in err and "✓ task-1-try-1-executor (" in err and "✓ verify-1 (" in err


def test_quiet_prints_neither_progress_nor_summary(repo, tmp_path):
    edits = [{"path": "wordfreq/cli.py", "content": "# --top\n", "append": True},
             {"path": "tests/test_top.py", "content": "def test_top():\n    pass\n"}]
    proc = twostep("-q", "run", RECIPE, "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                   env=standin_env(tmp_path, edits=edits))
    err = proc.stderr.decode()  # the verify command's own output stays (it is the user's)
    assert proc.returncode == 0 and "✓" not in err and "twostep:" not in err and "total" not in err


@pytest.mark.parametrize("no_color", [True, False])
def test_spinner_with_elapsed_time_on_a_terminal(repo, tmp_path, no_color):
    if shutil.which("script") is None:
        pytest.skip("util-linux `script` is not installed")
    env = standin_env(tmp_path, STANDIN_GEMINI_SLEEP="1", STANDIN_SLEEP="1")
    if not no_color:
        env.pop("NO_COLOR")
    cmd = f"{sys.executable} -m twostep run {RECIPE} --spec {SPEC} --yes --execute-by plan"
    proc = subprocess.run(["script", "-qec", cmd, "/dev/null"], cwd=repo, env=env,
                          capture_output=True, timeout=120)
    out = proc.stdout.decode()
    assert proc.returncode == 0, out
    assert "\r\033[K⠙ planner" in out and " s" in out.split("⠙ planner", 1)[1][:200]
    assert ("\033[32m✓" in out) is (not no_color)
