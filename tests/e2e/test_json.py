"""`--json`: one object on stdout at the end, success or failure, valid against the schema
`twostep schema NAME` publishes; the field names the GitHub action reads stay put."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.support.helpers import ROOT, TASKS_EDITS, TASKS_PLAN, example_repo, standin_env, twostep
from twostep.runs.schemas import schema

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")
#: What scripts/github/steps/helpers.py and CI scripts read: never rename these.
STABLE = {"version", "command", "run_id", "status", "exit_code", "error", "recipe", "strategy",
          "plan_path", "run_dir", "usage", "changed_files", "verify", "branch", "pr_url",
          "seconds", "tasks"}


@pytest.fixture
def repo(tmp_path):
    return example_repo(tmp_path / "repo")


def _result(proc, name="result"):
    data = json.loads(proc.stdout)
    jsonschema.validate(data, schema(name))  # the schema itself is checked first
    return data


def test_published_result_schema_keeps_its_fields(tmp_path):
    out = twostep("schema", "result", cwd=tmp_path)
    published = json.loads(out.stdout)
    assert set(published["required"]) >= STABLE
    assert published["properties"]["version"] == {"const": 1}


def test_run_json_on_success(repo, tmp_path):
    env = standin_env(tmp_path)
    proc = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--execute-by", "plan", "--json",
                   cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    data = _result(proc)
    assert data["status"] == "ok" and data["exit_code"] == 0 and data["strategy"] == "small"
    assert data["changed_files"] == ["wordfreq/cli.py"]
    assert data["verify"]["status"] == "passed" and data["verify"]["commands"][0]["exit_code"] == 0
    assert data["plan_path"] == str(repo / "AI-PLAN.md") and data["usage"] == {}
    assert (repo / ".twostep" / "runs" / data["run_id"]).is_dir()
    assert data["verify"]["commands"][0]["seconds"] >= 0  # measured, not null
    assert "steps" not in data  # the internal steps: with --verbose, and in the manifest
    assert [(t["number"], t["status"], t["changed_files"]) for t in data["tasks"]] == \
        [(1, "done", ["wordfreq/cli.py"])]




def test_task_by_task_run_reports_the_files_its_tasks_changed(repo, tmp_path):
    # Task mode takes no executor snapshot: the files come from the base checkpoint.
    env = standin_env(tmp_path, plan=TASKS_PLAN, edits=TASKS_EDITS)
    proc = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--json", "-v", cwd=repo, env=env)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    data = _result(proc)
    assert data["changed_files"] == ["tests/test_top.py", "wordfreq/cli.py"]
    assert [t["changed_files"] for t in data["tasks"]] == [["wordfreq/cli.py"],
                                                           ["tests/test_top.py"]]
    assert all(t["status"] == "done" and not t["unplanned_files"] for t in data["tasks"])
    names = [s["name"] for s in data["steps"]]  # --verbose: the internal steps too
    assert "planner" in names and "task-2-try-1-executor" in names
    assert "2 files changed" in err  # the diffstat


def test_failures_still_print_the_result_then_exit_with_their_code(repo, tmp_path):
    env = standin_env(tmp_path, STANDIN_CLAUDE_EXIT="1")
    proc = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--execute-by", "plan", "--json",
                   cwd=repo, env=env)
    assert proc.returncode == 8
    data = _result(proc)
    assert data["status"] == "executor" and data["exit_code"] == 8 and data["run_id"]
    assert data["verify"]["status"] == "not-run"
    # resume --json reports the same run
    env.pop("STANDIN_CLAUDE_EXIT")
    resumed = twostep("resume", "--json", cwd=repo, env=env)
    assert resumed.returncode == 0, resumed.stderr.decode()
    again = _result(resumed)
    assert again["command"] == "resume" and again["run_id"] == data["run_id"]
    assert again["status"] == "ok" and again["verify"]["status"] == "passed"


def test_failure_before_any_run_has_no_run_id(repo, tmp_path):
    env = standin_env(tmp_path)
    (repo / "README.md").write_text("dirty\n")
    proc = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--execute-by", "plan", "--json",
                   cwd=repo, env=env)
    data = _result(proc)
    assert proc.returncode == 13 and data["status"] == "dirty" and data["run_id"] is None


def test_plan_then_execute_with_a_plan_outside_the_repo(repo, tmp_path):
    env = standin_env(tmp_path)
    outside = tmp_path / "plan.md"
    plan = twostep("plan", RECIPE, "--spec", SPEC, "-o", str(outside), "--json", cwd=repo, env=env)
    data = _result(plan)
    assert plan.returncode == 0 and data["plan_path"] == str(outside)
    assert data["verify"]["status"] == "skipped"
    execute = twostep("execute", RECIPE, "--plan", str(outside), "--execute-by", "plan", "--json",
                      cwd=repo, env=env)
    assert execute.returncode == 0, execute.stderr.decode()
    assert _result(execute)["changed_files"] == ["wordfreq/cli.py"]


@pytest.mark.parametrize("args,name", [(["doctor", "--json"], "doctor"),
                                       (["recipes", "--json"], "recipes"),
                                       (["check", "go", "--json"], "check"),
                                       (["runs", "--json"], "runs")])
def test_other_commands_json(repo, tmp_path, args, name):
    env = standin_env(tmp_path)
    if name == "runs":
        twostep("run", RECIPE, "--spec", SPEC, "--yes", "--execute-by", "plan", cwd=repo, env=env)
    proc = twostep(*args, cwd=repo, env=env)
    data = _result(proc, name)
    assert proc.returncode in (0, 16) and data
    if name == "doctor":
        assert all(t["ok"] for t in data["tools"])
        assert {c["cli"] for c in data["credentials"]} >= {"gemini", "claude"}


@pytest.mark.parametrize("name", ["recipe", "result", "doctor", "check", "recipes", "runs"])
def test_published_schemas_are_committed_and_unchanged(tmp_path, name):
    """schemas/*.schema.json are the published shapes: a change to one shows in review."""
    out = twostep("schema", name, cwd=tmp_path)
    committed = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
    assert json.loads(out.stdout) == committed, \
        f"regenerate with: twostep schema {name} > schemas/{name}.schema.json (and say why)"
