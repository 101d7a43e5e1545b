"""What the README tells a newcomer is true: shell completion works as documented, the files it
names exist, its links lead somewhere, and the commands it shows exist. (Facts, not layout.)"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from tests.support.helpers import ROOT, VENV_BIN, twostep
from twostep.cli import COMMANDS

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


def test_the_files_it_names_exist():
    named = set(re.findall(r"`((?:scripts|schemas|docs|recipes|tests)/[\w./-]+)`", README))
    named |= set(re.findall(r"\]\(((?:docs|scripts)/[\w./-]+)(?:#[\w-]+)?\)", README))
    assert {"scripts/install", "scripts/github/example-workflow.yml",
            "schemas/recipe.schema.json", "docs/design.md", "docs/cli-facts.md"} <= named
    missing = [p for p in named if "*" not in p and not (ROOT / p.rstrip("/")).exists()]
    assert not missing


def _anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


def test_its_contents_and_links_lead_to_headings():
    heads = {_anchor(h) for h in re.findall(r"^#{2,3} (.+)$", README, re.M)}
    assert set(re.findall(r"\]\(#([\w-]+)\)", README)) <= heads
    design = (ROOT / "docs" / "design.md").read_text()
    design_heads = {_anchor(h) for h in re.findall(r"^#{2,3} (.+)$", design, re.M)}
    assert set(re.findall(r"\]\(docs/design\.md#([\w-]+)\)", README)) <= design_heads


def test_every_twostep_command_it_shows_exists():
    known = {name for names in COMMANDS.values() for name in names}
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    shown = {m for block in blocks for m in re.findall(r"(?:^|[;|] ?)twostep ([a-z][\w-]*)",
                                                      block, re.M)}
    assert shown and shown <= known, shown - known


def test_top_commands_still_first():
    assert README.split("```bash\n", 1)[1].startswith("scripts/demo ") and \
        "scripts/test " in README.split("```", 2)[1]


@pytest.mark.parametrize("command", ["init", "schema", "preflight", "doctor", "runs"])
def test_commands_shown_exist(tmp_path, command):
    assert twostep(command, "--help", cwd=tmp_path).returncode == 0
