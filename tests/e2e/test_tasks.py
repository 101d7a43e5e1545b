"""Task mode end to end with the stand-in model CLIs: the approved plan is the one executed,
the validate gate without a terminal and on one, and run_verify's Bash rules."""

from __future__ import annotations

import dataclasses
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.helpers import (
    ROOT,
    TASKS_EDITS,
    TASKS_PLAN,
    calls,
    example_repo,
    git,
    standin_env,
    twostep,
)
from twostep.agents.claude import ClaudeOptions
from twostep.pipeline import taskphase
from twostep.pipeline.job import Job
from twostep.recipe import load as recipes

RECIPE = str(ROOT / "recipes" / "python.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")


def test_an_edited_plan_is_refused_on_resume_until_approved_again(tmp_path):
    repo = example_repo(tmp_path / "repo")
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS, STANDIN_CLAUDE_EXIT="1")
    failed = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=repo, env=env)
    assert failed.returncode == 8, failed.stderr.decode()
    env.pop("STANDIN_CLAUDE_EXIT")
    plan = repo / "AI-PLAN.md"
    plan.write_text(TASKS_PLAN.replace("Add `--top N`", "Add `--top N` and `--bottom N`"))

    refused = twostep("resume", cwd=repo, env=env)
    err = refused.stderr.decode()
    assert refused.returncode == 12, err
    assert "changed after it was approved" in err and "+Add `--top N` and `--bottom N`" in err
    assert [c["tool"] for c in calls(env)] == ["gemini", "claude"]  # nothing more was sent

    resumed = twostep("resume", "--yes", cwd=repo, env=env)
    assert resumed.returncode == 0, resumed.stderr.decode()
    sent = [c for c in calls(env) if c["tool"] == "claude"]
    assert len(sent) == 3  # task 1 again (it never finished), then task 2
    assert (repo / "tests" / "test_top.py").exists()


def test_execute_without_a_terminal_keeps_and_says_how_to_roll_back(tmp_path):
    repo = example_repo(tmp_path / "repo")
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS)
    (tmp_path / "plan.md").write_text(TASKS_PLAN)
    result = twostep("execute", RECIPE, "--plan", str(tmp_path / "plan.md"), cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "task 2 of 2" in err and "wordfreq/cli.py" in err  # the tasks, and the stat
    assert "kept (no terminal to ask); to undo: twostep rollback" in err
    assert [c["tool"] for c in calls(env)] == ["claude", "claude"]
    undo = twostep("rollback", cwd=repo, env=env)
    assert undo.returncode == 0, undo.stderr.decode()
    assert not (repo / "tests" / "test_top.py").exists()


def run_verify(recipe, verify: tuple[tuple[str, ...], ...], on: bool = True):
    """The recipe with these verify commands, its claude executor's run_verify `on`."""
    options = dataclasses.replace(recipe.executor.options_as(ClaudeOptions), run_verify=on)
    return dataclasses.replace(recipe, verify=verify, executor=dataclasses.replace(
        recipe.executor, options=options))


def allowed(recipe) -> tuple[str, ...]:
    return taskphase.executor_agent(Job(recipe)).options_as(ClaudeOptions).allowed_tools


def test_run_verify_allows_exactly_the_verify_commands():
    verify = (("go", "test", "./..."), ("make", "lint"))
    tools = allowed(run_verify(recipes.load(RECIPE), verify))
    assert tools[-2:] == ("Bash(go test ./...:*)", "Bash(make lint:*)")
    assert "Bash" not in tools
    assert not [t for t in allowed(run_verify(recipes.load(RECIPE), verify, on=False))
                if "Bash" in t]


def test_run_verify_gives_no_rule_to_a_command_that_cannot_be_one_exactly():
    recipe = run_verify(recipes.load(RECIPE), (("python", "-c", "import a, b"), ("pytest", "-q")))
    assert [t for t in allowed(recipe) if "Bash" in t] == ["Bash(pytest -q:*)"]
    [warning] = taskphase.run_verify_warnings(Job(recipe))
    assert "cannot be allowed to run `python -c 'import a, b'`" in warning


@pytest.mark.parametrize("cli", ["gemini", "codex"])
def test_an_executor_without_run_verify_is_left_as_it_is(cli):
    recipe = recipes.load(RECIPE)
    recipe = dataclasses.replace(recipe, verify=(("pytest",),), executor=recipes.make_agent(
        "executor", {"cli": cli}))
    assert taskphase.run_verify_warnings(Job(recipe)) == []
    assert taskphase.executor_agent(Job(recipe)) == recipe.executor


@pytest.mark.parametrize("execute_by", ["task", "plan"])
def test_run_verify_rules_reach_the_executor_in_both_modes_and_a_skipped_command_is_said(
        tmp_path, execute_by):
    repo = example_repo(tmp_path / "repo")
    (tmp_path / "r.yaml").write_text(
        "extends: python\nexecutor: {run_verify: true}\n"
        "verify:\n  - [python, -m, pytest, -q]\n  - [python, -c, 'import a, b']\n")
    dry = twostep("run", str(tmp_path / "r.yaml"), "--spec", SPEC, "--yes", "--dry-run",
                  "--execute-by", execute_by, cwd=repo, env=standin_env(tmp_path))
    script, err = dry.stdout.decode(), dry.stderr.decode()
    assert dry.returncode == 0, err
    assert "--allowedTools 'Read,Glob,Grep,Edit(./**),Bash(python -m pytest -q:*)'" in script
    assert "import a, b:*" not in script
    assert "run_verify: the executor cannot be allowed to run `python -c 'import a, b'`" in err
    checked = twostep("check", str(tmp_path / "r.yaml"), cwd=repo, env=standin_env(tmp_path))
    assert checked.returncode == 0 and "cannot be allowed to run" in checked.stderr.decode()


RECIPE_FAILING = ("extends: python\nfix_rounds: 0\nverify:\n  - [python, -c, \"import sys; "
                  "print('CHECK-SAYS-NO'); sys.exit(1)\"]\n")


def _on_a_terminal(tmp_path, answers: str) -> tuple[int, str, Path]:
    """`twostep run` with both gates on a real terminal (util-linux `script` gives it a pty),
    a verify that always fails, and `answers` typed at the gates."""
    if shutil.which("script") is None:
        pytest.skip("util-linux `script` is not installed")
    repo = example_repo(tmp_path / "repo")
    (tmp_path / "r.yaml").write_text(RECIPE_FAILING)
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS, PAGER="cat")
    cmd = shlex.join([sys.executable, "-m", "twostep", "run", str(tmp_path / "r.yaml"),
                      "--spec", SPEC])
    proc = subprocess.run(["script", "-qec", cmd, "/dev/null"], cwd=repo, env=env,
                          input=answers.encode(), capture_output=True, timeout=180)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), repo


def test_on_a_terminal_the_validate_gate_shows_a_failing_verify_then_keeps_with_exit_10(tmp_path):
    code, out, repo = _on_a_terminal(tmp_path, "y\nv\nk\n")
    assert code == 10, out
    gate = out.split("Keep these changes?", 1)[0]
    assert "verify failed:" in gate
    assert "fixing is off (fix_rounds: 0); if kept, the run ends with exit 10" in gate
    assert "tasks: 2 done" in gate and "wordfreq/cli.py" in gate  # the summary and its stat
    assert "+# --top" in out.split("Keep these changes?", 1)[1]  # [v]iew: the diff in $PAGER
    assert "kept; to undo later: twostep rollback" in out and "CHECK-SAYS-NO" in out
    assert (repo / "wordfreq/cli.py").read_text().endswith("# --top\n")


def test_on_a_terminal_the_validate_gate_rolls_back(tmp_path):
    code, out, repo = _on_a_terminal(tmp_path, "y\nr\n")
    assert code == 12, out
    assert "rolled back at the validate gate" in out
    assert git(repo, "status", "--porcelain", "--", "wordfreq", "tests") == ""
    assert (repo / "AI-PLAN.md").read_text() == TASKS_PLAN  # the plan stays
    # The tasks are undone: resuming would skip them and verify a tree without them.
    resumed = twostep("resume", "--yes", cwd=repo, env=standin_env(tmp_path / "again"))
    err = resumed.stderr.decode()
    assert resumed.returncode == 4 and "was rolled back" in err, err
    assert "twostep execute RECIPE --plan AI-PLAN.md" in err
    assert git(repo, "status", "--porcelain", "--", "wordfreq", "tests") == ""


def test_resume_without_a_terminal_never_asks_again_about_an_approved_plan(tmp_path):
    code, out, repo = _on_a_terminal(tmp_path, "y\nk\n")  # approved at the gate, then kept
    assert code == 10, out
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS)
    resumed = twostep("resume", cwd=repo, env=env)  # no terminal, no --yes
    err = resumed.stderr.decode()
    assert resumed.returncode == 10, err  # verify ran again and still fails; nothing refused
    assert "review gate" not in err and "CHECK-SAYS-NO" in err
