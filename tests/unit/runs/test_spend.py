"""Calls side by side share one budget: the check and the reservation are one step under a
lock, so N processes racing for a budget that holds K calls let exactly K through."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from twostep.core.cost import Price
from twostep.errors import OverBudget
from twostep.runs import spend

PRICE = Price(1.0, 0.0, 0.0)  # $1 per million input tokens: 100,000 tokens cost $0.10


def _call(run_dir: Path, fleet: Path | None, n: int) -> bool:
    # a fleet's ledger: every item's run directory, all locking on the fleet's directory
    items = tuple(sorted(p for p in fleet.iterdir() if p.is_dir())) if fleet else ()
    outer = (spend.Ledger("the fleet's", 0.25, items, fleet),) if fleet else ()
    try:
        spend.check(role="executor", model="m", budget=1.0, run_dir=run_dir,
                    tokens_in=100_000, tokens_out=0, price=PRICE, call=f"task-{n}",
                    outer=outer)
    except OverBudget:
        return False
    return True


def test_racing_calls_never_pass_the_budget_together(tmp_path):
    with multiprocessing.get_context("fork").Pool(6) as pool:
        passed = pool.starmap(_call, [(tmp_path, None, n) for n in range(15)])
    assert sum(passed) == 10  # $1.00 holds ten $0.10 estimates, not one more
    assert round(spend.reserved(tmp_path), 6) == 1.0


def test_a_fleet_ledger_bounds_calls_of_many_runs(tmp_path):
    fleet = tmp_path / "fleet"
    runs = [fleet / f"run-{i}" for i in range(3)]
    for d in runs:
        d.mkdir(parents=True)
    with multiprocessing.get_context("fork").Pool(6) as pool:
        passed = pool.starmap(_call, [(runs[n % 3], fleet, n) for n in range(9)])
    assert sum(passed) == 2  # the fleet's $0.25 holds two, whichever runs they belong to


def test_the_fleet_counts_what_its_runs_spent(tmp_path):
    fleet, run, other = tmp_path / "fleet", tmp_path / "fleet" / "run", tmp_path / "fleet" / "o"
    run.mkdir(parents=True)
    other.mkdir()
    (other / "planner.usage.json").write_text(json.dumps({"cost_usd": 0.2}))
    assert _call(run, fleet, 1) is False


def test_a_charged_call_frees_its_reservation_and_counts_what_it_cost(tmp_path):
    assert _call(tmp_path, None, 1)
    mine = spend.reservation(tmp_path, "task-1")
    assert json.loads(mine.read_text())["cost_usd"] == pytest.approx(0.1)
    (tmp_path / "task-1-try-1.usage.json").write_text(json.dumps({"cost_usd": 0.05}))
    spend.release(mine)
    assert spend.reserved(tmp_path) == 0 and spend.spent(tmp_path) == 0.05


def test_a_retried_check_replaces_its_own_reservation(tmp_path):
    assert _call(tmp_path, None, 1) and _call(tmp_path, None, 1)
    assert spend.reserved(tmp_path) == pytest.approx(0.1)


def test_a_run_that_ends_or_resumes_clears_what_its_dead_calls_reserved(tmp_path):
    for n in range(3):
        _call(tmp_path, None, n)
    spend.clear(tmp_path)
    assert spend.reserved(tmp_path) == 0
