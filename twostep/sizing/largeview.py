"""The planner's view of a large codebase: its budget, and the tiers for a ranking.

One function (`plan`) decides the tiers; `twostep tiers` (the pipeline stage that `twostep run`
and the dry-run script both call), `twostep measure --spec` and scripts/eval_relevance.py all go
through it, so they agree. Sizes come from `lstat` and the estimate's bytes-per-token table:
no file is read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep.core.recipe import Recipe
from twostep.log import LOG
from twostep.sizing import relevance, rgsearch
from twostep.sizing.budget import max_chars
from twostep.sizing.estimate import BINARY_EXTENSIONS, MAX_FILE_SIZE
from twostep.sizing.fill import Policy
from twostep.sizing.tiers import Tiers, plan_tiers
from twostep.sizing.tokens import PROSE_BYTES_PER_TOKEN, tokens_of
from twostep.tools import git as gitrepo

#: The tiers are planned from per-file estimates; repomix's real count must still fit, so keep
#: this share of the budget (tokens) and of the CLI's limit (characters). Python packs measured
#: 10-15% under the estimate (4.6 bytes per token against the table's 4.0).
TOKEN_MARGIN = 0.9
CHAR_MARGIN = 0.95


@dataclass(frozen=True)
class Budget:
    """What the codebase part of the planner's input may take, after the spec and prompt."""

    tokens: int
    chars: int
    prose_tokens: int
    prose_chars: int


def planner_budget(recipe: Recipe, spec_chars: int) -> Budget:
    """The planner's window less its headroom (input_budget) and the CLI's character limit
    (its adapter's max_input_chars), less the spec and prompt, with the margins above."""
    agent = recipe.planner
    prose_chars = spec_chars + len(agent.prompt) + 2
    prose_tokens = prose_chars // PROSE_BYTES_PER_TOKEN + 1
    return Budget(int((agent.input_budget - prose_tokens) * TOKEN_MARGIN),
                  int((max_chars(agent) - prose_chars) * CHAR_MARGIN),
                  prose_tokens, prose_chars)


def sizes(repo: Path, paths: Sequence[str]
          ) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """(estimated tokens, characters, files repomix will not pack with the reason) per path;
    bytes bound the characters from above. A path gone since `git ls-files` is left out:
    repomix will not pack it either, and it is no longer the codebase's."""
    tokens, chars, unpacked = {}, {}, {}
    root = os.fspath(repo)
    for p in paths:
        try:
            st = os.lstat(f"{root}/{p}")
        except OSError:
            continue
        tokens[p], chars[p] = tokens_of(p, st.st_size), st.st_size
        why = _unpacked(p, st)
        if why:
            unpacked[p] = why
    return tokens, chars, unpacked


def _unpacked(path: str, st: os.stat_result) -> str:
    """Why repomix leaves a file out of every pack (estimate.py mirrors its rules), or ''."""
    if stat.S_ISLNK(st.st_mode):
        return "a symlink, which repomix does not follow"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if os.path.splitext(path)[1][1:].lower() in BINARY_EXTENSIONS:
        return "a binary file"
    return "over repomix's 50 MiB limit" if st.st_size > MAX_FILE_SIZE else ""


def floor_files(repo: Path, pathspecs: Sequence[str], selected: Sequence[str]) -> list[str]:
    """The selected files the recipe's `slice` pathspecs match (git's pathspec rules)."""
    if not pathspecs:
        return []
    chosen = set(selected)
    return [p for p in gitrepo.ls_files(repo, tuple(pathspecs)) if p in chosen]


def doc_files(repo: Path, recipe: Recipe, selected: Sequence[str]
              ) -> tuple[frozenset[str], frozenset[str]]:
    """(the selected docs, those of them never in full text) by the recipe's pathspecs."""
    chosen = set(selected)
    large = recipe.strategies
    docs = chosen & set(gitrepo.ls_files(repo, large.docs)) if large.docs else set()
    never = docs & set(gitrepo.ls_files(repo, large.never_full)) if large.never_full else set()
    return frozenset(docs), frozenset(never)


def _scaled(tokens: dict[str, int], floor: Sequence[str], real: int | None) -> dict[str, int]:
    """Floor files re-weighed so that they sum to the floor's real (counted) size."""
    estimated = sum(tokens[p] for p in floor if p in tokens)
    if not real or not estimated:
        return tokens
    factor = real / estimated
    return {p: (max(1, round(t * factor)) if p in set(floor) else t) for p, t in tokens.items()}


def plan(repo: Path, recipe: Recipe, ranked: Sequence[relevance.Ranked], selected: Sequence[str],
         spec_chars: int, *, floor_tokens: int | None = None, allow_whole: bool = False) -> Tiers:
    """The tiers for one ranking of the selection, within the planner's budget."""
    return plan_sized(repo, recipe, ranked, selected, spec_chars, floor_tokens=floor_tokens,
                      allow_whole=allow_whole)[0]


def plan_sized(repo: Path, recipe: Recipe, ranked: Sequence[relevance.Ranked],
               selected: Sequence[str], spec_chars: int, *, floor_tokens: int | None = None,
               allow_whole: bool = False) -> tuple[Tiers, dict[str, int]]:
    """`plan`, with the estimated tokens per path it used (tiers.json keeps them)."""
    budget = planner_budget(recipe, spec_chars)
    tokens, chars, unpacked = sizes(repo, selected)
    floor = floor_files(repo, recipe.strategies.slice, list(tokens))
    scaled = _scaled(tokens, floor, floor_tokens)
    docs, never = doc_files(repo, recipe, list(tokens))
    named = frozenset(r.path for r in ranked if r.explicit)
    policy = Policy(recipe.strategies.fill, docs, never, named)
    return plan_tiers(ranked, scaled, budget_tokens=budget.tokens, max_chars=budget.chars,
                      floor=floor, file_chars=chars, allow_whole=allow_whole, policy=policy,
                      excluded=unpacked), scaled


def selection(repo: Path, recipe: Recipe) -> list[str]:
    return gitrepo.ls_files(repo, recipe.codebase)


def preview(repo: Path, recipe: Recipe, spec_text: str, *, floor_tokens: int | None = None,
            allow_whole: bool = False) -> tuple[list[relevance.Ranked], Tiers]:
    """What `twostep tiers` will decide, computed in-process (rg, lstat; nothing packed)."""
    selected = selection(repo, recipe)
    ranked = relevance.relevant(repo, spec_text, rgsearch.language_for(recipe.name), selected)
    return ranked, plan(repo, recipe, ranked, selected, len(spec_text), floor_tokens=floor_tokens,
                        allow_whole=allow_whole)


def report(tiers: Tiers, budget: Budget, tokens: dict[str, int]) -> dict[str, Any]:
    """tiers.json: which file went to which tier and why (the manifest keeps a summary)."""
    return {"tokens": tokens, "summary": tiers.summary, "whole": tiers.whole,
            "budget": {"tokens": budget.tokens, "chars": budget.chars,
                       "margin": TOKEN_MARGIN, "spec_and_prompt_tokens": budget.prose_tokens},
            "estimate": {"tokens": tiers.tokens, "chars": tiers.chars,
                         "by_tier": dict(tiers.by_tier)},
            "full": list(tiers.full), "compressed": list(tiers.compressed),
            "left_out": list(tiers.left_out), "mapped": len(tiers.mapped),
            "excluded": dict(tiers.excluded), "stopped": tiers.stopped,
            "why": {p: f"{tier}: {why}" for p, tier, why in tiers.reasons}}


def _some(paths: Sequence[str], n: int = 8) -> str:
    more = f" and {len(paths) - n:,} more" if len(paths) > n else ""
    return ", ".join(paths[:n]) + more


def log(tiers: Tiers) -> None:
    """stderr: the summary, each tier's files (all of them with -v), and what was left out."""
    LOG.info(f"planner input in tiers, {tiers.summary}")
    for name, paths in (("full text", tiers.full), ("compressed", tiers.compressed)):
        if paths:
            LOG.info(f"  {name}: {_some(paths)}")
    if tiers.excluded:
        LOG.warn(f"not packed (repomix skips them; the map marks them x): "
                 f"{_some([f'{p} ({why})' for p, why in tiers.excluded], 5)}")
    if tiers.left_out and tiers.stopped.startswith("the fill is `full`"):
        LOG.warn(f"left out of the planner's input (over its budget; the map names them): "
                 f"{len(tiers.left_out):,} files, e.g. {_some(tiers.left_out, 5)}")
    for path, tier, why in tiers.reasons:
        LOG.detail(f"  {tier:10} {path}: {why}")
