"""The run's spending: each model call's usage record is a file in the run directory
(`<step>.usage.json`, shaped as core/cost.py says), so a bash run of the dry-run script, a
resumed run and `twostep run` all count the same calls. The budget check adds up those files
before a call, estimates the call, and refuses it when the sum would pass the budget."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep import agents, atomic
from twostep.core.cost import Price, price_for
from twostep.errors import OverBudget

SUFFIX = ".usage.json"


def records(run_dir: Path) -> list[dict[str, Any]]:
    """Every call's record in the run, in the order the calls ended."""
    found = []
    for path in sorted(run_dir.glob(f"*{SUFFIX}"), key=lambda p: (p.stat().st_mtime_ns, p.name)):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return found


def spent(run_dir: Path) -> float:
    return sum(float(r.get("cost_usd") or 0) for r in records(run_dir))


def charge(*, cli: str, role: str, step: str, model: str, reply: Path, out: Path,
           price: Price | None = None, task: str | None = None,
           round_: int | None = None) -> dict[str, Any] | None:
    """Write the usage record of the call whose reply this is; None when it reports none."""
    usage = agents.get(cli).usage(reply)
    if usage is None:
        return None
    record = usage.record(role=role, step=step, cli=cli, model=model,
                          price=price_for(model, price), task=task, round_=round_)
    atomic.write_text(out, json.dumps(record, indent=2) + "\n")
    return record


@dataclass(frozen=True)
class Estimate:
    input_tokens: int
    output_tokens: int
    cost_usd: float
    spent_usd: float
    budget_usd: float

    @property
    def left_usd(self) -> float:
        return max(0.0, self.budget_usd - self.spent_usd)


def check(*, role: str, model: str, budget: float, run_dir: Path, tokens_in: int,
          tokens_out: int, price: Price | None = None) -> Estimate:
    """Refuse (OverBudget) a call whose estimate would take the run over its budget."""
    est = Estimate(tokens_in, tokens_out, price_for(model, price).cost(tokens_in, tokens_out),
                   spent(run_dir), budget)
    if est.spent_usd + est.cost_usd > budget:
        raise OverBudget(
            f"the {role} call ({model}) is estimated at ${est.cost_usd:.4f} "
            f"({tokens_in:,} input tokens + {tokens_out:,} output tokens of headroom); "
            f"${est.left_usd:.4f} of the ${budget:.4f} budget is left "
            f"(${est.spent_usd:.4f} spent); no request was made",
            hint="raise --max-cost (or budget_usd: in the recipe), or choose a cheaper model")
    return est
