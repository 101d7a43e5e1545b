"""Golden dry-runs for the agent pairs beyond gemini → claude, one with a budget; and the
run-time values (environment variables by name, a file's contents) expand in bash exactly
as the runner resolves them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from twostep.core import render
from twostep.core.recipe import Strategy
from twostep.core.steps import Pipe
from twostep.core.values import Command, Contents, EnvVar, Joined, Length, RunPath, Setting
from twostep.pipeline import build as workflow
from twostep.pipeline.job import Job
from twostep.pipeline.runner import Runner
from twostep.recipe import choose
from twostep.recipe import load as recipe

GOLDEN = Path(__file__).parent / "golden"
PAIRS = [("gemini", "codex", None), ("claude", "codex", None), ("codex", "claude", None),
         ("codex", "codex", None), ("claude", "claude", 2.5), ("codex", "gemini", None)]


def _script(planner: str, executor: str, budget: float | None) -> str:
    r = choose.apply(recipe.load("go"), choose.Choices(planner, executor, budget))
    job = Job(r, spec_path="/specs/SPEC.md", yes=True)
    return render.script(workflow.phases(job, Strategy.SMALL),
                         [f"recipe: go, {planner} → {executor}"], "fixed-id")


@pytest.mark.parametrize("planner,executor,budget", PAIRS)
def test_pair_dry_run_matches_golden(planner, executor, budget):
    text = _script(planner, executor, budget)
    golden = GOLDEN / f"dryrun-{planner}-{executor}{'-budget' if budget else ''}.sh"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
    proc = subprocess.run(["bash", "-n"], input=text.encode(), capture_output=True)
    assert proc.returncode == 0, proc.stderr


def test_budget_steps_surround_every_call():
    text = _script("claude", "claude", 2.5)
    # the planner, each task's session (beside others, and alone) and each fix round's
    # session: four calls in the script
    assert text.count("twostep before ") == text.count(" --max-cost 2.5 ") == 4
    assert text.count("twostep after ") == 4
    assert text.count('--max-budget-usd "$(cat "$RUN"/') == 4
    assert "--max-cost" not in _script("claude", "claude", None)


@pytest.mark.parametrize("value", ["plain", 'it\'s "q" $HOME `x` \\ end', "$(touch pwned)"])
def test_run_time_values_expand_in_bash_as_in_the_runner(tmp_path, value, monkeypatch):
    (tmp_path / "left").write_text(f"{value}\n")
    monkeypatch.setenv("TWOSTEP_T_B", value)
    monkeypatch.delenv("TWOSTEP_T_A", raising=False)
    word = Joined(("x=", EnvVar(("TWOSTEP_T_A", "TWOSTEP_T_B")), ";d=",
                   EnvVar(("TWOSTEP_T_NONE",), value), ";f=", Contents(RunPath("left")), ";r=",
                   RunPath("r")))
    step = Pipe("t", "", (Command(("printf", "%s", word)),), stdout=RunPath("out"))
    script = f"RUN={tmp_path}\n{render.pipe(step)}\n"
    subprocess.run(["bash", "-c", script], cwd=tmp_path, check=True, env=os.environ.copy())
    runner = Runner(tmp_path, tmp_path)
    assert (tmp_path / "out").read_text() == runner.resolve(word)
    assert runner.resolve(word) == f"x={value};d={value};f={value};r={tmp_path}/r"
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("value", ["plain", "", "it's \"q\" $HOME `x` \\ end", "two\nlines",
                                   "ends\n", "\n\n", "PROMPT\n$(touch pwned)\nPROMPT_\n\n  "])
def test_a_setting_reaches_bash_byte_for_byte_and_its_length_as_the_runner_counts(tmp_path,
                                                                                   value):
    setting = Setting("A_PROMPT", value)
    step = Pipe("t", "", (Command(("printf", "%s|%s", setting, Length(setting))),),
                stdout=RunPath("out"))
    script = "\n".join([*render.settings_block([step]), f"RUN={tmp_path}", render.pipe(step)])
    subprocess.run(["bash", "-c", script], cwd=tmp_path, check=True,
                   env={**os.environ, "LC_ALL": "C.UTF-8"})
    runner = Runner(tmp_path, tmp_path)
    assert (tmp_path / "out").read_text() == f"{value}|{len(value)}" == \
        f"{runner.resolve(setting)}|{runner.resolve(Length(setting))}"
    assert not (tmp_path / "pwned").exists()
