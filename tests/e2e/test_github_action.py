"""scripts/github: the composite action's own steps, run locally with stand-ins for twostep and gh,
and the example workflow's shape.

The stand-in `twostep` records its argv, working directory and the variables the action
must set, writes the plan where `-o` says, prints $STANDIN_RESULT and exits $STANDIN_EXIT.
The stand-in `gh` records its argv and any --body-file, and answers `gh api` with
$STANDIN_COMMENTS. gha_local.LocalRunner plays the Actions runner.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e import gha_local

ROOT = Path(__file__).resolve().parents[2]
ACTION_DIR = ROOT / "scripts" / "github"
PLAN = "# Plan\n\n1. Add `--version` to cli.py.\n\n```twostep-files\nmodify: cli.py\n```\n"
OK = {"run_id": "20260101-x", "status": "ok", "exit_code": 0, "strategy": "small",
      "branch": "twostep/x", "pr_url": "https://github.com/o/r/pull/9", "steps": []}

TWOSTEP = """\
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
if args == ["--version"]:
    sys.exit(print("twostep, version standin"))
keep = ("GEMINI_API_KEY", "ANTHROPIC_API_KEY", "GH_TOKEN", "GIT_AUTHOR_NAME")
record = {"argv": args, "cwd": os.getcwd(), "env": {k: os.environ.get(k) for k in keep}}
if "--spec" in args:
    record["spec"] = Path(args[args.index("--spec") + 1]).read_text()
if "--plan" in args:
    record["plan"] = Path(args[args.index("--plan") + 1]).read_text()
if args and args[0] == "plan" and "-o" in args:
    Path(args[args.index("-o") + 1]).write_text(os.environ["STANDIN_PLAN"])
with open(os.environ["STANDIN_LOG"], "a") as log:
    log.write(json.dumps({"tool": "twostep", **record}) + "\\n")
sys.stdout.write(os.environ.get("STANDIN_RESULT", ""))
sys.exit(int(os.environ.get("STANDIN_EXIT", "0")))
"""

GH = """\
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
record = {"tool": "gh", "argv": args}
if "--body-file" in args:
    record["body"] = Path(args[args.index("--body-file") + 1]).read_text()
with open(os.environ["STANDIN_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
if args[:1] == ["api"]:
    sys.stdout.write(Path(os.environ["STANDIN_COMMENTS"]).read_text())
"""


def write_standin(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)


class Harness:
    def __init__(self, tmp: Path, action_dir: Path = ACTION_DIR,
                 twostep_on_path: bool = True) -> None:
        self.tmp = tmp
        self.bin = tmp / "standins"
        self.bin.mkdir(parents=True)
        write_standin(self.bin, "gh", GH)
        if twostep_on_path:
            write_standin(self.bin, "twostep", TWOSTEP)
        self.log = tmp / "calls.jsonl"
        self.comments = tmp / "comments.json"
        self.comments.write_text("[]")
        env = {"HOME": str(tmp / "home"), "PATH": f"{self.bin}:/usr/bin:/bin", "LANG": "C.UTF-8",
               "GIT_CONFIG_NOSYSTEM": "1", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "42",
               "GITHUB_SERVER_URL": "https://github.com", "STANDIN_LOG": str(self.log),
               "STANDIN_COMMENTS": str(self.comments), "STANDIN_PLAN": PLAN,
               "STANDIN_RESULT": json.dumps(OK), "STANDIN_EXIT": "0"}
        self.runner = gha_local.LocalRunner(action_dir, tmp / "job", env)

    def run(self, inputs: dict[str, str], env: dict[str, str] | None = None) -> Any:
        return self.runner.run({"install": "false", **inputs}, env)

    def calls(self, tool: str) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [c for c in map(json.loads, self.log.read_text().splitlines()) if c["tool"] == tool]


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


def test_action_yml_is_a_composite_whose_scripts_exist_and_take_inputs_only_through_env() -> None:
    action = yaml.safe_load((ACTION_DIR / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert all(v.get("description") for v in action["inputs"].values())
    assert {"run-id", "status", "plan-path", "branch"} <= set(action["outputs"])
    for step in action["runs"]["steps"]:
        assert "${{ inputs." not in step["run"], step["name"]  # no splicing into shell code
        script = step["run"].split("/steps/")[1].rstrip('"')
        assert (ACTION_DIR / "steps" / script).is_file(), script


def test_run_mode_passes_every_flag_and_writes_the_outputs(harness: Harness) -> None:
    inputs = {"mode": "run", "recipe": "python", "spec": "Add a --version flag\n\nPrint it.",
              "branch": "twostep/feature", "pr": "true", "max-cost": "2.5",
              "args": "--strategy large --allow-dirty"}
    result = harness.run(inputs, env={"GEMINI_API_KEY": "g-key", "ANTHROPIC_API_KEY": "a-key"})
    assert result.returncode == 0, result.log
    (call,) = harness.calls("twostep")
    spec = str(harness.runner.temp / "twostep-spec.md")
    assert call["argv"] == ["run", "python", "--spec", spec, "--worktree",
                            "--branch", "twostep/feature", "--pr", "--max-cost", "2.5", "--yes",
                            "--strategy", "large", "--allow-dirty", "--json"]
    assert call["spec"] == "Add a --version flag\n\nPrint it.\n"
    assert call["env"] == {"GEMINI_API_KEY": "g-key", "ANTHROPIC_API_KEY": "a-key",
                           "GH_TOKEN": gha_local.TOKEN, "GIT_AUTHOR_NAME": "github-actions[bot]"}
    assert Path(call["cwd"]) == harness.runner.workspace
    assert result.outputs["run-id"] == "20260101-x" and result.outputs["status"] == "ok"
    assert result.outputs["branch"] == "twostep/x" and result.outputs["exit-code"] == "0"
    assert result.outputs["pr-url"] == OK["pr_url"]
    assert json.loads(Path(result.outputs["result"]).read_text()) == OK
    assert "| run-id | `20260101-x` |" in harness.runner.summary.read_text()
    assert harness.calls("gh") == []  # no issue: nothing to report


def test_key_inputs_win_and_a_spec_file_and_twostep_yaml_are_used(harness: Harness) -> None:
    ws = harness.runner.workspace
    (ws / "twostep.yaml").write_text("extends: python\n")
    (ws / "docs").mkdir()
    (ws / "docs" / "spec.md").write_text("Do it\n")
    result = harness.run({"spec": "docs/spec.md", "worktree": "false", "yes": "false",
                          "gemini-api-key": "from-input"}, env={"GEMINI_API_KEY": "from-env"})
    assert result.returncode == 0, result.log
    (call,) = harness.calls("twostep")
    assert call["argv"] == ["run", "twostep.yaml", "--spec", "docs/spec.md", "--json"]
    assert call["env"]["GEMINI_API_KEY"] == "from-input"


def test_plan_on_an_issue_then_approve_executes_the_bots_plan(harness: Harness) -> None:
    planned = harness.run({"mode": "plan", "spec": "Add a --version flag", "issue": "7"})
    assert planned.returncode == 0, planned.log
    plan_path = str(harness.runner.temp / "twostep-plan.md")
    assert harness.calls("twostep")[0]["argv"] == ["plan", "default", "--spec",
                                                   str(harness.runner.temp / "twostep-spec.md"),
                                                   "-o", plan_path, "--json"]
    assert planned.outputs["plan-path"] == plan_path
    (comment,) = harness.calls("gh")
    assert comment["argv"][:3] == ["issue", "comment", "7"] and "--repo=o/r" in comment["argv"]
    assert "<!-- twostep-plan:begin -->" in comment["body"] and PLAN.strip() in comment["body"]
    # The bot's comment, as the API returns it (CRLF after an edit in the browser), on page 1;
    # a newer look-alike by someone else on page 2 must be ignored.
    bot = {"user": {"login": "github-actions[bot]"}, "body": comment["body"].replace("\n", "\r\n")}
    other = {"user": {"login": "mallory"}, "body": comment["body"].replace("cli.py", "evil.py")}
    harness.comments.write_text(json.dumps([bot]) + "\n" + json.dumps([other]))
    executed = harness.run({"mode": "execute", "issue": "7", "pr": "true"})
    assert executed.returncode == 0, executed.log
    call = harness.calls("twostep")[-1]
    approved = str(harness.runner.temp / "twostep-approved-plan.md")
    assert call["argv"] == ["execute", "default", "--plan", approved,
                            "--worktree", "--pr", "--json"]
    assert call["plan"] == PLAN
    api, report = harness.calls("gh")[1:]
    assert api["argv"] == ["api", "--paginate", "repos/o/r/issues/7/comments"]
    assert OK["pr_url"] in report["body"]


def test_execute_without_a_bot_plan_comment_fails_before_twostep(harness: Harness) -> None:
    body = "<!-- twostep-plan:begin -->x<!-- twostep-plan:end -->"
    harness.comments.write_text(json.dumps([{"user": {"login": "mallory"}, "body": body}]))
    result = harness.run({"mode": "execute", "issue": "7"})
    assert result.returncode != 0
    assert "has no twostep plan comment by github-actions[bot]" in result.steps[-1].stdout
    assert harness.calls("twostep") == []


@pytest.mark.parametrize("stdout, code, status", [
    (json.dumps({**OK, "status": "verify", "exit_code": 10, "pr_url": None}), 10, "verify"),
    ("", 5, "tool-missing"),  # died before printing JSON: the name comes from the exit code
])
def test_a_failure_is_reported_on_the_issue_then_fails_the_action(
        harness: Harness, stdout: str, code: int, status: str) -> None:
    harness.runner.env.update(STANDIN_RESULT=stdout, STANDIN_EXIT=str(code))
    result = harness.run({"mode": "run", "spec": "x", "issue": "3"})
    assert [s.returncode for s in result.steps] == [0, 0, 0, 0, code], result.log
    assert result.outputs["status"] == status and result.outputs["exit-code"] == str(code)
    (report,) = harness.calls("gh")
    assert f"failed: **{status}** (exit {code})" in report["body"]
    assert "https://github.com/o/r/actions/runs/42" in report["body"]
    assert f"twostep exited {code} ({status})" in result.steps[-1].stdout


def test_fail_on_error_false_keeps_the_job_green(harness: Harness) -> None:
    harness.runner.env.update(STANDIN_RESULT="", STANDIN_EXIT="7")
    result = harness.run({"spec": "x", "fail-on-error": "false"})
    assert result.returncode == 0 and result.outputs["status"] == "planner"


@pytest.mark.parametrize("inputs, message", [
    ({"mode": "deploy", "spec": "x"}, "mode must be plan, execute or run, got 'deploy'"),
    ({"spec": "x", "worktree": "false", "pr": "true"}, "branch and pr need worktree: true"),
    ({"spec": "x", "pr": "maybe"}, "expected true or false, got 'maybe'"),
    ({"spec": "docs/missing.md"}, "spec file not found: docs/missing.md"),
    ({"mode": "plan"}, "the spec input is required for mode plan"),
])
def test_bad_inputs_stop_before_twostep_runs(harness: Harness, inputs: dict[str, str],
                                             message: str) -> None:
    result = harness.run(inputs)
    assert result.returncode == 2 and message in result.steps[-1].stdout, result.log
    assert harness.calls("twostep") == []


def test_install_step_runs_the_checkouts_installer_and_extends_path(tmp_path: Path) -> None:
    source = tmp_path / "checkout"  # what `uses: OWNER/twostep/scripts/github@REF` fetches
    shutil.copytree(ACTION_DIR, source / "scripts" / "github")
    installer = source / "scripts" / "install"
    installer.write_text('#!/usr/bin/env bash\nset -eu\necho "$*" > "$RUNNER_TEMP/installer-args"\n'
                         'mkdir -p "$4" && cp "$STANDIN_TWOSTEP" "$4/twostep"\n')
    h = Harness(tmp_path / "job", source / "scripts" / "github", twostep_on_path=False)
    write_standin(tmp_path, "twostep-standin", TWOSTEP)
    standin = {"STANDIN_TWOSTEP": str(tmp_path / "twostep-standin")}
    result = h.run({"install": "true", "spec": "x"}, env=standin)
    assert result.returncode == 0, result.log
    prefix = h.runner.temp / "twostep"
    assert (h.runner.temp / "installer-args").read_text().split() == [
        "--prefix", str(prefix), "--bin-dir", str(prefix / "bin")]
    assert h.runner.path_additions == [str(prefix / "bin")]
    assert h.calls("twostep")[0]["argv"][:2] == ["run", "default"]


def test_example_workflow_triggers_jobs_and_inputs() -> None:
    flow = yaml.safe_load((ACTION_DIR / "example-workflow.yml").read_text())
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads the key `on` as true
    assert triggers["issues"]["types"] == ["labeled"]
    assert triggers["issue_comment"]["types"] == ["created"]
    assert "spec" in triggers["workflow_dispatch"]["inputs"]
    jobs = flow["jobs"]
    assert "github.event.label.name == 'twostep'" in jobs["plan"]["if"]
    gate = jobs["execute"]["if"]
    assert "'/approve'" in gate and "github.event.comment.author_association" in gate
    assert all(role in gate for role in ('"OWNER"', '"MEMBER"', '"COLLABORATOR"'))
    assert len(jobs["fleet"]["strategy"]["matrix"]["include"]) >= 2
    action_inputs = set(yaml.safe_load((ACTION_DIR / "action.yml").read_text())["inputs"])
    for job in jobs.values():
        for step in job["steps"]:
            if "twostep/scripts/github@" in step.get("uses", ""):
                assert set(step["with"]) <= action_inputs, step["with"]
            assert "${{ github.event" not in step.get("run", ""), step  # no script injection
