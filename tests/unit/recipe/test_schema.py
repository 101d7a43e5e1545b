"""`twostep schema recipe` is generated from the field table that validates recipes: every
built-in passes it, typos and bad values fail it, and editors find it from each built-in."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.support.helpers import ROOT, twostep
from twostep.recipe import builtin as builtins
from twostep.recipe.schema import recipe_schema

SCHEMA = recipe_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("name", builtins.names())
def test_every_builtin_validates(name):
    path = ROOT / "recipes" / f"{name}.yaml"
    VALIDATOR.validate(yaml.safe_load(path.read_text()))


@pytest.mark.parametrize("name", builtins.names())
def test_builtins_point_editors_at_the_schema(name):
    first = (ROOT / "recipes" / f"{name}.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/recipe.schema.json"
    assert (ROOT / "recipes" / "../schemas/recipe.schema.json").is_file()


def test_committed_schema_is_the_generated_one():
    committed = json.loads((ROOT / "schemas" / "recipe.schema.json").read_text())
    assert committed == SCHEMA, "regenerate: twostep schema recipe > schemas/recipe.schema.json"


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


# Each needle: where the value fails, the keyword it fails, and the start of jsonschema's message.
@pytest.mark.parametrize("recipe,needle", [
    ({"extends": "go", "planner": {"modle": "x"}},
     "$.planner additionalProperties: Additional properties are not allowed ('modle' was"),
    ({"extends": "go", "rnu": 1},
     "$ additionalProperties: Additional properties are not allowed ('rnu' was"),
    ({"extends": "go", "planner": {"retries": -1}},
     "$.planner.retries minimum: -1 is less than the minimum of 0"),
    ({"extends": "go", "planner": {"model": ""}},
     "$.planner.model minLength: '' should be non-empty"),
    ({"extends": "go", "executor": {"allowed_tools": ["Write"]}},
     "$.executor.allowed_tools[0] not: 'Write' should not be valid"),
    ({"extends": "go", "verify": ["go test"]},
     "$.verify[0] type: 'go test' is not of type 'array'"),
    ({"extends": "go", "executor": {"permission_mode": "acceptedits"}},
     "$.executor.permission_mode enum: 'acceptedits' is not one of"),
    ({"extends": "go", "plan": "../x.md"}, "$.plan not: '../x.md' should not be valid"),
    # no extends: everything is required
    ({"codebase": ["*.go"]}, "$ required: 'planner' is a required property"),
    # Each agent's keys are its CLI's (an if/then on `cli`).
    ({"extends": "go", "executor": {"cli": "gemini", "max_turns": 5}},
     "$.executor additionalProperties: Additional properties are not allowed ('max_turns' was"),
    ({"extends": "go", "executor": {"cli": "gemini", "allowed_tools": ["Read"],
                                    "permission_mode": "auto"}},
     "$.executor additionalProperties: Additional properties are not allowed ('allowed_tools', "),
    ({"extends": "go", "executor": {"cli": "codex", "run_verify": True}},
     "$.executor additionalProperties: Additional properties are not allowed ('run_verify' was"),
    ({"extends": "go", "planner": {"cli": "claude", "max_turns": 5}},
     "$.planner additionalProperties: Additional properties are not allowed ('max_turns' was"),
    ({"extends": "go", "planner": {"cli": "gemini", "project_settings": True}},
     "$.planner additionalProperties: Additional properties are not allowed ('project_settings' "),
    ({"extends": "go", "executor": {"cli": "claude", "max_turns": 0}},
     "$.executor.max_turns minimum: 0 is less than the minimum of 1"),
    ({"extends": "go", "executor": {"cli": "gemni"}},
     "$.executor.cli enum: 'gemni' is not one of"),
], ids=["planner-typo", "top-level-typo", "negative-retries", "empty-model", "bare-write",
        "verify-not-argv", "permission-mode-case", "plan-outside", "no-extends",
        "gemini-max-turns", "gemini-claude-keys", "codex-run-verify", "claude-planner-max-turns",
        "gemini-project-settings", "claude-max-turns-0", "cli-typo"])
def test_bad_recipes_fail_the_schema_as_they_fail_the_loader(recipe, needle, tmp_path):
    found = [f"{e.json_path} {e.validator}: {e.message}" for e in VALIDATOR.iter_errors(recipe)]
    assert any(e.startswith(needle) for e in found), found
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    assert twostep("check", str(path), cwd=tmp_path).returncode == 3


@pytest.mark.parametrize("recipe", [
    {"extends": "go", "executor": {"cli": "claude", "permission_mode": "auto", "max_turns": 9,
                                   "allowed_tools": ["Read"], "run_verify": True}},
    {"extends": "go", "planner": {"cli": "claude", "project_settings": True}},
    {"extends": "go", "planner": {"cli": "codex", "project_settings": True},
     "executor": {"cli": "codex", "project_settings": True}},
    {"extends": "go", "executor": {"cli": "gemini", "model": "m", "retries": 1}},
    {"extends": "go", "executor": {"max_turns": 9}},  # the cli is inherited: claude's
])
def test_each_clis_keys_pass_the_schema_as_they_pass_the_loader(recipe, tmp_path):
    assert [e.message for e in VALIDATOR.iter_errors(recipe)] == []
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(recipe))
    assert twostep("check", str(path), cwd=tmp_path).returncode == 0


def test_schema_command_prints_it(tmp_path):
    out = twostep("schema", cwd=tmp_path)
    assert out.returncode == 0 and json.loads(out.stdout) == SCHEMA
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
