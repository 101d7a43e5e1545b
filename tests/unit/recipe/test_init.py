"""`twostep init` writes a commented twostep.yaml extending the built-in that matches the
tracked files, never overwrites one, and `run` without RECIPE uses it."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.support.helpers import make_repo, standin_env, twostep
from twostep.recipe import init as starter
from twostep.recipe.schema import recipe_schema


@pytest.mark.parametrize("files,expected", [
    ({"main.go": "package main\n", "go.mod": "module x\n", "tool.py": ""}, "go"),
    ({"a.py": "", "b.py": "", "web/c.ts": ""}, "python"),
    ({"src/a.ts": "", "src/b.tsx": "", "package.json": "{}"}, "typescript"),
    ({"README.md": "# x\n", "Makefile": "all:\n"}, "default"),
])
def test_detects_the_language_from_tracked_files(files, expected):
    assert starter.choose(starter.detect(files)) == expected


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
    missing = twostep("run", "--spec", str(spec), "--dry-run", cwd=repo, env=env)
    assert missing.returncode == 4 and "twostep init" in missing.stderr.decode()
    assert twostep("init", cwd=repo).returncode == 0
    dry = twostep("run", "--spec", str(spec), "--yes", "--dry-run", cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    assert f"# recipe: python ({repo / 'twostep.yaml'})" in dry.stdout.decode()
