"""The recipe's JSON Schema (draft 2020-12), generated from the field table that validates
recipes (load.RECIPE_FIELDS), so the two cannot drift. `twostep schema recipe` prints it;
editors use it through the `# yaml-language-server: $schema=…` line of a recipe.

The schema checks shapes and ranges, and each agent's keys against its cli; a few rules stay
with the loader only (medium.below ≥ small.below, a plan path that normalises outside the
repository, the keys of an agent whose cli a recipe inherits).
"""

from __future__ import annotations

from typing import Any

from twostep.recipe import fields as f
from twostep.recipe.load import RECIPE_FIELDS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID = "https://twostep.dev/schemas/recipe.schema.json"

_STRING = {"type": "string", "minLength": 1, "pattern": "\\S"}
_STRINGS = {"type": "array", "items": _STRING}
#: The plain checkers: what each accepts.
PLAIN: dict[f.Checker, dict[str, Any]] = {
    f.nonempty_str: _STRING,
    f.str_list: _STRINGS,
    f.nonempty_str_list: {**_STRINGS, "minItems": 1},
    f.argv_list: {"type": "array", "items": {**_STRINGS, "minItems": 1}},
    f.boolean: {"type": "boolean"},
    f.positive_int: {"type": "integer", "minimum": 1},
    f.positive_number: {"type": "number", "exclusiveMinimum": 0},
    f.non_negative_number: {"type": "number", "minimum": 0},
    f.positive_usd: {"type": "number", "exclusiveMinimum": 0},
    f.repo_relative_path: {**_STRING, "not": {"pattern": "^(/|\\.\\.(/|$)|\\.git(/|$))"}},
}


def _default(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_default(v) for v in value]
    return value


def fragment(check: f.Checker, *, full: bool) -> dict[str, Any]:
    if check in PLAIN:
        return dict(PLAIN[check])
    kind, data = f.MADE[check]
    if kind == "range":
        return {"type": "integer", "minimum": data[0], "maximum": data[1]}
    if kind == "choice":
        return {"enum": list(data)}
    if kind == "rules":
        return {"type": "array", "items": {**_STRING, "not": {"enum": list(data)}}}
    if kind == "switch":
        return by_cli(data.tables(), data.fallback(), full=full)
    return section(data, full=full)


def by_cli(tables: dict[str, dict[str, f.Field]], fallback: dict[str, f.Field], *,
           full: bool) -> dict[str, Any]:
    """An agent: the keys of the CLI its `cli` names (an if/then/else chain, one CLI each),
    else, with no cli or an unknown one, any CLI's keys (a recipe that extends another may
    leave the cli out: the loader checks the agent once merged)."""
    out = section(fallback, full=full)
    for cli in reversed(tables):
        out = {"if": {"properties": {"cli": {"const": cli}}, "required": ["cli"]},
               "then": section(tables[cli], full=full), "else": out}
    return out


def section(table: dict[str, f.Field], *, full: bool) -> dict[str, Any]:
    """An object: every known key, no other key, and (when `full`) the required ones."""
    props = {}
    for name, field in table.items():
        prop = fragment(field.check, full=full)
        if field.default is not f._MISSING and field.default != {}:
            prop["default"] = _default(field.default)
        props[name] = prop
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    required = [name for name, field in table.items() if field.required]
    if full and required:
        out["required"] = required
    return out


def recipe_schema() -> dict[str, Any]:
    """A recipe that `extends:` another may leave out what it inherits; one that does not must
    say everything the loader requires."""
    return {
        "$schema": DRAFT,
        "$id": ID,
        "title": "twostep recipe",
        "description": "A twostep recipe (twostep check RECIPE validates one; "
                       "twostep recipes --show default prints the reference).",
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": "#/$defs/extending"},
        "else": {"$ref": "#/$defs/complete"},
        "$defs": {"complete": section(RECIPE_FIELDS, full=True),
                  "extending": section(RECIPE_FIELDS, full=False)},
    }
