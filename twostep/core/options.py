"""The recipe keys one model CLI adds to an agent, declared by its adapter.

Every agent has the common keys (cli, model, prompt, flags, timeout, …: core/recipe.Agent).
A key only one CLI reads (claude's permission_mode, codex's project_settings) is a field of
that adapter's `CliOptions` subclass, made with `key()`, which says what the key accepts and
in which roles. recipe/load.py turns these declarations into the field table that validates an
agent section against its cli, and recipe/schema.py into the JSON Schema; only the adapter
reads the values (`Agent.options_as`). The kinds below are data, not checkers, because the
adapters sit below the recipe layer and may not import its validator.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Flag:
    """true or false."""


@dataclass(frozen=True)
class Choice:
    """One of `options`."""

    options: tuple[str, ...]


@dataclass(frozen=True)
class Count:
    """A whole number from `low` to `high`."""

    low: int
    high: int


@dataclass(frozen=True)
class Rules:
    """A list of non-empty strings in which none of `bare` may stand alone: `why` finishes
    "a bare Write …", `hint` says how to scope it."""

    bare: tuple[str, ...] = ()
    why: str = ""
    hint: str = ""


Kind = Flag | Choice | Count | Rules


@dataclass(frozen=True)
class Key:
    """What a CLI's recipe key accepts, and the roles ("planner", "executor") that have it."""

    kind: Kind
    roles: tuple[str, ...]


def key(default: T, kind: Kind, *roles: str) -> T:
    """A `CliOptions` field that is a recipe key of `roles`, `default` when a recipe leaves it
    out (and in the roles that do not have it)."""
    return field(default=default, metadata={"key": Key(kind, roles)})


@dataclass(frozen=True)
class CliOptions:
    """The keys a CLI adds to the common ones; this base has none (gemini's case). Subclasses
    are frozen, of hashable values, so an Agent that holds one stays frozen and hashable."""

    @classmethod
    def keys(cls, role: str) -> dict[str, tuple[Key, object]]:
        """This CLI's own keys in a role with their defaults, in the order declared."""
        out: dict[str, tuple[Key, object]] = {}
        for f in fields(cls):
            spec = f.metadata.get("key")
            if isinstance(spec, Key) and role in spec.roles:
                out[f.name] = (spec, f.default)
        return out
