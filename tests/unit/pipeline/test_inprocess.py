"""twostep's own stages in-process: the same command, given an Env, with nothing process-wide
changed (no chdir, no swapped sys.stdin/sys.stdout), and the same result as the process."""

from __future__ import annotations

import os
import sys

import pytest

from tests.support.helpers import PLAN, VENV_BIN, make_repo
from twostep.cli import run_stage
from twostep.core.steps import twostep
from twostep.core.values import RunPath
from twostep.pipeline.runner import Runner


@pytest.mark.parametrize("in_process", [True, False])
def test_a_stage_reads_its_env_and_leaves_the_process_as_it_was(tmp_path, monkeypatch,
                                                                in_process):
    repo = make_repo(tmp_path / "repo", {"wordfreq/cli.py": "x\n", "wordfreq/__init__.py": ""})
    (repo / "AI-PLAN.md").write_text(PLAN)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(os, "chdir", lambda path: pytest.fail(f"chdir({path})"))
    streams = (sys.stdin, sys.stdout)
    runner = Runner(repo, tmp_path, stage=run_stage if in_process else None)
    runner.run_step(twostep("files", "AI-PLAN.md", name="files", title="",
                            stdout=RunPath("out")))
    assert (tmp_path / "out").read_text() == "wordfreq/__init__.py\nwordfreq/cli.py\n"
    assert os.getcwd() == str(elsewhere) and (sys.stdin, sys.stdout) == streams
