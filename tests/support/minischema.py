"""A minimal JSON Schema (draft 2020-12) validator for the keywords twostep's schemas use.

No validator is installed or pinned, so this one checks exactly those keywords and refuses any
other: a schema that started using a new keyword fails here instead of being half-checked.
"""

from __future__ import annotations

import re
from typing import Any

ANNOTATIONS = {"$schema", "$id", "title", "description", "default", "$defs"}
TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def errors(value: Any, schema: dict, root: dict | None = None, at: str = "$") -> list[str]:
    root = root if root is not None else schema
    out: list[str] = []
    for key, arg in schema.items():
        if key in ANNOTATIONS:
            continue
        check = _KEYWORDS.get(key)
        if check is None:
            raise ValueError(f"{at}: minischema does not know keyword {key!r}")
        out += check(value, arg, schema, root, at)
    return out


def _ref(value, arg, schema, root, at):
    assert arg.startswith("#/"), arg
    target = root
    for part in arg[2:].split("/"):
        target = target[part]
    return errors(value, target, root, at)


def _type(value, arg, schema, root, at):
    kinds = arg if isinstance(arg, list) else [arg]
    return [] if any(TYPES[k](value) for k in kinds) else [f"{at}: not of type {arg}"]


def _properties(value, arg, schema, root, at):
    if not isinstance(value, dict):
        return []
    return [e for k, sub in arg.items() if k in value
            for e in errors(value[k], sub, root, f"{at}.{k}")]


def _additional(value, arg, schema, root, at):
    if arg is not False:
        raise ValueError(f"{at}: minischema knows only additionalProperties: false")
    if not isinstance(value, dict):
        return []
    extra = sorted(set(value) - set(schema.get("properties", {})))
    return [f"{at}: unexpected key {k!r}" for k in extra]


def _required(value, arg, schema, root, at):
    if not isinstance(value, dict):
        return []
    return [f"{at}: missing {k!r}" for k in arg if k not in value]


def _items(value, arg, schema, root, at):
    if not isinstance(value, list):
        return []
    return [e for i, v in enumerate(value) for e in errors(v, arg, root, f"{at}[{i}]")]


def _bound(name, ok):
    def check(value, arg, schema, root, at):
        if TYPES["number"](value) and not ok(value, arg):
            return [f"{at}: {value!r} fails {name} {arg}"]
        return []
    return check


def _len(name, size, ok):
    def check(value, arg, schema, root, at):
        if size(value) is not None and not ok(size(value), arg):
            return [f"{at}: fails {name} {arg}"]
        return []
    return check


def _pattern(value, arg, schema, root, at):
    return [f"{at}: {value!r} does not match {arg}"] if isinstance(value, str) and \
        not re.search(arg, value) else []


def _enum(value, arg, schema, root, at):
    return [] if any(_same(value, a) for a in arg) else [f"{at}: {value!r} not in {arg}"]


def _const(value, arg, schema, root, at):
    return [] if _same(value, arg) else [f"{at}: {value!r} is not {arg!r}"]


def _same(a, b):
    return (type(a) is type(b) and a == b) or (TYPES["number"](a) and TYPES["number"](b) and a == b)


def _not(value, arg, schema, root, at):
    return [f"{at}: matches a schema it must not"] if not errors(value, arg, root, at) else []


def _any_of(value, arg, schema, root, at):
    results = [errors(value, sub, root, at) for sub in arg]
    return [] if any(not r for r in results) else [f"{at}: matches no alternative"] + results[0]


def _if(value, arg, schema, root, at):
    branch = "then" if not errors(value, arg, root, at) else "else"
    return errors(value, schema[branch], root, at) if branch in schema else []


_KEYWORDS = {
    "$ref": _ref, "type": _type, "properties": _properties, "additionalProperties": _additional,
    "required": _required, "items": _items, "enum": _enum, "const": _const, "not": _not,
    "anyOf": _any_of, "if": _if, "then": lambda *a: [], "else": lambda *a: [],
    "pattern": _pattern,
    "minimum": _bound("minimum", lambda v, a: v >= a),
    "maximum": _bound("maximum", lambda v, a: v <= a),
    "exclusiveMinimum": _bound("exclusiveMinimum", lambda v, a: v > a),
    "minLength": _len("minLength", lambda v: len(v) if isinstance(v, str) else None,
                      lambda n, a: n >= a),
    "minItems": _len("minItems", lambda v: len(v) if isinstance(v, list) else None,
                     lambda n, a: n >= a),
}
