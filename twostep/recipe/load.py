"""Recipes: YAML files parsed into frozen dataclasses, with errors at file:line:col."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twostep import agents
from twostep.core.cost import Price
from twostep.core.recipe import (
    EXECUTE_BY,
    PERMISSION_MODES,
    Agent,
    Recipe,
    Strategies,
    agent_default,
)
from twostep.errors import RecipeError
from twostep.recipe import builtin as builtins
from twostep.recipe import fields as schema
from twostep.recipe.marks import MarkedDict, Where, read_yaml

PLANNER_CLIS = agents.for_role("planner")
EXECUTOR_CLIS = agents.for_role("executor")

_PRICE_SCHEMA = {k: schema.Field(schema.non_negative_number, required=True)
                 for k in ("input_per_mtok", "output_per_mtok", "cached_per_mtok")}


def _agent_schema(role: str, clis: tuple[str, ...]) -> dict[str, schema.Field]:
    def field(check: schema.Checker, name: str) -> schema.Field:
        return schema.Field(check, default=agent_default(name))

    # model, prompt, timeout and the token limits default to the chosen CLI's (its adapter's
    # `defaults(role)`), so `planner: {cli: claude}` is a whole agent.
    table = {
        "cli": schema.Field(schema.choice(*clis), required=True),
        "model": schema.Field(schema.nonempty_str),
        "prompt": schema.Field(schema.nonempty_str),
        "flags": field(schema.str_list, "flags"),
        "timeout": schema.Field(schema.positive_number),
        "stall_after": field(schema.positive_number, "stall_after"),
        "retries": field(schema.int_range(0, 10), "retries"),
        "context_tokens": schema.Field(schema.positive_int),
        "output_tokens": schema.Field(schema.positive_int),
        "price": schema.Field(schema.section(_PRICE_SCHEMA)),
        "project_settings": field(schema.boolean, "project_settings"),
    }
    if role == "executor":
        table |= {
            "permission_mode": field(schema.choice(*PERMISSION_MODES), "permission_mode"),
            "allowed_tools": field(schema.tool_list, "allowed_tools"),
            "max_turns": field(schema.int_range(1, 1000), "max_turns"),
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

#: The recipe's field table: it validates recipes and generates `twostep schema recipe`.
RECIPE_FIELDS = _RECIPE_SCHEMA = {
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
    "budget_usd": schema.Field(schema.positive_usd),
    "execute_by": schema.Field(schema.choice(*EXECUTE_BY), default=Recipe.execute_by),
    "fix_rounds": schema.Field(schema.int_range(0, 10), default=Recipe.fix_rounds),
}


def make_agent(role: str, values: dict[str, Any]) -> Agent:
    """An Agent from a recipe's section: what it says over its CLI's defaults for the role."""
    merged = {**agents.get(values["cli"]).defaults(role), **values}
    price = merged.pop("price", None)
    if isinstance(price, dict):
        merged["price"] = Price(**price)
    return Agent(**merged)


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
        planner=make_agent("planner", values["planner"]),
        executor=make_agent("executor", values["executor"]),
        strategies=_strategies(values["strategies"], data.where),
        plan=values["plan"],
        plan_files=tuple(values["plan_files"]),
        verify=tuple(tuple(cmd) for cmd in values["verify"]),
        budget_usd=values.get("budget_usd"),
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
    try:
        base_path, base_display = builtins.locate(parent, path.parent)
    except RecipeError as exc:  # say where the name was written
        raise RecipeError(f"{data.value_where['extends']}: extends: {exc}", hint=exc.hint) from None
    base = _load_merged(base_path, base_display, (*seen, display))
    return schema.merge(_other_cli_restarts(base, data), data)


def _other_cli_restarts(base: MarkedDict, child: MarkedDict) -> MarkedDict:
    """An agent whose cli the child changes starts from that CLI's defaults, not from the
    base's model and prompt (which were another CLI's)."""
    out = base
    for role in ("planner", "executor"):
        mine, theirs = child.get(role), base.get(role)
        if isinstance(mine, dict) and isinstance(theirs, dict) \
                and mine.get("cli", theirs.get("cli")) != theirs.get("cli"):
            out = schema.merge(out, out)  # a copy with its marks
            out.pop(role)
    return out
