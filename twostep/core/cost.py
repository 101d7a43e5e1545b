"""Tokens and dollars of model calls, the same for every vendor: one usage record per call, and
the price table that turns tokens into an estimate when the CLI reports no cost.

A usage record (`Usage.to_json()`, one per model call, in the manifest's `usage` list and in
the run directory as `<step>.usage.json`):

    {"role": "planner"|"executor", "step": "planner", "cli": "codex", "model": "gpt-5.5",
     "input_tokens": n,    every input token, cached ones included
     "output_tokens": n,   every output token, reasoning ("thinking") included
     "cached_tokens": n,   the part of input_tokens read from the vendor's cache
     "cost_usd": x, "cost_source": "reported"|"estimated",
     "task": "…", "round": n}      optional: set by callers that run one call per task/round

`reported` is the CLI's own figure (claude's `total_cost_usd`); `estimated` is tokens times
the recipe's `price:` (else the built-in table below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MTOK = 1_000_000


@dataclass(frozen=True)
class Price:
    """USD per million tokens. Some vendors charge more for every token of a long prompt:
    above `long_above` input tokens the `long_*` rates apply (gemini 2.5 Pro: 200K)."""

    input_per_mtok: float
    output_per_mtok: float
    cached_per_mtok: float
    long_above: int | None = None
    long_input_per_mtok: float = 0.0
    long_output_per_mtok: float = 0.0
    long_cached_per_mtok: float = 0.0

    def rates(self, input_tokens: int) -> tuple[float, float, float]:
        if self.long_above is not None and input_tokens > self.long_above:
            return self.long_input_per_mtok, self.long_output_per_mtok, self.long_cached_per_mtok
        return self.input_per_mtok, self.output_per_mtok, self.cached_per_mtok

    def cost(self, input_tokens: int, output_tokens: int, cached_tokens: int = 0) -> float:
        cin, cout, ccached = self.rates(input_tokens)
        fresh = max(0, input_tokens - cached_tokens)
        return (fresh * cin + cached_tokens * ccached + output_tokens * cout) / MTOK

    def to_json(self) -> dict[str, float]:
        return {"input_per_mtok": self.input_per_mtok, "output_per_mtok": self.output_per_mtok,
                "cached_per_mtok": self.cached_per_mtok}


#: List prices of the built-in recipes' models (USD per million tokens, checked 2026-11;
#: vendors change them: set `price:` in the recipe to be exact). Aliases map to the model
#: they name today. Unknown models get the most expensive row (a budget errs on the safe side).
PRICES: dict[str, Price] = {
    "gemini-2.5-pro": Price(1.25, 10.0, 0.31, long_above=200_000, long_input_per_mtok=2.50,
                            long_output_per_mtok=15.0, long_cached_per_mtok=0.625),
    "gemini-2.5-flash": Price(0.30, 2.50, 0.075),
    "sonnet": Price(3.0, 15.0, 0.30),
    "opus": Price(5.0, 25.0, 0.50),
    "haiku": Price(1.0, 5.0, 0.10),
    "gpt-5.5": Price(1.25, 10.0, 0.125),
    "gpt-5": Price(1.25, 10.0, 0.125),
}
FALLBACK = Price(15.0, 75.0, 1.50)


def price_for(model: str, override: Price | None = None) -> Price:
    """The recipe's price when it states one, else the table's (by model, then by family)."""
    if override is not None:
        return override
    if model in PRICES:
        return PRICES[model]
    base = model.split("[", 1)[0]
    for name, price in PRICES.items():
        if base.startswith(name) or name in base:
            return price
    return FALLBACK


@dataclass(frozen=True)
class Usage:
    """What one model call consumed (see the module docstring for the record's keys)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    #: The cost the CLI itself reported, if it reports one.
    reported_usd: float | None = None

    def record(self, *, role: str, step: str, cli: str, model: str, price: Price,
               task: str | None = None, round_: int | None = None) -> dict[str, Any]:
        estimated = price.cost(self.input_tokens, self.output_tokens, self.cached_tokens)
        out: dict[str, Any] = {
            "role": role, "step": step, "cli": cli, "model": model,
            "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "cost_usd": round(self.reported_usd if self.reported_usd is not None
                              else estimated, 6),
            "cost_source": "reported" if self.reported_usd is not None else "estimated"}
        if task is not None:
            out["task"] = task
        if round_ is not None:
            out["round"] = round_
        return out


_SUMMED = ("input_tokens", "output_tokens", "cached_tokens", "cost_usd")


def totals(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """{"by_role": {role: {calls, input_tokens, output_tokens, cached_tokens, cost_usd}},
    "total": {…the same…}}: what the summary, `twostep runs` and `runs --json` show."""
    by_role: dict[str, dict[str, Any]] = {}
    total: dict[str, Any] = {"calls": 0, **dict.fromkeys(_SUMMED, 0)}
    for rec in records:
        row = by_role.setdefault(str(rec.get("role")), {"calls": 0, **dict.fromkeys(_SUMMED, 0)})
        for target in (row, total):
            target["calls"] += 1
            for key in _SUMMED:
                target[key] += rec.get(key) or 0
    for row in (*by_role.values(), total):
        row["cost_usd"] = round(row["cost_usd"], 6)
    return {"by_role": by_role, "total": total}


def summary_lines(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per role and one for the total: tokens and dollars."""
    if not records:
        return []
    sums = totals(records)
    rows = [*sums["by_role"].items(), ("total", sums["total"])]
    return [f"{name:<9} {row['calls']} call(s)  in {row['input_tokens']:,} "
            f"(cached {row['cached_tokens']:,})  out {row['output_tokens']:,}  "
            f"${row['cost_usd']:.4f}" for name, row in rows]
