"""`twostep schema recipe` is generated from the field table that validates recipes: every
built-in passes it, typos and bad values fail it, and editors find it from each built-in."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.support.helpers import ROOT, twostep
from tests.support.minischema import errors
from twostep.recipe import builtin as builtins
from twostep.recipe.schema import recipe_schema

SCHEMA = recipe_schema()


@pytest.mark.parametrize("name", builtins.names())
def test_every_builtin_validates(name):
    path = ROOT / "recipes" / f"{name}.yaml"
    assert errors(yaml.safe_load(path.read_text()), SCHEMA) == []


@pytest.mark.parametrize("name", builtins.names())
def test_builtins_point_editors_at_the_schema(name):
    first = (ROOT / "recipes" / f"{name}.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/recipe.schema.json"
    assert (ROOT / "recipes" / "../schemas/recipe.schema.json").is_file()


def test_committed_schema_is_the_generated_one():
    committed = json.loads((ROOT / "schemas" / "recipe.schema.json").read_text())
    assert committed == SCHEMA, "regenerate: twostep schema recipe > schemas/recipe.schema.json"


@pytest.mark.parametrize("recipe,needle", [
    ({"extends": "go", "planner": {"modle": "x"}}, "unexpected key 'modle'"),
    ({"extends": "go", "rnu": 1}, "unexpected key 'rnu'"),
    ({"extends": "go", "planner": {"retries": -1}}, "fails minimum 0"),
    ({"extends": "go", "planner": {"model": ""}}, "fails minLength"),
    ({"extends": "go", "executor": {"allowed_tools": ["Write"]}}, "must not"),
    ({"extends": "go", "verify": ["go test"]}, "not of type array"),
    ({"extends": "go", "executor": {"permission_mode": "acceptedits"}}, "not in"),
    ({"extends": "go", "plan": "../x.md"}, "must not"),
    ({"codebase": ["*.go"]}, "missing 'planner'"),  # no extends: everything is required
])
def test_bad_recipes_fail_the_schema_as_they_fail_the_loader(recipe, needle, tmp_path):
    found = errors(recipe, SCHEMA)
    assert any(needle in e for e in found), found
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    assert twostep("check", str(path), cwd=tmp_path).returncode == 3


def test_schema_command_prints_it(tmp_path):
    out = twostep("schema", cwd=tmp_path)
    assert out.returncode == 0 and json.loads(out.stdout) == SCHEMA
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
