"""Recipes parse into frozen dataclasses; every bad input gets one located error (exit 3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.support.helpers import twostep
from twostep.agents.claude import ClaudeOptions
from twostep.errors import RecipeError
from twostep.recipe import builtin as builtins
from twostep.recipe import load as recipe


@pytest.mark.parametrize("name", ["default", "go", "python", "typescript", "rust", "java"])
def test_builtins_load_and_are_frozen(name):
    r = recipe.load(name)
    assert r.codebase and r.planner.cli == "gemini" and r.executor.cli == "claude"
    assert r.executor.options_as(ClaudeOptions).permission_mode == "acceptEdits"
    assert "twostep-files" in r.planner.prompt
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.name = "x"  # type: ignore[misc]


def test_go_recipe_is_the_seed():
    r = recipe.load("go")
    assert r.codebase == ("*.go", "go.mod", "Makefile")
    assert (r.strategies.small_below, r.strategies.medium_below) == (100_000, 200_000)
    assert r.verify == (("go", "build", "./..."), ("go", "test", "./..."))


def test_strategy_thresholds():
    s = recipe.load("default").strategies
    assert [s.choose(t) for t in (0, 99_999, 100_000, 200_000, 200_001)] == \
        ["small", "small", "medium", "medium", "large"]


BAD = [
    ("extends: go\nplanner:\n  modle: x\n", "3:3: unknown key 'modle' in planner",
     "did you mean 'model'?"),
    ("extends: default\ncodebase: '*.go'\n", "2:11: codebase must be a list of strings",
     "['*.go']"),
    ("extends: default\nverify:\n  - go test ./...\n", "3:5: verify[0] must be an argv list",
     "'go', 'test'"),
    ("a: [1, 2\n", "2:1: YAML syntax error", "fix the YAML"),
    ("", "1:1: the recipe is empty", "twostep recipes"),
    (b"\x00\x01binary", "1:1: binary content", None),
    (b"name: \xff\xfe\n", "1:1: not UTF-8 text", None),
    ("extends: default\nexecutor:\n  permission_mode: acceptedits\n", "3:20: permission_mode",
     "did you mean 'acceptEdits'?"),
    ("extends: default\nstrategies:\n  small: {below: -5}\n",
     "3:18: below must be a positive whole number", None),
    ("extends: default\nstrategies:\n  small: {below: 300000}\n",
     "medium.below (200000) must be ≥ small.below", None),
    ("extends: default\nplanner:\n  cli: gpt\n",
     "3:8: cli: 'gpt' is not one of claude, codex, gemini", None),
    ("extends: default\nplanner:\n  timeout: soon\n", "3:12: timeout must be a positive number",
     None),
    ("extends: default\nplan: ../outside.md\n", "2:7: plan: '../outside.md' must be a path inside",
     None),
    ("- just\n- a list\n", "1:1: a recipe must be a mapping", None),
    ("codebase: [x]\n", "recipe is missing required key 'planner'", None),
    ("extends: default\nrnu: 1\n", "2:1: unknown key 'rnu' in recipe", None),
    ("extends: default\nextends: go\n", "2:1: duplicate key 'extends'", None),
    ("extends: default\nexecutor:\n  allowed_tools: [Read, Write]\n",
     "3:25: allowed_tools: a bare Write lets", "Edit(./**)"),
    ("extends: default\nexecutor:\n  project_settings: yes please\n",
     "3:21: project_settings must be true or false", None),
    ("extends: nosuch\n", "nosuch: no such recipe file or built-in recipe", "built-ins:"),
    ("extends: self.yaml\n", "recipe extends itself", None),
]


@pytest.mark.parametrize("text,message,hint", BAD, ids=[b[1][:30] for b in BAD])
def test_bad_recipes_are_located(tmp_path, text, message, hint):
    path = tmp_path / "self.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(RecipeError) as info:
        recipe.load(str(path))
    assert message in str(info.value)
    if hint:
        assert hint in (info.value.hint or "")


def test_check_command_reports_file_line_col_and_exit_3(tmp_path):
    (tmp_path / "r.yaml").write_text("extends: go\nexecutor:\n  modle: x\n")
    result = twostep("check", "r.yaml", cwd=tmp_path)
    assert result.returncode == 3
    err = result.stderr.decode()
    assert "r.yaml:3:3: unknown key 'modle' in executor" in err and "did you mean 'model'" in err
    assert "Traceback" not in err and result.stdout == b""


def test_extends_merges_and_overrides(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "extends: go\nexecutor:\n  model: opus\n  max_turns: 9\nverify: [[make, test]]\n")
    r = recipe.load(str(tmp_path / "mine.yaml"))
    options = r.executor.options_as(ClaudeOptions)
    assert r.executor.model == "opus" and options.max_turns == 9
    assert options.permission_mode == "acceptEdits"  # inherited from default
    assert r.codebase == ("*.go", "go.mod", "Makefile") and r.verify == (("make", "test"),)


def test_builtin_recipes_dir_exists():
    assert set(builtins.names()) >= {"default", "go", "python", "typescript", "rust", "java"}
    assert all(Path(builtins.recipes_dir(), f"{n}.yaml").is_file() for n in builtins.names())


@pytest.mark.parametrize("name", builtins.names())
def test_builtin_commands_are_clean_argv(name):
    for argv in recipe.load(name).verify:
        assert all("\0" not in word for word in argv)
