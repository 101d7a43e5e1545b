"""The run's spending: each model call's usage record is a file in the run directory
(`<step>.usage.json`, shaped as runs/cost.py says), so a bash run of the dry-run script, a
resumed run and `twostep run` all count the same calls. The budget check adds up those files
before a call, estimates the call, and refuses it when the sum would pass the budget."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep import agents, atomic
from twostep.errors import OverBudget
from twostep.runs.cost import Price, price_for
from twostep.sizing.tokens import PROSE_BYTES_PER_TOKEN
from twostep.tools.repomix import parse_repomix_summary

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


def pack_tokens(logs: tuple[Path, ...], counted: tuple[Path, ...] = ()) -> int:
    """repomix's counts of the packs in the input, as `twostep fit` reads them (a pack cut
    after its count scales with what it keeps)."""
    tokens = 0
    for i, log in enumerate(logs):
        if not log.exists():
            continue
        summary = parse_repomix_summary(log.read_text(errors="replace"))
        pack = counted[i] if i < len(counted) else None
        now = len(pack.read_text(errors="replace")) if pack and pack.exists() else None
        scale = min(1.0, now / summary.total_chars) if now is not None and summary.total_chars \
            else 1.0
        tokens += int(summary.total_tokens * scale)
    return tokens


def input_tokens(pack_tokens: int, files: list[Path], prompt_chars: int,
                 counted: list[Path] | None = None) -> int:
    """The packs' own count plus the other inputs at prose density (as `twostep fit`)."""
    sizes = sum(f.stat().st_size for f in files if f.exists())
    packs = counted if counted is not None else files[-1:]
    pack_bytes = sum(f.stat().st_size for f in packs if f.exists())
    return pack_tokens + (sizes - pack_bytes + prompt_chars) // PROSE_BYTES_PER_TOKEN


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
