"""The GitHub action's shell steps driving the REAL twostep (stand-in models and gh): the flags
and JSON fields the action relies on exist. plan writes to RUNNER_TEMP, execute takes that
plan from outside the repository with --worktree --pr, and the outputs name the run, the
branch and the pull request."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e import test_github_action as action_tests
from tests.support.helpers import (
    PLAN,
    STANDINS,
    TOOLS_BIN,
    VENV_BIN,
    example_repo,
    git,
    standin_env,
)

GH = """\
import json, os, sys
args = sys.argv[1:]
with open(os.environ["GH_CALLS"], "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[:2] == ["pr", "create"]:
    print("https://github.com/o/r/pull/12")
"""


def test_plan_then_execute_with_the_real_twostep(tmp_path):
    harness = action_tests.Harness(tmp_path, twostep_on_path=False)
    action_tests.write_standin(harness.bin, "gh", GH)
    ws = harness.runner.workspace
    example_repo(ws)
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(ws, "remote", "add", "origin", str(remote))
    models = standin_env(tmp_path / "models")
    env = {k: v for k, v in models.items() if k.startswith(("STANDIN_", "GEMINI_", "ANTHROPIC_"))}
    env |= {"PATH": f"{harness.bin}:{STANDINS}:{VENV_BIN}:{TOOLS_BIN}:/usr/bin:/bin",
            "GH_CALLS": str(tmp_path / "gh.jsonl"), "NO_COLOR": "1"}

    planned = harness.run({"mode": "plan", "recipe": "python", "spec": "Add a --top option"},
                          env=env)
    assert planned.returncode == 0, planned.log
    plan_path = planned.outputs["plan-path"]
    assert Path(plan_path).read_text() == PLAN and not Path(plan_path).is_relative_to(ws)
    assert planned.outputs["status"] == "ok" and planned.outputs["run-id"]

    executed = harness.run({"mode": "execute", "recipe": "python", "plan": plan_path,
                            "args": "--execute-by plan",
                            "pr": "true"}, env=env)
    assert executed.returncode == 0, executed.log
    out = executed.outputs
    assert out["status"] == "ok" and out["branch"] == f"twostep/{out['run-id']}"
    assert out["pr-url"] == "https://github.com/o/r/pull/12"
    assert git(ws, "status", "--porcelain") == ""  # the checkout itself is untouched
    assert git(ws, "diff", "--name-only", f"{out['branch']}~1", out["branch"]).split() == \
        ["wordfreq/cli.py"]
    calls = [json.loads(line) for line in (tmp_path / "gh.jsonl").read_text().splitlines()]
    assert any(c[:2] == ["pr", "create"] for c in calls)
