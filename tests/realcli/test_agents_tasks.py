"""Each executor CLI works task by task (the default): a fresh session per task, each charged in
the ledger with its task, and the planned file written by the first task's session."""

from __future__ import annotations

import pytest
from test_agents_e2e import (  # noqa: F401 - env, repo and spec are fixtures
    CONTENT,
    PLAN,
    TARGET,
    configure,
    env,
    manifest,
    repo,
    run,
    spec,
)


@pytest.mark.realcli
@pytest.mark.parametrize("executor", ["codex", "gemini", "claude"])
def test_executor_works_task_by_task(executor, repo, spec, env, fake_api):
    configure(fake_api)
    code, out = run("run", "default", "--planner", "claude", "--executor", executor, "--yes",
                    "--spec", spec, repo=repo, env=env)
    assert code == 0, out
    assert (repo / "AI-PLAN.md").read_text(encoding="utf-8") == PLAN
    assert (repo / TARGET).read_text(encoding="utf-8") == CONTENT
    assert "twostep tasks: 2 task(s)" in out, out
    m = manifest(repo, env)
    sessions = [u for u in m["usage"] if u["role"] == "executor"]
    assert [u.get("task") for u in sessions] == ["1", "2"], m["usage"]
    assert all(u["cli"] == executor and u["input_tokens"] > 0 for u in sessions)
    assert [t["task"] for t in m["tasks"]] == [1, 2]
