"""What the README tells a newcomer is true: shell completion works as documented, the install
and CI sections name what exists, and the commands it shows exist."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.support.helpers import ROOT, VENV_BIN, twostep

README = (ROOT / "README.md").read_text()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_documented_shell_completion_prints_a_script(tmp_path, shell):
    assert f"_TWOSTEP_COMPLETE={shell}_source twostep" in README
    env = {**os.environ, "_TWOSTEP_COMPLETE": f"{shell}_source"}
    proc = subprocess.run([str(VENV_BIN / "twostep")],
                          env=env, capture_output=True, cwd=tmp_path)
    assert proc.returncode == 0
    assert b"twostep" in proc.stdout and b"_TWOSTEP_COMPLETE" in proc.stdout


def test_completion_completes_subcommands(tmp_path):
    env = {**os.environ, "_TWOSTEP_COMPLETE": "bash_complete", "COMP_WORDS": "twostep ini",
           "COMP_CWORD": "1"}
    out = subprocess.run([str(VENV_BIN / "twostep")],
                         env=env, capture_output=True, cwd=tmp_path).stdout.decode()
    assert "plain,init" in out
    env["COMP_WORDS"], env["COMP_CWORD"] = "twostep run --work", "2"
    out = subprocess.run([str(VENV_BIN / "twostep")],
                         env=env, capture_output=True, cwd=tmp_path).stdout.decode()
    assert "--worktree" in out


def test_sections_a_newcomer_needs_are_in_order():
    heads = re.findall(r"^## (.+)$", README, re.M)
    order = ["What it does", "Use it on your repository", "Recipes", "CI and pull requests",
             "JSON output", "Exit codes"]
    assert [h for h in heads if h in order] == order
    for path in ("scripts/install", "scripts/github/action.yml",
                 "scripts/github/example-workflow.yml", "schemas/recipe.schema.json"):
        assert path.split("/action.yml")[0] in README and (ROOT / path).exists()


def test_top_commands_still_first():
    assert README.split("```bash\n", 1)[1].startswith("scripts/demo ") and \
        "scripts/test " in README.split("```", 2)[1]


@pytest.mark.parametrize("command", ["init", "schema", "preflight", "doctor", "runs"])
def test_commands_shown_exist(tmp_path, command):
    assert twostep(command, "--help", cwd=tmp_path).returncode == 0
