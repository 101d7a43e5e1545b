"""Preflight: a missing tool or key stops the run before any step, names the fix, and writes
nothing into the repository. Every tool of every step counts, nested packing steps included."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, STANDINS, VENV_BIN, example_repo, git, standin_env, twostep

SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")


def _path_without(tmp_path: Path, *missing: str) -> str:
    """A PATH of links to the stand-ins, the venv and the pinned CLIs, less `missing`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tools = ROOT / ".tools" / "node_modules" / ".bin"
    for folder in (tools, VENV_BIN, STANDINS):  # later folders win, as on PATH
        for exe in folder.iterdir():
            if exe.name not in missing and os.access(exe, os.X_OK):
                (bin_dir / exe.name).unlink(missing_ok=True)
                (bin_dir / exe.name).symlink_to(exe)
    return os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"])


@pytest.fixture
def repo(tmp_path):
    return example_repo(tmp_path / "repo")


@pytest.mark.parametrize("strategy", ["small", "medium"])
def test_missing_repomix_stops_at_preflight(repo, tmp_path, strategy):
    env = standin_env(tmp_path, PATH=_path_without(tmp_path, "repomix"))
    result = twostep("run", "python", "--spec", SPEC, "--yes", "--execute-by", "plan", "--strategy",
                     strategy, cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 5, err
    assert "repomix" in err and "npm install -g repomix@1.18.1" in err
    assert not (repo / ".twostep").exists()
    assert git(repo, "status", "--porcelain", "--ignored") == ""


def test_missing_planner_writes_nothing(repo, tmp_path):
    env = standin_env(tmp_path, PATH=_path_without(tmp_path, "gemini"))
    result = twostep("run", "python", "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                     env=env)
    err = result.stderr.decode()
    assert result.returncode == 5, err
    assert "gemini" in err and "@google/gemini-cli@0.61.0" in err
    assert not (repo / ".twostep").exists()


def test_missing_key_writes_nothing(repo, tmp_path):
    env = standin_env(tmp_path)
    del env["ANTHROPIC_API_KEY"]
    env["HOME"] = str(tmp_path / "home")  # no ~/.claude/.credentials.json either
    result = twostep("run", "python", "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                     env=env)
    assert result.returncode == 16, result.stderr.decode()
    assert "ANTHROPIC_API_KEY" in result.stderr.decode()
    assert not (repo / ".twostep").exists()


# fix_rounds: 0: with fix rounds, a failing verify would call the executor again.
RECIPE_VERIFY_FLAG = """extends: python
fix_rounds: 0
verify:
  - [python, -c, "import os, sys; sys.exit(0 if os.path.exists('verify-ok') else 1)"]
"""


def test_resume_with_only_verify_left_needs_no_key(repo, tmp_path):
    recipe = tmp_path / "flag.yaml"
    recipe.write_text(RECIPE_VERIFY_FLAG)
    env = standin_env(tmp_path)
    first = twostep("run", str(recipe), "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                    env=env)
    assert first.returncode == 10, first.stderr.decode()
    (repo / "verify-ok").write_text("")
    for key in ("GEMINI_API_KEY", "ANTHROPIC_API_KEY"):
        del env[key]
    env["HOME"] = str(tmp_path / "home")  # no stored logins either
    resumed = twostep("resume", cwd=repo, env=env)
    assert resumed.returncode == 0, resumed.stderr.decode()


def test_failed_resume_preflight_writes_nothing(repo, tmp_path):
    env = standin_env(tmp_path, STANDIN_CLAUDE_EXIT="1")
    first = twostep("run", "python", "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo,
                    env=env)
    assert first.returncode == 8, first.stderr.decode()
    [manifest] = (repo / ".twostep" / "runs").glob("*/manifest.json")
    before = manifest.read_bytes()
    env["PATH"] = _path_without(tmp_path, "claude")
    resumed = twostep("resume", cwd=repo, env=env)
    assert resumed.returncode == 5, resumed.stderr.decode()
    assert manifest.read_bytes() == before


def test_dry_run_script_runs_the_same_preflight_first(repo, tmp_path):
    env = standin_env(tmp_path)
    dry = twostep("run", "python", "--spec", SPEC, "--yes", "--execute-by", "plan", "--dry-run",
                  cwd=repo, env=env)
    script = dry.stdout.decode()
    assert dry.returncode == 0, dry.stderr.decode()
    first = next(ln for ln in script.splitlines() if ln.startswith("twostep "))
    assert first.startswith("twostep preflight ") and script.index(first) < script.index("RUN=")
    for word in ("--tool repomix", "--tool gemini", "--tool claude", "--role planner=gemini",
                 "--role executor=claude", "--clean", "--plan AI-PLAN.md"):
        assert word in first, first
    # A dirty tree: the script refuses it as `run` does, before it writes anything.
    (repo / "README.md").write_text("local change\n")
    bashed = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True)
    assert bashed.returncode == 13, bashed.stderr.decode()
    assert not (repo / ".twostep").exists()
    # No key: exit 16, still nothing written.
    git(repo, "checkout", "--", "README.md")
    del env["ANTHROPIC_API_KEY"]
    env["HOME"] = str(tmp_path / "home")
    bashed = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True)
    assert bashed.returncode == 16 and b"ANTHROPIC_API_KEY" in bashed.stderr
    assert not (repo / ".twostep").exists()


def test_failed_execute_preflight_writes_nothing(repo, tmp_path):
    (tmp_path / "plan.md").write_text("# Plan\n\nChange `wordfreq/cli.py`.\n")
    env = standin_env(tmp_path, PATH=_path_without(tmp_path, "claude"))
    result = twostep("execute", "python", "--plan", str(tmp_path / "plan.md"), "--execute-by",
                     "plan", cwd=repo, env=env)
    assert result.returncode == 5, result.stderr.decode()
    assert not (repo / ".twostep").exists()
    assert git(repo, "status", "--porcelain", "--ignored") == ""
