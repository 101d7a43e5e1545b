"""The journey at its seams (issue 20), with the REAL pinned gemini, claude, repomix and git
against the loopback fake: resume after a fix by hand runs verify again and needs no key; a
--worktree run checks the git identity its commit needs before anything is sent, and a commit
that fails anyway leaves the run failed and resumable; the user's own plan file is never read
for, or written with, a worktree run's plan.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import git, make_repo, twostep
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

TARGET = "pkg/core.py"
PLAN = f"""# Plan: add a version constant

## Task 1: The constant
In `{TARGET}`, add `VERSION = 2` at the end.

```twostep-files
task 1: The constant
modify: {TARGET}
```
"""
EDITED = "def f():\n    return 1\n\nVERSION = 2\n"
#: A check that passes once a person has made it pass (fixed.txt), whatever the model did.
CHECK = ["python", "-c", "import os, sys; sys.exit(0 if os.path.exists('fixed.txt') else 1)"]
REQUIRED = ("git", "repomix", "gemini", "claude", "twostep", "python")


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home, REQUIRED)


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {TARGET: "def f():\n    return 1\n",
                                         "pkg/__init__.py": "", "README.md": "# pkg\n",
                                         ".gitignore": "fixed.txt\n"})


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text("Add a version constant to the core module.\n")
    return str(path)


def _recipe(tmp_path: Path, fix_rounds: int = 1) -> str:
    path = tmp_path / "recipe.yaml"
    path.write_text(f"extends: python\nfix_rounds: {fix_rounds}\n"
                    f"verify:\n  - {json.dumps(CHECK)}\n")
    return str(path)


def _configure(fake) -> None:
    # The task's session writes the edit; the fix round's session only reads: it changes
    # nothing, so the fix rounds stop and the failing verify goes through the validate gate.
    fake.configure(gemini={"plan": PLAN}, anthropic={
        "script": [{"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}],
        "sessions": [{"when": "# Fix the failing check", "script": [
            {"tool": "Read", "path": TARGET}]}]})


def _keyless(env: dict, tmp_path: Path) -> dict:
    out = {k: v for k, v in env.items() if k not in ("GEMINI_API_KEY", "ANTHROPIC_API_KEY")}
    out["HOME"] = str(tmp_path / "no-logins")  # no stored claude login either
    return out


def _last_run(repo: Path, env: dict) -> dict:
    return json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)[-1]


def test_resume_after_a_fix_by_hand_runs_verify_again_and_needs_no_key(
        repo, spec, env, fake_api, tmp_path):
    _configure(fake_api)
    first = twostep("run", _recipe(tmp_path), "--spec", spec, "--yes", cwd=repo, env=env,
                    timeout=180)
    assert first.returncode == 10, first.stderr.decode()
    assert "twostep resume" in first.stderr.decode()
    before = _last_run(repo, env)
    run_dir = repo / ".twostep" / "runs" / before["id"]
    outputs = {p.name: p.stat().st_mtime_ns for p in run_dir.glob("verify-*.out")}
    calls = len(fake_api.requests)

    (repo / "fixed.txt").write_text("fixed by hand\n")
    resumed = twostep("resume", cwd=repo, env=_keyless(env, tmp_path), timeout=120)

    err = resumed.stderr.decode()
    assert resumed.returncode == 0, err
    assert len(fake_api.requests) == calls, "resume called a model"
    assert any(p.stat().st_mtime_ns > outputs.get(p.name, 0)
               for p in run_dir.glob("verify-*.out")), "verify did not run again"
    after = _last_run(repo, env)
    ran = [s["name"] for s in after["steps"][len(before["steps"]):]]
    assert ran and not [n for n in ran if n.endswith(("-pack", "-cache")) or n == "planner"], ran
    assert after["status"] == "done"
    assert (repo / TARGET).read_text() == EDITED


def test_resume_still_failing_runs_the_fix_rounds_and_names_the_key_it_needs(
        repo, spec, env, fake_api, tmp_path):
    _configure(fake_api)
    first = twostep("run", _recipe(tmp_path), "--spec", spec, "--yes", cwd=repo, env=env,
                    timeout=180)
    assert first.returncode == 10, first.stderr.decode()
    calls = len(fake_api.requests)

    keyless = twostep("resume", cwd=repo, env=_keyless(env, tmp_path), timeout=120)
    assert keyless.returncode == 16, keyless.stderr.decode()
    assert "ANTHROPIC_API_KEY" in keyless.stderr.decode()
    assert len(fake_api.requests) == calls

    again = twostep("resume", cwd=repo, env=env, timeout=180)
    assert again.returncode == 10, again.stderr.decode()
    assert len(fake_api.requests) > calls  # the fix round's session ran


def _no_identity(env: dict, tmp_path: Path) -> dict:
    home = tmp_path / "bare-home"
    home.mkdir(exist_ok=True)
    out = {k: v for k, v in env.items() if not k.startswith(("GIT_AUTHOR", "GIT_COMMITTER",
                                                              "EMAIL"))}
    out.update(HOME=str(home), GIT_CONFIG_NOSYSTEM="1", XDG_CONFIG_HOME=str(home / ".config"))
    return out


def test_worktree_without_a_git_identity_stops_before_anything_is_sent(
        tmp_path, spec, env, fake_api):
    repo = make_repo(tmp_path / "repo", {TARGET: "def f():\n    return 1\n"})
    git(repo, "config", "--unset", "user.email")
    git(repo, "config", "--unset", "user.name")
    fake_api.configure(gemini={"plan": PLAN})
    bare = _no_identity(env, tmp_path)
    bare["PATH"] = env["PATH"]
    (Path(bare["HOME"]) / "tmp").mkdir(exist_ok=True)

    result = twostep("run", "python", "--spec", spec, "--yes", "--worktree", cwd=repo, env=bare)

    err = result.stderr.decode()
    assert result.returncode == 4, err
    assert "git config user.email" in err and "GIT_AUTHOR_EMAIL" in err
    assert fake_api.requests == []
    assert not (repo / ".twostep" / "runs").exists() or \
        not list((repo / ".twostep" / "runs").iterdir())

    named = dict(bare, GIT_AUTHOR_NAME="CI", GIT_AUTHOR_EMAIL="ci@example.invalid",
                 GIT_COMMITTER_NAME="CI", GIT_COMMITTER_EMAIL="ci@example.invalid")
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"script": [
        {"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}]})
    ok = twostep("run", "python", "--spec", spec, "--yes", "--worktree", "--json", cwd=repo,
                 env=named, timeout=180)
    assert ok.returncode == 0, ok.stderr.decode()
    branch = json.loads(ok.stdout)["branch"]
    assert git(repo, "log", "-1", "--format=%an <%ae>", branch).strip() == \
        "CI <ci@example.invalid>"


def _failing_git(tmp_path: Path, env: dict) -> tuple[dict, Path]:
    """git whose `commit` fails while a marker file exists: a commit that fails after the
    preflight passed (a full disk, a lock, a hook of the user's global config)."""
    real = next(Path(d) / "git" for d in os.environ["PATH"].split(os.pathsep)
                if (Path(d) / "git").is_file())
    bin_dir, marker = tmp_path / "git-bin", tmp_path / "fail-commit"
    bin_dir.mkdir()
    wrapper = bin_dir / "git"
    wrapper.write_text(f"#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = commit ] && "
                       f"[ -e {marker} ]; then echo 'fatal: cannot lock ref' >&2; exit 128; fi\n"
                       f"done\nexec {real} \"$@\"\n")
    wrapper.chmod(0o755)
    return dict(env, PATH=f"{bin_dir}{os.pathsep}{env['PATH']}"), marker


def test_a_failed_commit_leaves_the_run_failed_and_resume_commits(
        repo, spec, env, fake_api, tmp_path):
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"script": [
        {"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}]})
    failing, marker = _failing_git(tmp_path, env)
    marker.write_text("")

    result = twostep("run", "python", "--spec", spec, "--yes", "--worktree", "--json",
                     cwd=repo, env=failing, timeout=180)

    assert result.returncode == 6, result.stderr.decode()
    data = json.loads(result.stdout)
    assert data["status"] == "step" and data["changed_files"] == [TARGET]
    run = _last_run(repo, env)
    assert run["status"] == "failed" and run["failed_step"] == "commit"
    calls = len(fake_api.requests)

    marker.unlink()
    resumed = twostep("resume", "--json", cwd=repo, env=failing, timeout=120)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert len(fake_api.requests) == calls  # nothing was paid for twice
    branch = json.loads(resumed.stdout)["branch"]
    assert git(repo, "show", f"{branch}:{TARGET}") == EDITED
    assert _last_run(repo, env)["status"] == "done"


def test_a_worktree_run_never_touches_the_users_plan_file(repo, spec, env, fake_api):
    mine = "# my own notes, not committed\n"
    (repo / "AI-PLAN.md").write_text(mine)
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"script": [
        {"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}]})

    result = twostep("run", "python", "--spec", spec, "--yes", "--worktree", "--json",
                     cwd=repo, env=env, timeout=180)

    assert result.returncode == 0, result.stderr.decode()
    assert (repo / "AI-PLAN.md").read_text() == mine
    assert git(repo, "status", "--porcelain").splitlines() == ["?? AI-PLAN.md"]
    data = json.loads(result.stdout)
    assert git(repo, "show", f"{data['branch']}:{TARGET}") == EDITED
    assert "my own notes" not in json.dumps([r["body"] for r in fake_api.requests])


def _script(repo: Path, spec: str, env: dict, *more: str) -> str:
    dry = twostep("run", "python", "--spec", spec, "--yes", "--dry-run", *more, cwd=repo,
                  env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    return dry.stdout.decode()


def test_a_run_made_by_bash_of_the_script_is_a_run(repo, spec, env, fake_api, tmp_path):
    """`runs` lists it, `resume` continues it without planning again, and the `rollback` the
    script prints undoes it."""
    script = tmp_path / "run.sh"
    script.write_text(_script(repo, spec, env))
    fake_api.configure(gemini={"plan": PLAN}, anthropic={
        "script": [{"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}],
        "fault": {"status": 500}})
    failed = subprocess.run(["bash", str(script)], cwd=repo, env=env, capture_output=True,
                            timeout=180)
    # bash exits with the failing command's code: claude's own 1 here
    assert failed.returncode == 1, failed.stderr.decode()[-2000:]
    assert "twostep resume" in failed.stderr.decode()
    run = _last_run(repo, env)
    assert run["status"] == "failed" and run["exit_code"] == 1
    listed = twostep("runs", cwd=repo, env=env).stdout.decode()
    assert run["id"] in listed and "twostep resume" in listed
    planned = len(fake_api.by_api("gemini"))

    fake_api.configure(gemini={"plan": PLAN}, anthropic={
        "script": [{"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}]})
    resumed = twostep("resume", run["id"], cwd=repo, env=env, timeout=180)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert len(fake_api.by_api("gemini")) == planned  # the plan was not asked for again
    assert (repo / TARGET).read_text() == EDITED
    assert _last_run(repo, env)["status"] == "done"

    undone = twostep("rollback", run["id"], cwd=repo, env=env)
    assert undone.returncode == 0, undone.stderr.decode()
    assert (repo / TARGET).read_text() == "def f():\n    return 1\n"


def test_a_script_run_that_ends_well_is_done(repo, spec, env, fake_api, tmp_path):
    script = tmp_path / "run.sh"
    script.write_text(_script(repo, spec, env))
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"script": [
        {"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}]})
    done = subprocess.run(["bash", str(script)], cwd=repo, env=env, capture_output=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    run = _last_run(repo, env)
    assert run["status"] == "done" and run["usage"], run
    assert {u["role"] for u in run["usage"]} == {"planner", "executor"}


def test_a_worktree_script_run_is_a_run_on_its_branch(repo, spec, env, fake_api, tmp_path):
    script = tmp_path / "run.sh"
    script.write_text(_script(repo, spec, env, "--worktree"))
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"script": [
        {"tool": "Write", "path": TARGET, "content": EDITED, "read_first": True}]})
    done = subprocess.run(["bash", str(script)], cwd=repo, env=env, capture_output=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    run = _last_run(repo, env)
    assert run["status"] == "done" and run["branch"], run
    assert git(repo, "show", f"{run['branch']}:{TARGET}") == EDITED
    assert git(repo, "status", "--porcelain") == ""
    assert run["id"] in twostep("runs", cwd=repo, env=env).stdout.decode()
