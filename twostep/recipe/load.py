"""Recipes: YAML files parsed into frozen dataclasses, with errors at file:line:col."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twostep import agents
from twostep.core.cost import Price
from twostep.core.recipe import EXECUTE_BY, FILLS, Agent, ExecuteBy, Recipe, Strategies
from twostep.errors import RecipeError
from twostep.recipe import builtin as builtins
from twostep.recipe import fields as schema
from twostep.recipe.agentkeys import agent_section
from twostep.recipe.marks import MarkedDict, Where, read_yaml

_STRATEGY_SCHEMA = {
    "small": schema.Field(schema.section(
        {"below": schema.Field(schema.positive_int, required=True)})),
    "medium": schema.Field(schema.section(
        {"below": schema.Field(schema.positive_int, required=True)})),
    "large": schema.Field(schema.section({
        "slice": schema.Field(schema.str_list, default=()),
        "fill": schema.Field(schema.choice(*FILLS), default=Strategies.fill),
        "docs": schema.Field(schema.str_list, default=()),
        "never_full": schema.Field(schema.str_list, default=()),
    })),
}

#: The recipe's field table: it validates recipes and generates `twostep schema recipe`.
RECIPE_FIELDS = _RECIPE_SCHEMA = {
    "name": schema.Field(schema.nonempty_str),
    "description": schema.Field(schema.nonempty_str, default=""),
    "extends": schema.Field(schema.nonempty_str),
    "codebase": schema.Field(schema.nonempty_str_list, required=True),
    # Each agent's keys are those of the CLI it names (recipe/agentkeys.py).
    "planner": schema.Field(agent_section("planner"), required=True),
    "executor": schema.Field(agent_section("executor"), required=True),
    "strategies": schema.Field(schema.section(_STRATEGY_SCHEMA), default={}),
    "plan": schema.Field(schema.repo_relative_path, default="AI-PLAN.md"),
    "plan_files": schema.Field(schema.str_list, default=()),
    "verify": schema.Field(schema.argv_list, default=()),
    "budget_usd": schema.Field(schema.positive_usd),
    "execute_by": schema.Field(schema.choice(*EXECUTE_BY), default=Recipe.execute_by.value),
    "fix_rounds": schema.Field(schema.int_range(0, 10), default=Recipe.fix_rounds),
    "jobs": schema.Field(schema.int_range(1, 16), default=Recipe.jobs),
}


def make_agent(role: str, values: dict[str, Any]) -> Agent:
    """An Agent from a recipe's section: what it says over its CLI's defaults for the role,
    the CLI's own keys in its adapter's options."""
    adapter = agents.get(values["cli"])
    merged = {**adapter.defaults(role), **values}
    own = {name: merged.pop(name) for name in adapter.options.keys(role) if name in merged}
    price = merged.pop("price", None)
    if isinstance(price, dict):
        merged["price"] = Price(**price)
    return Agent(**merged, options=adapter.options(**own))


def _strategies(raw: dict[str, Any], where: Where) -> Strategies:
    small = raw.get("small", {}).get("below", Strategies.small_below)
    medium = raw.get("medium", {}).get("below", Strategies.medium_below)
    if medium < small:
        raise RecipeError(f"{where}: strategies: medium.below ({medium}) "
                          f"must be ≥ small.below ({small})")
    large = raw.get("large", {})
    return Strategies(small, medium, tuple(large.get("slice", ())),
                      large.get("fill", Strategies.fill), tuple(large.get("docs", ())),
                      tuple(large.get("never_full", ())))


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
        execute_by=ExecuteBy(values["execute_by"]),
        fix_rounds=values["fix_rounds"],
        jobs=values["jobs"],
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
