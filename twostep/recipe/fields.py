"""A tiny schema-as-data validator for marked YAML (in the spirit of cfgv), with locations.

Each checker takes (value, where, key) and returns the cleaned value or raises RecipeError
whose message starts with `file:line:col`.
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from twostep.errors import RecipeError
from twostep.recipe.marks import MarkedDict, Where

Checker = Callable[[Any, Where, str], Any]
_MISSING = object()
#: What a checker made by a factory accepts, for recipe/schema.py: ("range", (low, high)),
#: ("choice", options), ("rules", bare), ("section", fields) or ("switch", Switch). The plain
#: checkers are known there by name.
MADE: dict[Checker, tuple[str, Any]] = {}


@dataclass(frozen=True)
class Field:
    check: Checker
    required: bool = False
    default: Any = _MISSING


def type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = ((bool, "true/false"), (dict, "a mapping"), (list, "a list"), (str, "a string"),
             (int, "a number"), (float, "a number"))
    return next((name for kind, name in names if isinstance(value, kind)), type(value).__name__)


def shown(value: Any) -> str:
    """The bad value itself when it is short and plain (`got -1`, `got ""`), else its kind."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:57] + "…", ensure_ascii=False)
    return type_name(value)


def _fail(where: Where | None, key: str, expected: str, value: Any) -> RecipeError:
    return RecipeError(f"{where}: {key} must be {expected}, got {shown(value)}")


class RecipeErrors(RecipeError):
    """Every problem found in one pass: one `file:line:col: message` line each."""

    def __init__(self, problems: list[RecipeError]) -> None:
        problems = sorted(problems, key=_position)
        lines = [f"{p}" + (f"\n    ({p.hint})" if p.hint else "") for p in problems]
        super().__init__(f"{len(problems)} problems:\n  " + "\n  ".join(lines))
        self.problems = problems


def _position(exc: RecipeError) -> tuple[str, int, int]:
    """file, line, col from the message's `file:line:col:` prefix (the file's order)."""
    found = re.match(r"(.*?):(\d+):(\d+): ", str(exc))
    return (found[1], int(found[2]), int(found[3])) if found else (str(exc), 0, 0)


def describe(exc: RecipeError) -> list[dict[str, Any]]:
    """Each problem as data (`twostep check --json`): file, line, col, message, hint."""
    out = []
    for problem in _flat(exc):
        text = str(problem)
        found = re.match(r"(.*?):(\d+):(\d+): (.*)", text, re.S)
        where = (found[1], int(found[2]), int(found[3])) if found else (None, None, None)
        out.append({"file": where[0], "line": where[1], "col": where[2],
                    "message": found[4] if found else text, "hint": problem.hint})
    return out


def _flat(exc: RecipeError) -> list[RecipeError]:
    return list(exc.problems) if isinstance(exc, RecipeErrors) else [exc]


class Collect:
    """Run checks and keep going after a failure, so one pass reports every problem."""

    def __init__(self) -> None:
        self.problems: list[RecipeError] = []

    def __call__(self, check: Callable[..., Any], *args: Any) -> Any:
        try:
            return check(*args)
        except RecipeError as exc:
            self.problems.extend(_flat(exc))
            return None

    def done(self) -> None:
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise RecipeErrors(self.problems)


def nonempty_str(value: Any, where: Where, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, key, "a non-empty string", value)
    return value


def str_list(value: Any, where: Where, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        raise RecipeError(f"{where}: {key} must be a list of strings, got a string",
                          hint=f"write it as a list: {key}: [{value!r}]")
    if not isinstance(value, list):
        raise _fail(where, key, "a list of strings", value)
    items = getattr(value, "item_where", [where] * len(value))
    collect = Collect()
    out = tuple(collect(nonempty_str, v, w, f"{key}[{i}]")
                for i, (v, w) in enumerate(zip(value, items, strict=True)))
    collect.done()
    return out


def nonempty_str_list(value: Any, where: Where, key: str) -> tuple[str, ...]:
    items = str_list(value, where, key)
    if not items:
        raise RecipeError(f"{where}: {key} must list at least one pathspec")
    return items


def argv_list(value: Any, where: Where, key: str) -> tuple[tuple[str, ...], ...]:
    """A list of commands, each an argv list. Strings are refused: no `sh -c` from data."""
    if not isinstance(value, list):
        raise _fail(where, key, "a list of commands (each a list of words)", value)
    items = getattr(value, "item_where", [where] * len(value))
    collect = Collect()
    out = [collect(_argv, cmd, w, f"{key}[{i}]")
           for i, (cmd, w) in enumerate(zip(value, items, strict=True))]
    collect.done()
    return tuple(out)


def _argv(cmd: Any, where: Where, key: str) -> tuple[str, ...]:
    if isinstance(cmd, str):
        raise RecipeError(f"{where}: {key} must be an argv list, not a shell string",
                          hint=f"write it as a list of words: {cmd.split()!r}")
    argv = str_list(cmd, where, key)
    if not argv:
        raise RecipeError(f"{where}: {key} is an empty command")
    return argv


def boolean(value: Any, where: Where, key: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, key, "true or false", value)
    return value


def positive_int(value: Any, where: Where, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _fail(where, key, "a positive whole number", value)
    return value


def positive_number(value: Any, where: Where, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _fail(where, key, "a positive number of seconds", value)
    return float(value)


def non_negative_number(value: Any, where: Where, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _fail(where, key, "a number of USD, 0 or more", value)
    return float(value)


def positive_usd(value: Any, where: Where, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _fail(where, key, "a positive amount of USD", value)
    return float(value)


def int_range(low: int, high: int) -> Checker:
    def check(value: Any, where: Where, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _fail(where, key, f"a whole number from {low} to {high}", value)
        return value
    MADE[check] = ("range", (low, high))
    return check


def choice(*options: str) -> Checker:
    def check(value: Any, where: Where, key: str) -> str:
        if value not in options:
            near = difflib.get_close_matches(str(value), options, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"choose one of: {', '.join(options)}"
            raise RecipeError(f"{where}: {key}: {value!r} is not one of {', '.join(options)}",
                              hint=hint)
        return value
    MADE[check] = ("choice", options)
    return check


def repo_relative_path(value: Any, where: Where, key: str) -> str:
    text = nonempty_str(value, where, key)
    norm = posixpath.normpath(text)
    if posixpath.isabs(norm) or norm.startswith("..") or norm.split("/")[0] == ".git":
        raise RecipeError(f"{where}: {key}: {text!r} must be a path inside the repository")
    return norm


#: For a key a section does not have: why, and a hint (None: it is just unknown).
Stray = Callable[[str], tuple[str, str] | None]


def section(fields: dict[str, Field]) -> Checker:
    def check(value: Any, where: Where, key: str) -> dict[str, Any]:
        return check_section(value, fields, key, where)
    MADE[check] = ("section", fields)
    return check


def check_section(data: Any, fields: dict[str, Field], key: str, where: Where | None = None,
                  stray: Stray | None = None) -> dict[str, Any]:
    """Check a mapping against fields: unknown keys (with a did-you-mean, or why the key is
    not this section's when `stray` knows), types, required."""
    where = getattr(data, "where", where)
    if not isinstance(data, dict):
        raise _fail(where, key, "a mapping (key: value)", data)
    data = cast(MarkedDict, data)  # mappings come from marks.load_text, which marks them
    collect = Collect()
    for name in data:
        if name not in fields:
            at = data.key_where.get(name, where)
            collect.problems.append(_unknown(at, name, fields, key, stray))
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        if name in data:
            at = data.value_where.get(name, where)
            out[name] = collect(spec.check, data[name], at, name)
        elif spec.required:
            collect.problems.append(
                RecipeError(f"{where}: {key} is missing required key {name!r}"))
        elif spec.default is not _MISSING:
            out[name] = spec.default
    collect.done()
    return out


def _unknown(at: Where | None, name: str, fields: dict[str, Field], key: str,
             stray: Stray | None) -> RecipeError:
    known = stray(name) if stray is not None else None
    if known is not None:
        return RecipeError(f"{at}: {known[0]}", hint=known[1])
    near = difflib.get_close_matches(str(name), list(fields), n=1)
    return RecipeError(f"{at}: unknown key {name!r} in {key}",
                       hint=f"did you mean {near[0]!r}?" if near else
                       f"known keys: {', '.join(fields)}")


def merge(base: MarkedDict, child: MarkedDict) -> MarkedDict:
    """Deep-merge child over base (mappings merge, everything else replaces), keeping marks."""
    out = MarkedDict(base)
    out.where = child.where
    out.key_where = dict(base.key_where) | child.key_where
    out.value_where = dict(base.value_where) | child.value_where
    for key, value in child.items():
        if key == "extends":
            continue
        if isinstance(value, MarkedDict) and isinstance(base.get(key), MarkedDict):
            out[key] = merge(base[key], value)
        else:
            out[key] = value
    out.pop("extends", None)
    return out
