"""Issue 12 with the REAL pinned gemini, claude, repomix and git against the loopback fake:
`run --worktree --json` leaves the user's dirty tree alone, the real claude's edit is committed
on the branch, and the JSON result names it; the early refusal (no TTY, no --yes) calls nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, git, make_repo, twostep
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

RECIPE = str(ROOT / "recipes" / "python.yaml")
TARGET = "pkg/core.py"
PLAN = f"""# Plan: add a version constant

1. In `{TARGET}`, add `VERSION = 2` at the end.

```twostep-files
modify: {TARGET}
```
"""
REQUIRED = ("git", "repomix", "gemini", "claude", "twostep", "python")


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home, REQUIRED)


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {TARGET: "def f():\n    return 1\n",
                                         "pkg/__init__.py": "", "README.md": "# pkg\n"})


def test_worktree_run_with_the_real_clis(repo, tmp_path, env, fake_api):
    edited = "def f():\n    return 1\n\nVERSION = 2\n"
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"script": [
        {"tool": "Write", "path": TARGET, "content": edited, "read_first": True}]})
    (repo / "README.md").write_text("# pkg, my unsaved edit\n")
    spec = tmp_path / "spec.md"
    spec.write_text("Add a version constant to the core module.\n")
    status = git(repo, "status", "--porcelain")
    proc = twostep("run", RECIPE, "--spec", str(spec), "--yes", "--execute-by", "plan",
                   "--worktree", "--json", "-v", cwd=repo, env=env, timeout=180)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    branch = result["branch"]
    assert git(repo, "show", f"{branch}:{TARGET}") == edited
    assert git(repo, "log", "-1", "--format=%s", branch).strip() == \
        "Add a version constant to the core module."
    assert git(repo, "status", "--porcelain") == status and (repo / TARGET).read_text() != edited
    assert result["changed_files"] == [TARGET] and result["verify"]["status"] == "passed"
    names = {s["name"] for s in result["steps"]}
    assert "planner" in names and any(n.endswith("-executor") for n in names)


def test_no_terminal_no_yes_refuses_before_any_call(repo, tmp_path, env, fake_api):
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"script": []})
    spec = tmp_path / "spec.md"
    spec.write_text("Anything.\n")
    proc = twostep("run", RECIPE, "--spec", str(spec), cwd=repo, env=env)
    assert proc.returncode == 12 and "--yes" in proc.stderr.decode()
    assert fake_api.by_api("gemini") == [] and not (repo / ".twostep").exists()
    assert not Path(repo / "AI-PLAN.md").exists()
