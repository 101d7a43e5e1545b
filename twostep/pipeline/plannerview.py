"""The large strategy, decided before the phases are built (so the dry-run shows the outcome):
does the whole codebase fit the planner, and how big is the recipe's slice really?

Both questions are answered by real size. An estimate decides only when its whole band is on
one side of the budget; when the band straddles it, repomix counts exactly (measure.exact,
cached). The pessimistic top of a band never rejects anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from twostep.core.recipe import Recipe, Strategy
from twostep.pipeline.job import Job
from twostep.pipeline.measure import Measurement, exact
from twostep.sizing import largeview
from twostep.sizing.budget import max_chars
from twostep.sizing.estimate import estimate


@dataclass(frozen=True)
class Size:
    tokens: int
    chars: int | None  # None: not counted (the estimate's tokens bound characters too)
    how: str


def _fits(size: Size, recipe: Recipe, spec_chars: int) -> bool:
    budget = largeview.planner_budget(recipe, spec_chars)
    chars_ok = size.chars is None or size.chars + budget.prose_chars <= max_chars(
        recipe.planner)
    return size.tokens + budget.prose_tokens <= recipe.planner.input_budget and chars_ok


def _real(recipe: Recipe, repo: Path, pathspecs: tuple[str, ...], spec_chars: int,
          low: int, high: int, counted: Measurement | None, store: bool) -> Size:
    """The size that decides: the band's top when even it fits (bytes ≥ tokens and ≥ chars),
    its bottom when even that does not, otherwise repomix's own count."""
    if counted is not None and counted.exact:
        return Size(counted.tokens, counted.chars, "counted by repomix")
    if _fits(Size(high, high, ""), recipe, spec_chars):
        return Size(high, high, f"at most {high:,} tokens (estimate)")
    if not _fits(Size(low, None, ""), recipe, spec_chars):
        return Size(low, None, f"at least {low:,} tokens (estimate)")
    m = exact(recipe, repo, pathspecs, store=store)
    return Size(m.tokens, m.chars, "counted by repomix: the estimate's band straddles the budget")


def decide(job: Job, repo: Path, m: Measurement, spec: str, *,
           store: bool = True) -> tuple[Job, list[str]]:
    """The job with the planner's view fixed (whole codebase, or tiers with the slice's real
    size), and the notes that say so on stderr, in the script's header and in the manifest."""
    recipe = job.recipe
    budget = recipe.planner.input_budget
    floor = recipe.strategies.slice
    if not floor:
        size = _real(recipe, repo, recipe.codebase, len(spec), m.low or m.tokens,
                     m.high or m.tokens, m, store)
        if _fits(size, recipe, len(spec)):
            note = (f"planner input: the whole codebase fits the planner's budget ({size.tokens:,}"
                    f" of {budget:,} tokens, {size.how}): all of it in full text")
            return replace(job, slice=recipe.codebase, tiers=False), [note]
        return replace(job, tiers=True), [
            f"planner input in tiers: the codebase is over the planner's budget ({size.how}, "
            f"budget {budget:,} tokens)"]
    est = estimate(repo, floor)
    size = _real(recipe, repo, floor, len(spec), est.low, est.high, None, store)
    fits = _fits(size, recipe, len(spec))
    counted = size.tokens if size.how.startswith("counted") else None
    note = (f"planner input in tiers; the recipe's slice ({size.how}) "
            + ("fits: all of it in full text, as the floor" if fits else
               "does not fit whole: as much of it as fits in full text, the rest compressed"))
    return replace(job, tiers=True, floor_tokens=counted), [note]


def preview_notes(job: Job, repo: Path, spec: str) -> list[str]:
    """The dry-run's header: what `twostep tiers` will decide, computed the same way now."""
    ranked, tiers = largeview.preview(repo, job.recipe, spec, floor_tokens=job.floor_tokens)
    top = ", ".join(r.path for r in ranked[:5]) or "none"
    return [f"ranking (twostep relevant): {len(ranked):,} files with evidence; first: {top}",
            f"tiers (twostep tiers): {tiers.summary}",
            f"  full text: {', '.join(tiers.full[:8])}" + (
                f" and {len(tiers.full) - 8:,} more" if len(tiers.full) > 8 else "")]


def describe(job: Job, repo: Path, m: Measurement, spec: str) -> dict[str, Any]:
    """`twostep measure --json --spec`: what each tier would hold and its tokens (estimates from
    file sizes and rg; nothing is packed unless the whole codebase's band straddles the budget)."""
    if not Strategy(m.strategy).planner_tiers:
        return {"whole": True, "note": f"strategy {m.strategy}: the planner gets the whole pack"}
    job, notes = decide(job, repo, m, spec, store=False)
    if not job.tiers:
        return {"whole": True, "note": notes[0]}
    ranked, tiers = largeview.preview(repo, job.recipe, spec, floor_tokens=job.floor_tokens)
    budget = largeview.planner_budget(job.recipe, len(spec))

    def tier(paths: tuple[str, ...], tokens: int | None, shown: int = 200) -> dict[str, Any]:
        return {"files": len(paths), "tokens": tokens, "paths": list(paths[:shown]),
                **({"more": len(paths) - shown} if len(paths) > shown else {})}
    return {"whole": False, "note": notes[0], "summary": tiers.summary,
            "budget": {"tokens": budget.tokens, "chars": budget.chars,
                       "spec_and_prompt_tokens": budget.prose_tokens},
            "tiers": {"full": tier(tiers.full, tiers.by_tier.get("full")),
                      "compressed": tier(tiers.compressed, tiers.by_tier.get("compressed")),
                      "map": {"files": len(tiers.mapped), "tokens": tiers.by_tier.get("map"),
                              "by_directory": not tiers.mapped},
                      "left_out": tier(tiers.left_out, None, 50)},
            "estimate": {"tokens": tiers.tokens, "chars": tiers.chars},
            "stopped": tiers.stopped,
            "not_packed": [{"path": p, "why": why} for p, why in tiers.excluded],
            "ranking": [{"path": r.path, "score": r.score, "reasons": list(r.reasons)}
                        for r in ranked[:20]]}
