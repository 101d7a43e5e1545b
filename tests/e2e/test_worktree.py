"""`--worktree`: the run happens on a new branch in a worktree; the user's tree, index and HEAD
stay as they were (dirty included); the changes are committed on the branch; `--pr` pushes and
opens a pull request with gh (a stand-in here), or says what is missing."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import (
    ROOT,
    TASKS_EDITS,
    TASKS_PLAN,
    example_repo,
    git,
    standin_env,
    twostep,
)

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = ROOT / "scripts" / "example" / "SPEC.md"

GH = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["auth", "status"]:
    sys.exit(int(os.environ.get("GH_AUTH_EXIT", "0")))
if sys.argv[1:3] == ["pr", "create"]:
    print("https://github.example/o/r/pull/7")
"""


@pytest.fixture
def repo(tmp_path):
    repo = example_repo(tmp_path / "repo")
    (repo / "README.md").write_text("my unsaved edit\n")  # dirty, and must stay so
    (repo / "notes.txt").write_text("untracked\n")
    git(repo, "add", "notes.txt")  # in the index
    return repo


def _state(repo: Path) -> tuple[str, str, str]:
    return (git(repo, "status", "--porcelain", "--ignored"), git(repo, "rev-parse", "HEAD"),
            git(repo, "diff", "--cached"))


def _gh(tmp_path: Path, env: dict) -> Path:
    bin_dir = tmp_path / "ghbin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(GH)
    (bin_dir / "gh").chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["GH_LOG"] = str(tmp_path / "gh.jsonl")
    return tmp_path / "gh.jsonl"


def test_run_in_a_worktree_commits_on_a_branch_and_leaves_the_tree_alone(repo, tmp_path):
    env = standin_env(tmp_path)
    before = _state(repo)
    proc = twostep("run", RECIPE, "--spec", str(SPEC), "--yes", "--execute-by", "plan",
                   "--worktree", "--json", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    branch = result["branch"]
    assert branch == f"twostep/{result['run_id']}" and result["status"] == "ok"
    assert _state(repo)[0].replace("!! .twostep/\n", "") == before[0].replace("!! .twostep/\n", "")
    assert _state(repo)[1:] == before[1:]
    assert not (repo / "AI-PLAN.md").exists()
    assert git(repo, "diff", "--name-only", f"{branch}~1", branch).split() == ["wordfreq/cli.py"]
    assert result["changed_files"] == ["wordfreq/cli.py"]
    # The plan is not committed and the worktree is gone: the run's own copy.
    assert result["plan_path"] == str(Path(result["run_dir"]) / "plan.md")
    assert "pr_error" not in result
    subject, _, body = git(repo, "log", "-1", "--format=%B", branch).partition("\n\n")
    assert subject == SPEC.read_text().splitlines()[0].lstrip("# ").strip()
    assert result["run_id"] in body and "AI-PLAN.md" in body
    assert git(repo, "show", f"{branch}:wordfreq/cli.py").endswith("# --top\n")
    assert len(git(repo, "worktree", "list").splitlines()) == 1  # removed; the branch stays
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    runs = twostep("runs", cwd=repo, env=env).stdout.decode()
    assert f"branch {branch}" in runs


def test_pr_pushes_and_opens_a_pull_request_with_the_plan(repo, tmp_path):
    env = standin_env(tmp_path)
    log = _gh(tmp_path, env)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(repo, "remote", "add", "origin", str(remote))
    proc = twostep("run", RECIPE, "--spec", str(SPEC), "--yes", "--execute-by", "plan", "--pr",
                   "--branch", "feat/top", "--json", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    assert result["branch"] == "feat/top" and result["pr_url"] == "https://github.example/o/r/pull/7"
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    create = next(c for c in calls if c[:2] == ["pr", "create"])
    assert create[create.index("--head") + 1] == "feat/top"
    body = Path(create[create.index("--body-file") + 1])
    assert body.is_absolute() and body.read_text() == Path(env["STANDIN_PLAN"]).read_text()
    assert subprocess.run(["git", "rev-parse", "--verify", "feat/top"], cwd=remote,
                          capture_output=True).returncode == 0


def test_pr_without_an_authenticated_gh_says_what_is_missing(repo, tmp_path):
    env = standin_env(tmp_path, GH_AUTH_EXIT="1")
    _gh(tmp_path, env)
    proc = twostep("run", RECIPE, "--spec", str(SPEC), "--yes", "--execute-by", "plan", "--pr",
                   "--json", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    assert "gh auth login" in proc.stderr.decode()
    result = json.loads(proc.stdout)
    assert result["pr_url"] is None and git(repo, "rev-parse", "--verify", result["branch"])
    assert "gh auth login" in result["pr_error"]  # why there is no pull request


def test_execute_in_a_worktree_with_a_plan_from_outside(repo, tmp_path):
    env = standin_env(tmp_path)
    plan = tmp_path / "outside" / "plan.md"
    plan.parent.mkdir()
    plan.write_text(Path(env["STANDIN_PLAN"]).read_text())
    before = _state(repo)
    proc = twostep("execute", RECIPE, "--plan", str(plan), "--execute-by", "plan", "--worktree",
                   "--json", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    assert git(repo, "log", "-1", "--format=%s", result["branch"]).strip() == "Plan"
    assert _state(repo)[1:] == before[1:]


def test_dry_run_renders_the_worktree_commit_and_pr(repo, tmp_path):
    env = standin_env(tmp_path)
    dry = twostep("run", RECIPE, "--spec", str(SPEC), "--yes", "--execute-by", "plan", "--pr",
                  "--branch", "b1", "--dry-run", cwd=repo, env=env)
    script = dry.stdout.decode()
    assert dry.returncode == 0, dry.stderr.decode()
    order = ["twostep preflight", "git worktree add -q -b b1 \"$RUN\"/worktree HEAD",
             "cd -- \"$RUN\"/worktree", "twostep before planner",
             "git add -A -- . ':(exclude)AI-PLAN.md'",
             "git commit -q --no-verify -F", "git push -q -u origin b1", "gh pr create --head b1",
             "cd -- \"$TOP\"", "git worktree remove --force \"$RUN\"/worktree"]
    at = [script.index(line) for line in order]
    assert at == sorted(at), script
    assert "--clean" not in script  # a dirty tree is fine: the run does not touch it
    # The script does what the run does: a branch with the commit; the tree stays dirty.
    quiet = twostep("run", RECIPE, "--spec", str(SPEC), "--yes", "--execute-by", "plan", "--branch",
                    "b2", "--dry-run", cwd=repo, env=env).stdout.decode()
    bashed = subprocess.run(["bash", "-c", quiet], cwd=repo, env=env, capture_output=True)
    assert bashed.returncode == 0, bashed.stderr.decode()
    assert git(repo, "diff", "--name-only", "b2~1", "b2").split() == ["wordfreq/cli.py"]
    assert (repo / "README.md").read_text() == "my unsaved edit\n"


def test_a_failed_worktree_run_resumes_in_its_worktree_then_commits(repo, tmp_path):
    recipe = tmp_path / "flag.yaml"
    recipe.write_text("extends: python\nfix_rounds: 0\nverify:\n  - [python, -c, \"import os, sys; "
                      "sys.exit(0 if os.environ.get('VERIFY_OK') else 1)\"]\n")
    env = standin_env(tmp_path)
    before = _state(repo)
    failed = twostep("run", str(recipe), "--spec", str(SPEC), "--yes", "--execute-by", "plan",
                     "--worktree", "--json", cwd=repo, env=env)
    assert failed.returncode == 10, failed.stderr.decode()
    result = json.loads(failed.stdout)
    tree = Path(result["run_dir"]) / "worktree"
    assert tree.is_dir() and result["changed_files"] == ["wordfreq/cli.py"]
    assert _state(repo)[1:] == before[1:]
    env["VERIFY_OK"] = "1"
    resumed = twostep("resume", "--json", "--verbose", cwd=repo, env=env)
    assert resumed.returncode == 0, resumed.stderr.decode()
    again = json.loads(resumed.stdout)
    assert again["run_id"] == result["run_id"] and again["branch"] == result["branch"]
    assert again["plan_path"] and Path(again["plan_path"]).is_file()
    assert [c for c in json.loads(resumed.stdout)["steps"] if c["name"].endswith("-executor")]
    assert git(repo, "diff", "--name-only", f"{again['branch']}~1", again["branch"]).split() == \
        ["wordfreq/cli.py"]
    assert not tree.exists() and _state(repo)[1:] == before[1:]


def _users(repo: Path) -> tuple[str, str, str]:
    """The user's tree, HEAD and index, less twostep's own ignored state directory."""
    status, head, cached = _state(repo)
    return status.replace("!! .twostep/\n", ""), head, cached




def test_task_by_task_in_a_worktree_commits_every_task_and_rollback_names_the_branch(
        repo, tmp_path):
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS)
    before = _users(repo)
    proc = twostep("run", RECIPE, "--spec", str(SPEC), "--yes", "--worktree", "--json",
                   cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    branch = result["branch"]
    committed = git(repo, "diff", "--name-only", f"{branch}~1", branch).split()
    assert committed == result["changed_files"] == ["tests/test_top.py", "wordfreq/cli.py"]
    assert _users(repo) == before

    # Nothing in the user's tree to roll back: say where the changes are, touch nothing.
    refused = twostep("rollback", cwd=repo, env=env)
    err = refused.stderr.decode()
    assert refused.returncode == 4, err
    assert f"only on branch {branch}" in err and f"git branch -D {branch}" in err
    assert _users(repo) == before and git(repo, "rev-parse", branch)


def test_rollback_of_a_failed_worktree_run_restores_its_worktree(repo, tmp_path):
    recipe = tmp_path / "failing.yaml"
    recipe.write_text("extends: python\nfix_rounds: 0\n"
                      "verify:\n  - [python, -c, 'raise SystemExit(1)']\n")
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS)
    before = _users(repo)
    failed = twostep("run", str(recipe), "--spec", str(SPEC), "--yes", "--worktree", "--json",
                     cwd=repo, env=env)
    assert failed.returncode == 10, failed.stderr.decode()
    tree = Path(json.loads(failed.stdout)["run_dir"]) / "worktree"
    assert (tree / "tests" / "test_top.py").is_file()

    back = twostep("rollback", "--to-task", "1", cwd=repo, env=env)
    assert back.returncode == 0, back.stderr.decode()
    assert not (tree / "tests" / "test_top.py").exists()
    assert (tree / "wordfreq" / "cli.py").read_text().endswith("# --top\n")
    assert _users(repo) == before
