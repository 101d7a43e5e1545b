"""The run's spending: each model call's usage record is a file in the run directory
(`<step>.usage.json`, shaped as core/cost.py says), so a bash run of the dry-run script, a
resumed run and `twostep run` all count the same calls. The budget check adds up those files
before a call, estimates the call, and refuses it when the sum would pass the budget.

Calls may run side by side (parallel tasks, the items of a fleet), so the check and the claim
are one step under a lock: a call that passes the check reserves its estimate
(`<call>.reserved.json`) until `after` charges what it really cost, and every check counts
the reservations of the calls still running. A reservation left by a call that never
reached `after` (a failed CLI, a kill) is cleared when the run ends or resumes."""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep import agents, atomic
from twostep.core.cost import Price, price_for
from twostep.errors import OverBudget

SUFFIX = ".usage.json"
RESERVED = ".reserved.json"
LOCK = ".spend.lock"


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


def reserved(run_dir: Path, but: Path | None = None) -> float:
    """The estimates of the calls that passed the check and have not been charged yet."""
    total = 0.0
    for path in run_dir.glob(f"*{RESERVED}"):
        if path == but:
            continue
        try:
            total += float(json.loads(path.read_text(encoding="utf-8"))["cost_usd"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return total


def reservation(run_dir: Path, call: str) -> Path:
    return run_dir / f"{call}{RESERVED}"


def release(path: Path) -> None:
    path.unlink(missing_ok=True)


def clear(run_dir: Path) -> None:
    """Drop every reservation: no call of the run is running (it ended, or it resumes)."""
    for path in run_dir.glob(f"*{RESERVED}"):
        release(path)


@contextmanager
def locked(directory: Path) -> Iterator[None]:
    """One check-and-reserve at a time among the processes that share `directory`'s ledger."""
    with open(directory / LOCK, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


@dataclass(frozen=True)
class Ledger:
    """A budget and the run directories whose calls count against it: one run's, or every
    item's of a fleet. `lock` is the directory all of them lock on."""

    name: str
    budget_usd: float
    dirs: Sequence[Path]
    lock: Path


def check(*, role: str, model: str, budget: float, run_dir: Path, tokens_in: int,
          tokens_out: int, price: Price | None = None, call: str | None = None,
          outer: Sequence[Ledger] = ()) -> Estimate:
    """Refuse (OverBudget) a call whose estimate would take the run, or an `outer` ledger
    (a fleet's), over its budget; else reserve the estimate as `call` (when given) until
    `after` charges the call."""
    cost = price_for(model, price).cost(tokens_in, tokens_out)
    ledgers = (Ledger("the", budget, (run_dir,), run_dir), *outer)
    mine = reservation(run_dir, call) if call else None
    with locked(ledgers[-1].lock):
        estimates = [Estimate(tokens_in, tokens_out, cost,
                              sum(spent(d) + reserved(d, but=mine) for d in ledger.dirs),
                              ledger.budget_usd) for ledger in ledgers]
        for ledger, est in zip(ledgers, estimates, strict=True):
            if est.spent_usd + est.cost_usd > est.budget_usd:
                raise OverBudget(
                    f"the {role} call ({model}) is estimated at ${cost:.4f} "
                    f"({tokens_in:,} input tokens + {tokens_out:,} output tokens of "
                    f"headroom); ${est.left_usd:.4f} of {ledger.name} ${est.budget_usd:.4f} "
                    f"budget is left (${est.spent_usd:.4f} spent, or held by calls "
                    f"still running); no request was made",
                    hint="raise --max-cost (or budget_usd: in the recipe), or choose a "
                         "cheaper model")
        if mine is not None:
            atomic.write_text(mine, json.dumps({"role": role, "model": model,
                                                "cost_usd": cost}) + "\n")
    return min(estimates, key=lambda e: e.left_usd)
