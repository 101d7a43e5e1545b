"""The planner must not touch the repository, whatever its CLI: a planner that edits a
tracked file or creates one fails with exit 7 naming the paths, before its plan is accepted
and before any executor runs. (The real planners cannot write there: codex is read-only,
claude has no tools and gemini's workspace is an empty directory; a stand-in plays one that
goes on and implements, as gemini's plan mode is reported to do.)"""

from __future__ import annotations

import pytest

from tests.support.helpers import ROOT, calls, example_repo, git, standin_env, twostep

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")


@pytest.mark.parametrize("target", ["wordfreq/cli.py", "planted.py"])
def test_a_planner_that_changes_the_repository_exits_7(tmp_path, target):
    repo = example_repo(tmp_path / "repo")
    env = standin_env(tmp_path, STANDIN_GEMINI_TOUCH=str(repo / target))
    result = twostep("plan", RECIPE, "--spec", SPEC, cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 7, err
    assert f"the planner changed the repository: {target}" in err
    assert not (repo / "AI-PLAN.md").exists()  # the plan was not accepted

    run = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--allow-dirty", cwd=repo, env=env)
    assert run.returncode == 7
    assert [c["tool"] for c in calls(env)] == ["gemini", "gemini"]  # no executor ran
    assert target in git(repo, "status", "--porcelain")


def test_a_planner_that_leaves_the_tree_alone_passes_on_a_dirty_tree(tmp_path):
    repo = example_repo(tmp_path / "repo")
    (repo / "wordfreq" / "cli.py").write_text("# my uncommitted edit\n")
    result = twostep("plan", RECIPE, "--spec", SPEC, cwd=repo, env=standin_env(tmp_path))
    assert result.returncode == 0, result.stderr.decode()
