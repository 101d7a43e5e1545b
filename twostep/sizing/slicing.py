"""The large strategy's planner slice before issue 11, kept as the baseline that
scripts/eval_relevance.py measures the tiers (sizing/largeview.py) against: a slice chosen from
the measured per-directory breakdown. Directories the spec
names come first, then the smallest, so that as many parts of the codebase as possible are
seen whole; the rest is excluded with `:(exclude)` pathspecs, and reported."""

from __future__ import annotations

import re
from dataclasses import dataclass

from twostep.core.recipe import Recipe
from twostep.sizing.budget import max_chars

#: Keep this share of the budget free: the slice's size is an estimate until repomix packs it.
MARGIN = 0.85
#: Characters per token below which the gemini character limit, not the window, binds.
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Slice:
    pathspecs: tuple[str, ...]
    kept: tuple[tuple[str, int], ...]
    left_out: tuple[tuple[str, int], ...]
    reason: str


def target(recipe: Recipe, spec_chars: int) -> int:
    # Below CHARS_PER_TOKEN characters per token the CLI's character limit binds, not the window.
    window = min(recipe.planner.input_budget, max_chars(recipe.planner.cli) // CHARS_PER_TOKEN)
    return int((window - spec_chars // CHARS_PER_TOKEN) * MARGIN)


def units(by_dir: tuple[tuple[str, int], ...]) -> list[tuple[str, int]]:
    """The finest breakdown available: a directory split one level down is replaced by its parts."""
    split = {d.split("/")[0] for d, _ in by_dir if "/" in d}
    return [(d, t) for d, t in by_dir if d not in split]


def named_in(spec: str, unit: str) -> bool:
    base = unit.rstrip("/*").rsplit("/", 1)[-1]
    if unit == "." or len(base) < 3:
        return False
    return (unit.rstrip("/*") in spec
            or re.search(rf"(?<![\w/.-]){re.escape(base)}(?![\w-])", spec) is not None)


def exclude(unit: str) -> str:
    if unit == ".":
        return ":(exclude,glob)*"           # the files at the root (glob `*` stops at `/`)
    if unit.endswith("/*"):
        return f":(exclude,glob){unit}"     # the files directly in that directory
    return f":(exclude){unit}/"


def choose(recipe: Recipe, by_dir: tuple[tuple[str, int], ...], spec: str) -> Slice:
    budget = target(recipe, len(spec))
    ranked = sorted(units(by_dir), key=lambda u: (not named_in(spec, u[0]), u[1], u[0]))
    kept, left, used = [], [], 0
    for unit, tokens in ranked:
        if used + tokens <= budget:
            kept.append((unit, tokens))
            used += tokens
        else:
            left.append((unit, tokens))
    specs = recipe.codebase + tuple(exclude(u) for u, _ in sorted(left))
    reason = (f"the codebase is over the planner's budget ({budget:,} tokens with a "
              f"{int((1 - MARGIN) * 100)}% margin); directories the spec names were kept first, "
              f"then the smallest")
    return Slice(specs, tuple(kept), tuple(left), reason)
