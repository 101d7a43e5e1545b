"""Recipes: YAML files parsed into frozen dataclasses, with errors at file:line:col."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twostep.errors import RecipeError
from twostep.recipe import builtin as builtins
from twostep.recipe import fields as schema
from twostep.recipe.marks import MarkedDict, Where, read_yaml
from twostep.recipe.model import (
    EXECUTE_BY,
    PERMISSION_MODES,
    Agent,
    Recipe,
    Strategies,
    agent_default,
)

PLANNER_CLIS = ("gemini",)
EXECUTOR_CLIS = ("claude",)


def _agent_schema(role: str, clis: tuple[str, ...]) -> dict[str, schema.Field]:
    def field(check: schema.Checker, name: str) -> schema.Field:
        return schema.Field(check, default=agent_default(name))

    table = {
        "cli": schema.Field(schema.choice(*clis), required=True),
        "model": schema.Field(schema.nonempty_str, required=True),
        "prompt": schema.Field(schema.nonempty_str, required=True),
        "flags": field(schema.str_list, "flags"),
        "timeout": field(schema.positive_number, "timeout"),
        "retries": field(schema.int_range(0, 10), "retries"),
        "context_tokens": field(schema.positive_int, "context_tokens"),
        "output_tokens": field(schema.positive_int, "output_tokens"),
    }
    if role == "executor":
        table |= {
            "permission_mode": field(schema.choice(*PERMISSION_MODES), "permission_mode"),
            "allowed_tools": field(schema.tool_list, "allowed_tools"),
            "max_turns": field(schema.int_range(1, 1000), "max_turns"),
            "project_settings": field(schema.boolean, "project_settings"),
            "run_verify": field(schema.boolean, "run_verify"),
        }
    return table


_STRATEGY_SCHEMA = {
    "small": schema.Field(schema.section(
        {"below": schema.Field(schema.positive_int, required=True)})),
    "medium": schema.Field(schema.section(
        {"below": schema.Field(schema.positive_int, required=True)})),
    "large": schema.Field(schema.section({"slice": schema.Field(schema.str_list, default=())})),
}

_RECIPE_SCHEMA = {
    "name": schema.Field(schema.nonempty_str),
    "description": schema.Field(schema.nonempty_str, default=""),
    "extends": schema.Field(schema.nonempty_str),
    "codebase": schema.Field(schema.nonempty_str_list, required=True),
    "planner": schema.Field(schema.section(_agent_schema("planner", PLANNER_CLIS)), required=True),
    "executor": schema.Field(schema.section(_agent_schema("executor", EXECUTOR_CLIS)),
                             required=True),
    "strategies": schema.Field(schema.section(_STRATEGY_SCHEMA), default={}),
    "plan": schema.Field(schema.repo_relative_path, default="AI-PLAN.md"),
    "plan_files": schema.Field(schema.str_list, default=()),
    "verify": schema.Field(schema.argv_list, default=()),
    "execute_by": schema.Field(schema.choice(*EXECUTE_BY), default=Recipe.execute_by),
    "fix_rounds": schema.Field(schema.int_range(0, 10), default=Recipe.fix_rounds),
}


def _strategies(raw: dict[str, Any], where: Where) -> Strategies:
    small = raw.get("small", {}).get("below", Strategies.small_below)
    medium = raw.get("medium", {}).get("below", Strategies.medium_below)
    if medium < small:
        raise RecipeError(f"{where}: strategies: medium.below ({medium}) "
                          f"must be ≥ small.below ({small})")
    return Strategies(small, medium, tuple(raw.get("large", {}).get("slice", ())))


def build(data: MarkedDict, source: str, default_name: str) -> Recipe:
    """Validate a merged recipe mapping and freeze it."""
    values = schema.check_section(data, _RECIPE_SCHEMA, "recipe")
    return Recipe(
        name=values.get("name") or default_name,
        source=source,
        description=values["description"],
        codebase=tuple(values["codebase"]),
        planner=Agent(**values["planner"]),
        executor=Agent(**values["executor"]),
        strategies=_strategies(values["strategies"], data.where),
        plan=values["plan"],
        plan_files=tuple(values["plan_files"]),
        verify=tuple(tuple(cmd) for cmd in values["verify"]),
        execute_by=values["execute_by"],
        fix_rounds=values["fix_rounds"],
    )


def load(spec: str, *, cwd: Path | None = None) -> Recipe:
    """Load a recipe by path or built-in name (`default`, `go`, `python`, `typescript`)."""
    path, display = builtins.locate(spec, cwd or Path.cwd())
    data = _load_merged(path, display, seen=())
    # `source` is how a dry-run script names the recipe again: built-ins by name, files by path.
    source = spec if path.parent == builtins.recipes_dir() else str(path.resolve())
    return build(data, source, default_name=path.stem)


def _load_merged(path: Path, display: str, seen: tuple[str, ...]) -> MarkedDict:
    data = read_yaml(path, display)
    if not isinstance(data, MarkedDict):
        raise RecipeError(f"{display}:1:1: a recipe must be a mapping (key: value), "
                          f"got {schema.type_name(data)}")
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str) or not parent:
        raise RecipeError(f"{data.value_where['extends']}: extends must be a recipe name or path")
    if parent in seen or parent == display:
        raise RecipeError(f"{data.value_where['extends']}: recipe extends itself ({parent})")
    base_path, base_display = builtins.locate(parent, path.parent)
    base = _load_merged(base_path, base_display, (*seen, display))
    return schema.merge(base, data)
