"""`twostep init` writes a commented twostep.yaml extending the built-in that matches the
tracked files and verifying with the project's declared test command, never overwrites one,
and `run` without RECIPE uses it."""

from __future__ import annotations

import json

import jsonschema
import yaml

from tests.support.helpers import make_repo, standin_env, twostep
from twostep.recipe import detect
from twostep.recipe import init as starter
from twostep.recipe import load as recipes
from twostep.recipe.schema import recipe_schema


def _written(tmp_path, files: dict[str, str]):
    """What init writes for these tracked files, loaded as the recipe it is."""
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    text = starter.text(detect.survey(tmp_path, list(files)))
    (tmp_path / "twostep.yaml").write_text(text)
    jsonschema.validate(yaml.safe_load(text), recipe_schema())
    return text, recipes.load(str(tmp_path / "twostep.yaml"))


def test_init_writes_the_declared_test_command_uncommented(tmp_path):
    text, recipe = _written(tmp_path, {"a.py": "", "tox.ini": "[pytest]\n"})
    assert "# From tox.ini [pytest]: the project's own test command" in text
    assert recipe.name == "python" and recipe.verify == (("python", "-m", "pytest", "-q"),)


def test_init_keeps_a_syntax_check_and_says_it_checks_only_syntax(tmp_path):
    text, recipe = _written(tmp_path, {"a.py": "", "pyproject.toml": "[tool.ruff]\n"})
    assert "# Verify will run a syntax check only" in text and "\nverify:" not in text
    assert recipe.verify == detect.survey(tmp_path, ["a.py"]).recipe.verify


def test_init_empties_a_verify_that_cannot_pass(tmp_path):
    text, recipe = _written(tmp_path, {"a.js": "", "package.json": "{}"})
    assert "`npm test` would fail without one" in text and "\nverify: []\n" in text
    assert recipe.name == "typescript" and recipe.verify == ()


def test_init_writes_a_valid_recipe_and_never_clobbers(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n", "b.py": "", "untracked.go": ""})
    (repo / "c.go").write_text("")  # untracked: does not count
    result = twostep("init", cwd=repo)
    assert result.returncode == 0, result.stderr.decode()
    text = (repo / "twostep.yaml").read_text()
    assert "extends: python" in text and text.count("\n#") > 5  # commented
    assert twostep("check", cwd=repo).returncode == 0  # no RECIPE: ./twostep.yaml
    (repo / "twostep.yaml").write_text("# mine\nextends: go\n")
    again = twostep("init", cwd=repo)
    assert again.returncode == 4 and "never overwrites" in again.stderr.decode()
    assert (repo / "twostep.yaml").read_text() == "# mine\nextends: go\n"


def test_init_schema_writes_the_schema_for_editors(tmp_path):
    repo = make_repo(tmp_path / "repo", {"main.go": "package main\n"})
    assert twostep("init", "--schema", cwd=repo).returncode == 0
    text = (repo / "twostep.yaml").read_text()
    assert "# yaml-language-server: $schema=twostep.schema.json" in text
    assert json.loads((repo / "twostep.schema.json").read_text()) == recipe_schema()
    jsonschema.validate(yaml.safe_load(text), recipe_schema())


def test_run_without_recipe_uses_twostep_yaml(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    spec = tmp_path / "spec.md"
    spec.write_text("do it\n")
    env = standin_env(tmp_path)
    detected = twostep("run", "--spec", str(spec), "--dry-run", cwd=repo, env=env)
    assert detected.returncode == 0 and "twostep init` writes one" in detected.stderr.decode()
    assert "# recipe: python (python)" in detected.stdout.decode()
    assert twostep("init", cwd=repo).returncode == 0
    dry = twostep("run", "--spec", str(spec), "--yes", "--dry-run", cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    assert f"# recipe: python ({repo / 'twostep.yaml'})" in dry.stdout.decode()
    assert "no twostep.yaml" not in dry.stderr.decode()
