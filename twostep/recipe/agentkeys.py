"""An agent section's keys: the ones every CLI has, then those its CLI's adapter declares for
the role (core/options.py). A section is checked against the keys of the CLI it names, so a key
of another CLI (`executor: {cli: gemini, max_turns: 5}`) is an error that says whose key it is.

An adapter is imported when a recipe names its CLI; all of them only for an error message or
the JSON Schema.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from twostep import agents
from twostep.agents import EXECUTOR, PLANNER
from twostep.core.options import Choice, Count, Flag, Key, Kind
from twostep.core.recipe import agent_default
from twostep.errors import RecipeError
from twostep.recipe import fields as f
from twostep.recipe.marks import Where

ROLES = (PLANNER, EXECUTOR)
_PRICE = {k: f.Field(f.non_negative_number, required=True)
          for k in ("input_per_mtok", "output_per_mtok", "cached_per_mtok")}


def _common(role: str) -> dict[str, f.Field]:
    def field(check: f.Checker, name: str) -> f.Field:
        return f.Field(check, default=agent_default(name))

    # model, prompt, timeout and the token limits default to the chosen CLI's (its adapter's
    # `defaults(role)`), so `planner: {cli: claude}` is a whole agent.
    return {
        "cli": f.Field(f.choice(*agents.for_role(role)), required=True),
        "model": f.Field(f.nonempty_str),
        "prompt": f.Field(f.nonempty_str),
        "flags": field(f.str_list, "flags"),
        "timeout": f.Field(f.positive_number),
        "stall_after": field(f.positive_number, "stall_after"),
        "retries": field(f.int_range(0, 10), "retries"),
        "context_tokens": f.Field(f.positive_int),
        "output_tokens": f.Field(f.positive_int),
        "price": f.Field(f.section(_PRICE)),
    }


def rules(bare: tuple[str, ...], why: str, hint: str) -> f.Checker:
    """A list of strings none of which is one of `bare` alone (claude's allowed_tools)."""
    def check(value: Any, where: Where, key: str) -> tuple[str, ...]:
        items = f.str_list(value, where, key)
        marks = getattr(value, "item_where", [where] * len(items))
        collect = f.Collect()
        collect.problems = [RecipeError(f"{w}: {key}: a bare {item} {why}", hint=hint)
                            for item, w in zip(items, marks, strict=True) if item.strip() in bare]
        collect.done()
        return items
    f.MADE[check] = ("rules", bare)
    return check


@functools.cache
def for_kind(kind: Kind) -> f.Checker:
    """The checker of a kind of key; one per kind, so recipe/schema.py finds each in MADE."""
    if isinstance(kind, Flag):
        return f.boolean
    if isinstance(kind, Choice):
        return f.choice(*kind.options)
    if isinstance(kind, Count):
        return f.int_range(kind.low, kind.high)
    return rules(kind.bare, kind.why, kind.hint)


def own_keys(cli: str, role: str) -> dict[str, tuple[Key, object]]:
    return agents.get(cli).options.keys(role)


@functools.cache
def fields_of(cli: str, role: str) -> dict[str, f.Field]:
    """The keys of an agent of `cli` in `role`: the common ones, then the CLI's own."""
    own = {name: f.Field(for_kind(spec.kind), default=default)
           for name, (spec, default) in own_keys(cli, role).items()}
    return _common(role) | own


def any_cli(role: str) -> dict[str, f.Field]:
    """Every CLI's keys for the role: for a section whose cli is missing or unknown, which can
    only say what is wrong with each key's value."""
    out: dict[str, f.Field] = {}
    for cli in agents.for_role(role):
        out |= {k: v for k, v in fields_of(cli, role).items() if k not in out}
    return out


def _whose(clis: list[str]) -> str:
    return " and ".join(f"{cli}'s" for cli in clis)


def stray(cli: str, role: str) -> f.Stray:
    """Why a key is not one of this agent's, when another CLI or role has it."""
    def why(name: str) -> tuple[str, str] | None:
        owners = {r: [c for c in agents.for_role(r) if name in own_keys(c, r)] for r in ROLES}
        role_owning = role if owners[role] else next((r for r in ROLES if owners[r]), None)
        if role_owning is None:
            return None
        own = ", ".join(own_keys(cli, role))
        return (f"{name} is a key of {_whose(owners[role_owning])} {role_owning}, "
                f"not of {cli}'s {role}",
                f"{cli}'s own {role} keys: {own}" if own else
                f"{cli}'s {role} has only the keys every agent has")
    return why


@dataclass(frozen=True)
class Switch:
    """For recipe/schema.py: an agent section, whose keys depend on its cli."""

    role: str

    def tables(self) -> dict[str, dict[str, f.Field]]:
        return {cli: fields_of(cli, self.role) for cli in agents.for_role(self.role)}

    def fallback(self) -> dict[str, f.Field]:
        return any_cli(self.role)


def agent_section(role: str) -> f.Checker:
    """The checker of a `planner:` or `executor:` section."""
    clis = agents.for_role(role)

    def check(value: Any, where: Where, key: str) -> dict[str, Any]:
        cli = value.get("cli") if isinstance(value, dict) else None
        if cli in clis:
            return f.check_section(value, fields_of(cli, role), key, where, stray(cli, role))
        return f.check_section(value, any_cli(role), key, where)  # reports the cli itself
    f.MADE[check] = ("switch", Switch(role))
    return check
