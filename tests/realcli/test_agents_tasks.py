"""Each executor CLI works task by task (the default): a fresh session per task, each charged in
the ledger with its task, and the planned file written by the first task's session."""

from __future__ import annotations

import pytest

from tests.realcli.test_agents_e2e import (
    CONTENT,
    PLAN,
    REQUIRED,
    SPEC,
    TARGET,
    configure,
    manifest,
    run,
    small_repo,
)
from tests.support.realcli import installed_env


# The fixtures of test_agents_e2e.py: a small repository, the same spec and CLIs.
@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home, REQUIRED)


@pytest.fixture
def repo(tmp_path):
    return small_repo(tmp_path / "repo")


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text(SPEC, encoding="utf-8")
    return str(path)


@pytest.mark.realcli
@pytest.mark.parametrize("executor", ["codex", "gemini", "claude"])
def test_executor_works_task_by_task(executor, repo, spec, env, fake_api):
    configure(fake_api)
    code, out = run("run", "default", "--planner", "claude", "--executor", executor, "--yes",
                    "--spec", spec, repo=repo, env=env)
    assert code == 0, out
    assert (repo / "AI-PLAN.md").read_text(encoding="utf-8") == PLAN
    assert (repo / TARGET).read_text(encoding="utf-8") == CONTENT
    assert "twostep: 2 task(s) from" in out, out
    m = manifest(repo, env)
    sessions = [u for u in m["usage"] if u["role"] == "executor"]
    assert [u.get("task") for u in sessions] == ["1", "2"], m["usage"]
    assert all(u["cli"] == executor and u["input_tokens"] > 0 for u in sessions)
    assert [t["task"] for t in m["tasks"]] == [1, 2]
