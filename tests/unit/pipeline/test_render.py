"""The dry-run script is rendered from the same phases the runner executes: golden files
pin its exact text for each strategy, and hostile names stay inert."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from twostep.core import render
from twostep.core.recipe import Strategy
from twostep.core.steps import Pipe
from twostep.core.values import Command, RunPath
from twostep.pipeline import build as workflow
from twostep.pipeline import scriptrun
from twostep.pipeline.job import Job
from twostep.recipe import load as recipe

GOLDEN = Path(__file__).parent / "golden"
HEADER = ["recipe: go (go)", "strategy: {strategy}"]


def _script(strategy: str, **job) -> str:
    r = recipe.load("go")
    j = Job(r, spec_path="/specs/SPEC.md", **job)
    phases = workflow.phases(j, Strategy(strategy))
    begin, end = scriptrun.steps(j, Strategy(strategy), phases, allow_dirty=False)
    return render.script(phases, [h.format(strategy=strategy) for h in HEADER], "fixed-id",
                         begin=begin, end=end)


@pytest.mark.parametrize("strategy", ["small", "medium", "large"])
def test_dry_run_matches_golden(strategy):
    text = _script(strategy)
    golden = GOLDEN / f"dryrun-{strategy}.sh"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()


def test_script_is_valid_bash():
    for strategy in ("small", "medium", "large"):
        proc = subprocess.run(["bash", "-n"], input=_script(strategy).encode(), capture_output=True)
        assert proc.returncode == 0, proc.stderr


def test_review_gate_present_without_yes_only():
    assert "twostep gate AI-PLAN.md" in _script("small")
    assert "twostep gate" not in _script("small", yes=True)


HOSTILE = ["$(touch pwned).py", "`touch pwned`.go", "it's \"quoted\".go", "a;b.go", "-rf",
           "sp ace.go", "new\nline.go", "*.go", "~/x", "$HOME", "it's *.go", "it's\n~/x",
           "it's `touch pwned`", "it's!", "it's \\"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_arguments_stay_inert(tmp_path, name):
    """Each argument reaches the process unchanged and nothing is executed by the shell."""
    step = Pipe("t", "", (Command(("printf", "%s\\0", name, RunPath(name))),),
                stdout=RunPath("out"))
    script = f'RUN={tmp_path}\n' + render.pipe(step) + "\n"
    subprocess.run(["bash", "-c", script], cwd=tmp_path, check=True)
    assert (tmp_path / "out").read_bytes() == f"{name}\0{tmp_path}/{name}\0".encode()
    assert not (tmp_path / "pwned").exists()


def test_env_and_cwd_render_like_the_runner_applies_them(tmp_path):
    (tmp_path / "d").mkdir()
    step = Pipe("t", "", (Command(("sh", "-c", 'echo "$X $(pwd)"'), env=(("X", RunPath("v")),),
                                  cwd=RunPath("d")),), stdout=RunPath("out"))
    subprocess.run(["bash", "-c", f"RUN={tmp_path}\n{render.pipe(step)}"], check=True)
    assert (tmp_path / "out").read_text() == f"{tmp_path}/v {tmp_path}/d\n"


@pytest.mark.parametrize("text,shown", [("go", "go"), ("a b", "'a b'"), ("open(f, 'rb')",
                                        '"open(f, \'rb\')"'), ("it's $HOME", "'it'\"'\"'s $HOME'")])
def test_words_are_quoted_for_people(text, shown):
    assert render.word(text) == shown
