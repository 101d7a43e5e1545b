"""The command line's contract: documented exit codes, help, stdout for data only."""

from __future__ import annotations

import re

from tests.support.helpers import ROOT, twostep
from twostep.cli.calls import _session
from twostep.errors import ExitCode, StepFailed, TwostepError


def test_readme_exit_code_table_matches_the_code():
    text = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| (\d+) \| `([\w-]+)` \| (.+?) \|$", text, re.M)
    assert {name: (int(code), meaning) for code, name, meaning in rows} == \
        {c.label: (c.value, c.meaning) for c in ExitCode}


def test_every_error_class_exits_with_a_documented_code():
    def every(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in every(sub))]
    for cls in every(TwostepError):
        if cls.__name__ != "ChildReported":
            assert isinstance(cls.exit_code, ExitCode), cls
    assert StepFailed.exit_code is ExitCode.STEP


def test_help_lists_exit_codes_and_stages(tmp_path):
    result = twostep("--help", cwd=tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 0 and "Exit codes:" in out and "130" in out
    assert "twostep help stages" in out and "files" in out


def test_version_is_quick_and_plain(tmp_path):
    result = twostep("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.decode().startswith("twostep, version ")


def test_recipes_lists_builtins(tmp_path):
    out = twostep("recipes", cwd=tmp_path).stdout.decode()
    assert [line.split("\t")[0] for line in out.splitlines()] == [
        "claude", "codex", "codex-claude", "default", "go", "java", "python", "rust",
        "typescript"]
    shown = twostep("recipes", "--show", "go", cwd=tmp_path).stdout.decode()
    assert "extends: default" in shown


def test_help_files_each_command_where_it_is_declared(tmp_path):
    commands = twostep("--help", cwd=tmp_path).stdout.decode()
    stages = twostep("help", "stages", cwd=tmp_path).stdout.decode()
    names = {section: set(re.findall(r"^  ([a-z][\w-]*)  ", text, re.M))
             for section, text in (("commands", commands), ("stages", stages))}
    assert {"run", "plan", "execute", "files", "rollback", "resume"} <= names["commands"]
    assert {"before", "after", "callers", "patterns", "relevant", "tiers", "trim-tiers",
            "task-input"} <= names["stages"]
    assert not names["commands"] & names["stages"]


def test_a_session_figure_the_cli_does_not_report_is_left_out():
    assert _session({}) == ""  # codex reports neither turns nor time: no "? turns, 0.0 s"
    assert _session({"num_turns": 3, "duration_ms": 1500}) == "3 turns, 1.5 s"
    assert _session({"duration_ms": 200}) == "0.2 s"
