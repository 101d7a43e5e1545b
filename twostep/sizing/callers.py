"""The executor sees the callers: files that use a symbol the plan changes may break.

The symbols: the code names the plan uses that one of its planned files defines (rg with the
recipe language's definition patterns over those files). Their callers: the tracked, selected
files that mention one of them as a whole word (rg -w over the selection), the planned files
excepted. Ranked by how many of the symbols they use, rare symbols weighing more, then by path;
cut to what the executor's budget leaves after the plan and its files. They are read-only
context, packed apart: the proof-of-work check still concerns the planned files alone.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from twostep.core.recipe import Recipe
from twostep.log import LOG
from twostep.sizing import relevance, rgsearch
from twostep.sizing.terms import Terms
from twostep.sizing.tokens import PROSE_BYTES_PER_TOKEN, tokens_of
from twostep.tools import git as gitrepo

#: Share of the executor's remaining budget the callers may take: its own edits and the tools'
#: output need room too.
SHARE = 0.5
#: repomix's wrapper per file (tag and tree line) and per pack (summary).
FILE_OVERHEAD, PACK_OVERHEAD = 15, 400


@dataclass(frozen=True)
class Callers:
    symbols: tuple[str, ...]
    added: tuple[str, ...]
    left_out: tuple[str, ...]
    tokens: int
    room: int


def defined_symbols(repo: Path, names: Sequence[str], language: str,
                    planned: Sequence[str]) -> list[str]:
    """The names among `names` that a planned file defines."""
    argv = rgsearch.definition_argv(Terms(names=tuple(sorted(set(names)))), language)
    present = [p for p in planned if os.path.isfile(repo / p)]
    if not argv or not present:
        return []
    out = rgsearch.run_rg(repo, argv, present)
    found = {line.partition(b"\0")[2].decode("utf-8", "replace").strip()
             for line in out.split(b"\n") if b"\0" in line}
    return sorted(found & set(names))


def rank_callers(repo: Path, symbols: Sequence[str], selected: Sequence[str],
                 planned: Sequence[str]) -> list[str]:
    """Files using the symbols, most symbols (rare ones weighing more) first, then by path."""
    t = Terms(names=tuple(symbols))
    others = sorted(set(selected) - set(planned))
    argv = rgsearch.mention_argv(t)
    if not argv or not others:
        return []
    hits = relevance.parse_hits(rgsearch.run_rg(repo, argv, others), t, set(others))
    scores: dict[str, float] = defaultdict(float)
    for term in sorted(hits):
        weight = math.log(1 + len(others) / max(len(hits[term]), 1))
        for path in sorted(hits[term]):
            scores[path] += weight
    return sorted(scores, key=lambda p: (-round(scores[p], 9), p))


def find(repo: Path, recipe: Recipe, plan_text: str, planned: Sequence[str], *,
         used_tokens: int = 0) -> Callers:
    agent = recipe.executor
    language = rgsearch.language_for(recipe.name)
    # dunder names (`__all__`, `__init__`) are defined everywhere: no file is their caller
    names = [n for n in relevance.terms(plan_text).names
             if not (n.startswith("__") and n.endswith("__"))]
    symbols = defined_symbols(repo, names, language, planned)
    ranked = rank_callers(repo, symbols, gitrepo.ls_files(repo, recipe.codebase), planned)
    prose = (len(plan_text) + len(agent.prompt)) // PROSE_BYTES_PER_TOKEN
    room = max(0, int((agent.input_budget - used_tokens - prose) * SHARE) - PACK_OVERHEAD)
    added, left, total = [], [], 0
    for path in ranked:
        cost = tokens_of(path, os.lstat(repo / path).st_size) + FILE_OVERHEAD
        if total + cost <= room:
            added.append(path)
            total += cost
        else:
            left.append(path)
    return Callers(tuple(symbols), tuple(added), tuple(left), total, room)


def log(found: Callers) -> None:
    if not found.symbols:
        LOG.detail("callers: the plan changes no symbol its files define; none added")
        return
    shown = ", ".join(found.symbols[:8]) + (" …" if len(found.symbols) > 8 else "")
    # Only a caller left out is news worth a line by default: the executor will not see it.
    left = (f"; {len(found.left_out)} left out: the {found.room:,} tokens the executor's "
            f"budget has for callers are used") if found.left_out else ""
    (LOG.info if found.left_out else LOG.detail)(
        f"callers of {shown}: {len(found.added)} file(s) added as read-only context "
        f"(~{found.tokens:,} tokens){left}")
    for path in found.added:
        LOG.detail(f"  caller: {path}")
    if found.left_out:
        LOG.detail(f"  left out: {', '.join(found.left_out[:20])}")
