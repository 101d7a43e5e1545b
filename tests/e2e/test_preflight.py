"""Preflight: a missing tool or key stops the run before any step, names the fix, and writes
nothing into the repository. Every tool of every step counts, nested packing steps included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import ROOT, STANDINS, VENV_BIN, example_repo, git, standin_env, twostep

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
    result = twostep("run", "python", "--spec", SPEC, "--yes", "--strategy", strategy,
                     cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 5, err
    assert "repomix" in err and "npm install -g repomix@1.18.1" in err
    assert not (repo / ".twostep").exists()
    assert git(repo, "status", "--porcelain", "--ignored") == ""


def test_missing_planner_writes_nothing(repo, tmp_path):
    env = standin_env(tmp_path, PATH=_path_without(tmp_path, "gemini"))
    result = twostep("run", "python", "--spec", SPEC, "--yes", cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 5, err
    assert "gemini" in err and "@google/gemini-cli@0.61.0" in err
    assert not (repo / ".twostep").exists()


def test_missing_key_writes_nothing(repo, tmp_path):
    env = standin_env(tmp_path)
    del env["ANTHROPIC_API_KEY"]
    env["HOME"] = str(tmp_path / "home")  # no ~/.claude/.credentials.json either
    result = twostep("run", "python", "--spec", SPEC, "--yes", cwd=repo, env=env)
    assert result.returncode == 16, result.stderr.decode()
    assert "ANTHROPIC_API_KEY" in result.stderr.decode()
    assert not (repo / ".twostep").exists()
