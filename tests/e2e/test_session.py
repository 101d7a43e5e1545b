"""End to end with stand-in model CLIs (real git, repomix): `run` and its dry-run script
produce the same plan and the same edits; silent failures become distinct exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import PLAN, ROOT, calls, example_repo, git, standin_env, twostep

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")


#: These tests pin the single-session executor; tests/e2e/test_tasks.py covers task mode.
PLAN_MODE = ("--execute-by", "plan")


@pytest.fixture
def repo(tmp_path):
    return example_repo(tmp_path / "repo")


def test_run_plans_executes_and_verifies(repo, tmp_path):
    env = standin_env(tmp_path)
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert (repo / "AI-PLAN.md").read_text() == PLAN
    assert (repo / "wordfreq" / "cli.py").read_text().endswith("# --top\n")
    gemini = [c for c in calls(env) if c["tool"] == "gemini"]
    claude = [c for c in calls(env) if c["tool"] == "claude"]
    assert len(gemini) == 1 and len(claude) == 1
    stdin = (Path(env["STANDIN_DIR"]) / "gemini.stdin").read_text()
    assert stdin.startswith(Path(SPEC).read_text()) and 'path="wordfreq/cli.py"' in stdin
    argv = gemini[0]["argv"]
    assert argv[:1] == ["-p"] and "-m" in argv and "json" in argv
    cwd = Path(gemini[0]["cwd"])  # empty but for an empty .env that stops gemini's .env search
    assert cwd.name == "empty" and [p.name for p in cwd.iterdir()] == [".env"]
    assert (cwd / ".env").read_bytes() == b""
    assert "--permission-mode" in claude[0]["argv"] and claude[0]["cwd"] == str(repo)
    assert "✓ python -m pytest" in err  # the verify command (pytest) ran and passed
    assert result.stdout == b""  # stdout is for data only
    # nothing of twostep's own shows in git status: .twostep/ ignores itself
    status = git(repo, "status", "--porcelain").split()
    assert status == ["??", "AI-PLAN.md", "M", "wordfreq/cli.py"] or \
        set(status) == {"M", "wordfreq/cli.py", "??", "AI-PLAN.md"}


def test_dry_run_writes_nothing_and_bash_reproduces_run(repo, tmp_path):
    env = standin_env(tmp_path)
    twin = example_repo(tmp_path / "twin")
    dry = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--dry-run", *PLAN_MODE, cwd=repo,
                  env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    script = dry.stdout.decode()
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    assert "strategy: small" in script and "tokens" in script
    assert git(repo, "status", "--porcelain", "--ignored") == ""
    assert calls(env) == []  # no model was called
    assert "test-gemini-key-123" not in script and "sk-test-anthropic-456" not in script

    ran = twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo, env=env)
    assert ran.returncode == 0, ran.stderr.decode()
    bashed = subprocess.run(["bash", "-c", script], cwd=twin, env=env, capture_output=True)
    assert bashed.returncode == 0, bashed.stderr.decode()
    assert (twin / "AI-PLAN.md").read_bytes() == (repo / "AI-PLAN.md").read_bytes()
    assert git(twin, "diff") == git(repo, "diff")
    gemini_inputs = [c["stdin_sha256"] for c in calls(env) if c["tool"] == "gemini"]
    assert len(gemini_inputs) == 2 and gemini_inputs[0] == gemini_inputs[1]


def test_empty_plan_never_replaces_existing_plan(repo, tmp_path):
    (repo / "AI-PLAN.md").write_text("my precious plan\n")
    env = standin_env(tmp_path, STANDIN_GEMINI_EMPTY="1")
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--allow-dirty", cwd=repo, env=env)
    assert result.returncode == 7, result.stderr.decode()
    assert "empty plan" in result.stderr.decode()
    assert (repo / "AI-PLAN.md").read_text() == "my precious plan\n"


def test_refused_edits_exit_9(repo, tmp_path):
    env = standin_env(tmp_path, STANDIN_CLAUDE_DENY="1")
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=repo, env=env)
    assert result.returncode == 9 and "refused" in result.stderr.decode()


def test_no_changes_exit_9(repo, tmp_path):
    env = standin_env(tmp_path, edits=[])
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo, env=env)
    assert result.returncode == 9 and "the whole plan' changed none of" in result.stderr.decode()


def test_executor_api_error_with_exit_0_is_caught(repo, tmp_path):
    env = standin_env(tmp_path, STANDIN_CLAUDE_ERROR="1")
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", cwd=repo, env=env)
    assert result.returncode == 8 and "reported an error: API Error: 500" in result.stderr.decode()


def test_gate_without_tty_stops_with_a_hint(repo, tmp_path):
    env = standin_env(tmp_path)
    result = twostep("run", RECIPE, "--spec", SPEC, cwd=repo, env=env)
    assert result.returncode == 12 and "--yes" in result.stderr.decode()
    # Refused before anything is packed or paid for: no model call, nothing written.
    assert calls(env) == [] and not (repo / "AI-PLAN.md").exists()
    assert not (repo / ".twostep").exists()


def test_spec_from_stdin(repo, tmp_path):
    env = standin_env(tmp_path)
    result = twostep("run", RECIPE, "--spec", "-", "--yes", *PLAN_MODE, cwd=repo, env=env,
                     stdin=b"STDIN SPEC\n")
    assert result.returncode == 0, result.stderr.decode()
    assert (Path(env["STANDIN_DIR"]) / "gemini.stdin").read_bytes().startswith(b"STDIN SPEC\n")


def test_plan_alone_to_stdout(repo, tmp_path):
    env = standin_env(tmp_path)
    result = twostep("plan", RECIPE, "--spec", SPEC, "-o", "-", cwd=repo, env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == PLAN and not (repo / "AI-PLAN.md").exists()


def test_execute_alone_uses_existing_plan(repo, tmp_path):
    env = standin_env(tmp_path)
    (tmp_path / "plan.md").write_text(PLAN)
    result = twostep("execute", RECIPE, "--plan", str(tmp_path / "plan.md"), *PLAN_MODE, cwd=repo,
                     env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert [c["tool"] for c in calls(env)] == ["claude"]


def test_manifest_records_run(repo, tmp_path):
    env = standin_env(tmp_path)
    assert twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, cwd=repo,
                   env=env).returncode == 0
    runs = twostep("runs", "--json", cwd=repo, env=env)
    manifest = json.loads(runs.stdout)[-1]
    assert manifest["status"] == "done" and manifest["strategy"] == "small"
    text = json.dumps(manifest)
    assert "test-gemini-key-123" not in text and "sk-test-anthropic-456" not in text
    roles = {s["role"]: s for s in manifest["sent"]}
    assert roles["planner"]["vendor"].startswith("Google")
    assert roles["executor"]["vendor"].startswith("Anthropic")
    run_dir = repo / ".twostep" / "runs" / manifest["id"]
    ledger = json.loads((run_dir / roles["planner"]["ledger"]).read_text())
    assert {f["path"] for f in ledger} >= {"wordfreq/cli.py", "README.md"}
    assert roles["planner"]["files"] == len(ledger)
    blob = git(repo, "rev-parse", "HEAD:README.md").strip()
    assert {f["path"]: f["git_blob"] for f in ledger}["README.md"] == blob
    assert manifest["packs"]["codebase"]["tokens"] > 0


def test_second_plan_on_unchanged_tree_reuses_the_pack(repo, tmp_path):
    env = standin_env(tmp_path)
    first = twostep("plan", RECIPE, "--spec", SPEC, cwd=repo, env=env)
    assert first.returncode == 0 and "reusing" not in first.stderr.decode()
    second = twostep("plan", RECIPE, "--spec", SPEC, "-v", cwd=repo, env=env)
    assert second.returncode == 0 and "reusing it" in second.stderr.decode()
    stdins = [c["stdin_sha256"] for c in calls(env) if c["tool"] == "gemini"]
    assert stdins[0] == stdins[1]
    (repo / "wordfreq" / "cli.py").write_text("# changed\n")
    third = twostep("plan", RECIPE, "--spec", SPEC, cwd=repo, env=env)
    assert third.returncode == 0 and "reusing" not in third.stderr.decode()
    assert "# changed" in (Path(env["STANDIN_DIR"]) / "gemini.stdin").read_text()


def test_medium_strategy_sends_only_the_plans_files(repo, tmp_path):
    env = standin_env(tmp_path)
    result = twostep("run", RECIPE, "--spec", SPEC, "--yes", *PLAN_MODE, "--strategy", "medium",
                     cwd=repo, env=env)
    assert result.returncode == 0, result.stderr.decode()
    stdin = (Path(env["STANDIN_DIR"]) / "claude.stdin").read_text()
    assert stdin.startswith(PLAN)
    assert 'path="wordfreq/cli.py"' in stdin and 'path="wordfreq/__init__.py"' in stdin
    assert 'path="README.md"' not in stdin and 'path="tests/test_wordfreq.py"' not in stdin
