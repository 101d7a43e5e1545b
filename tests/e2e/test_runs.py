"""`twostep runs` tells each run's story (done, failed at a step and why, rolled back, over
budget, interrupted; its spec's first line, its cost and size, whether it can resume), and
`twostep runs prune` removes old runs, their refs and worktrees, never one that can resume.
Stand-in model CLIs; the real ones' failure reasons are in tests/realcli/test_failures_say_why.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
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

RECIPE = str(ROOT / "recipes" / "python.yaml")
SPEC = ROOT / "scripts" / "example" / "SPEC.md"
TITLE = next(ln for ln in SPEC.read_text().splitlines() if ln.strip()).lstrip("#").strip()


def _run(repo: Path, env: dict, *args: str, code: int = 0) -> str:
    result = twostep(*args, cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == code, err
    return err


def _interrupted_plan(repo: Path, env: dict) -> None:
    """`plan` stopped by Ctrl-C while the planner is at work."""
    asked = len(calls(env))
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "plan", RECIPE, "--spec", str(SPEC)],
                            cwd=repo, env={**env, "STANDIN_SLEEP": "60"},
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(calls(env)) == asked:  # the stand-in records its call, then sleeps
        assert time.monotonic() < deadline and proc.poll() is None, "the planner never started"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130


def _runs(repo: Path, env: dict) -> list[dict]:
    return json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)


def _refs(repo: Path, run_id: str) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", f"refs/twostep/{run_id}/").split()


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, dict, list[dict]]:
    """One repository with a run of each kind, oldest first: over budget, rolled back, failed
    at task 2, done, interrupted."""
    tmp = tmp_path_factory.mktemp("history")
    repo = example_repo(tmp / "repo")
    env = standin_env(tmp, plan=TASKS_PLAN, edits=TASKS_EDITS)
    run = ("run", RECIPE, "--spec", str(SPEC), "--yes")
    _run(repo, env, *run, "--max-cost", "0.01", code=18)
    _run(repo, env, *run)
    _run(repo, env, "rollback")
    only_task_1 = standin_env(tmp, plan=TASKS_PLAN, edits=TASKS_EDITS[:1])
    _run(repo, only_task_1, *run, code=9)
    _run(repo, env, *run, "--allow-dirty")
    _interrupted_plan(repo, env)
    return repo, env, _runs(repo, env)


def test_runs_tell_how_each_run_ended_and_why(history):
    repo, env, runs = history
    assert [r["outcome"] for r in runs] == ["over-budget", "rolled-back", "failed", "done",
                                            "interrupted"]
    assert [r["resumable"] for r in runs] == [True, False, True, False, True]
    assert [r["exit_name"] for r in runs] == ["over-budget", None, "no-changes", None, None]
    assert all(r["title"] == TITLE and r["bytes"] > 0 for r in runs)
    budget, failed = runs[0], runs[2]
    assert "budget" in budget["error"]
    assert failed["failed_step"].startswith("task-2") and "task 2" in failed["error"]
    assert runs[3]["cost_usd"] == runs[3]["usage_totals"]["total"]["cost_usd"]

    listed = twostep("runs", cwd=repo, env=env).stdout.decode()
    lines = listed.splitlines()
    assert [ln.split()[1] for ln in lines if not ln.startswith(" ")] == \
        [r["outcome"] for r in runs]
    assert all(TITLE[:40] in ln for ln in lines if not ln.startswith(" "))
    assert f"    over-budget (exit 18) at {budget['failed_step']}: {budget['error']}" in listed
    assert f"    no-changes (exit 9) at {failed['failed_step']}: {failed['error']}" in listed
    for r in runs:
        assert (f"can resume: twostep resume {r['id']}" in listed) == r["resumable"]


def test_a_stage_failure_says_how_to_resume(history):
    repo, env, _ = history
    err = _run(repo, env, "run", RECIPE, "--spec", str(SPEC), "--yes", "--max-cost", "0.01",
               "--allow-dirty", code=18)
    newest = _runs(repo, env)[-1]
    assert f"hint: run {newest['id']} can be resumed: `twostep resume`" in err
    assert newest["outcome"] == "over-budget" and newest["error"]


def test_prune_removes_old_runs_and_their_refs_never_a_resumable_one(history):
    repo, env, runs = history
    assert twostep("runs", "prune", cwd=repo, env=env).returncode == 2
    ids = [r["id"] for r in _runs(repo, env)]
    dry = twostep("runs", "prune", "--keep", "0", "--dry-run", cwd=repo, env=env).stdout.decode()
    assert f"would remove {runs[1]['id']}" in dry and f"would remove {runs[3]['id']}" in dry
    assert f"kept {runs[0]['id']}: it can be resumed" in dry and "freeing" in dry
    assert [r["id"] for r in _runs(repo, env)] == ids
    young = twostep("runs", "prune", "--older-than", "1h", cwd=repo, env=env).stdout.decode()
    assert "removed 0 run(s), freed 0 bytes" in young

    assert _refs(repo, runs[3]["id"]) and _refs(repo, runs[2]["id"])
    out = twostep("runs", "prune", "--keep", "1", cwd=repo, env=env).stdout.decode()
    assert "removed 2 run(s), freed" in out and "kB" in out
    left = [r["id"] for r in _runs(repo, env)]
    assert left == [i for i in ids if i not in (runs[1]["id"], runs[3]["id"])]
    assert _refs(repo, runs[1]["id"]) == _refs(repo, runs[3]["id"]) == []
    assert _refs(repo, runs[2]["id"])  # a resumable run keeps its checkpoints
    assert not (repo / ".twostep" / "runs" / runs[3]["id"]).exists()


def test_prune_removes_a_rolled_back_worktree_runs_worktree_but_not_its_branch(tmp_path):
    repo = example_repo(tmp_path / "repo")
    recipe = tmp_path / "failing.yaml"
    recipe.write_text("extends: python\nfix_rounds: 0\n"
                      "verify:\n  - [python, -c, 'raise SystemExit(1)']\n")
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS)
    failed = twostep("run", str(recipe), "--spec", str(SPEC), "--yes", "--worktree", "--json",
                     cwd=repo, env=env)
    assert failed.returncode == 10, failed.stderr.decode()
    result = json.loads(failed.stdout)
    tree = Path(result["run_dir"]) / "worktree"
    kept = twostep("runs", "prune", "--keep", "0", cwd=repo, env=env).stdout.decode()
    assert "removed 0 run(s)" in kept and tree.is_dir()  # failed: it can resume
    _run(repo, env, "rollback")
    [run] = _runs(repo, env)
    assert run["outcome"] == "rolled-back" and run["exit_name"] == "verify"

    out = twostep("runs", "prune", "--keep", "0", cwd=repo, env=env).stdout.decode()
    assert f"removed {run['id']}" in out
    assert str(tree) not in git(repo, "worktree", "list", "--porcelain")
    assert not Path(result["run_dir"]).exists()
    assert git(repo, "rev-parse", "--verify", result["branch"]).strip()


def test_a_run_killed_without_a_word_says_so_and_stays_resumable(tmp_path):
    repo = example_repo(tmp_path / "repo")
    env = standin_env(tmp_path, STANDIN_CLAUDE_SLEEP="60")
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "run", RECIPE, "--spec", str(SPEC),
                             "--yes"], cwd=repo, env=env, stdin=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not [c for c in calls(env) if c["tool"] == "claude"]:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    listed = twostep("runs", cwd=repo, env=env).stdout.decode()
    assert " killed " in listed and "can resume: twostep resume" in listed
