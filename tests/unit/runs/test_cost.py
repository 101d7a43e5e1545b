"""The ledger: prices (with gemini 2.5 Pro's long-prompt tier), usage records, totals, and the
budget check that refuses a call before it is made."""

from __future__ import annotations

import json

import pytest

from tests.support.helpers import twostep
from twostep.core.cost import FALLBACK, PRICES, Price, Usage, price_for, summary_lines, totals
from twostep.errors import ExitCode, OverBudget
from twostep.runs import spend


def test_gemini_pro_costs_more_above_200k_prompt_tokens():
    pro = PRICES["gemini-2.5-pro"]
    assert pro.cost(200_000, 0) == pytest.approx(0.25)
    assert pro.cost(200_001, 0) == pytest.approx(200_001 * 2.50 / 1e6)
    assert pro.cost(300_000, 1000) == pytest.approx(0.75 + 0.015)


def test_cached_tokens_are_charged_at_the_cached_rate():
    assert Price(1.0, 10.0, 0.1).cost(1_000_000, 0, cached_tokens=500_000) == pytest.approx(0.55)


def test_prices_by_model_family_and_recipe_override():
    assert price_for("claude-sonnet-4-5") is PRICES["sonnet"]
    assert price_for("sonnet[1m]") is PRICES["sonnet"]
    assert price_for("no-such-model") is FALLBACK
    mine = Price(1, 2, 0)
    assert price_for("sonnet", mine) is mine


def test_records_reported_or_estimated():
    price = Price(1.0, 10.0, 0.1)
    est = Usage(1000, 100, 0).record(role="planner", step="planner", cli="codex",
                                     model="gpt-5.5", price=price)
    assert est["cost_source"] == "estimated" and est["cost_usd"] == pytest.approx(0.002)
    rep = Usage(1000, 100, 0, 0.5).record(role="executor", step="executor-t1", cli="claude",
                                          model="sonnet", price=price, task="t1", round_=2)
    assert rep["cost_source"] == "reported" and rep["cost_usd"] == 0.5
    assert (rep["task"], rep["round"]) == ("t1", 2)
    sums = totals([est, rep, rep])
    assert sums["by_role"]["executor"]["calls"] == 2
    assert sums["total"]["cost_usd"] == pytest.approx(1.002)
    assert sums["total"]["input_tokens"] == 3000
    assert [ln.split()[0] for ln in summary_lines([est, rep])] == ["planner", "executor", "total"]


def test_budget_counts_what_the_run_spent(tmp_path):
    (tmp_path / "planner.usage.json").write_text(json.dumps({"role": "planner",
                                                             "cost_usd": 0.4}))
    est = spend.check(role="executor", model="gpt-5.5", budget=1.0, run_dir=tmp_path,
                      tokens_in=100_000, tokens_out=10_000)
    assert est.spent_usd == pytest.approx(0.4) and est.left_usd == pytest.approx(0.6)
    with pytest.raises(OverBudget) as info:
        spend.check(role="executor", model="gpt-5.5", budget=0.5, run_dir=tmp_path,
                    tokens_in=100_000, tokens_out=10_000)
    message = str(info.value)
    assert "$0.2250" in message and "$0.1000 of the $0.5000 budget is left" in message
    assert "no request was made" in message
    assert ExitCode.OVER_BUDGET == OverBudget.exit_code == 18


def test_the_stage_after_a_call_records_it_with_its_task(tmp_path):
    reply = tmp_path / "task-1-try-1.json"
    reply.write_text(json.dumps({"type": "result", "total_cost_usd": 0.25, "usage": {
        "input_tokens": 100, "cache_read_input_tokens": 50, "output_tokens": 7}}))
    done = twostep("after", "executor", "--cli", "claude", "--model", "sonnet", "--task", "1",
                   reply.name, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "task-1-try-1.usage.json").read_text())
    assert record == {"role": "executor", "step": "task-1-try-1", "cli": "claude",
                      "model": "sonnet", "input_tokens": 150, "output_tokens": 7,
                      "cached_tokens": 50, "cost_usd": 0.25, "cost_source": "reported",
                      "task": "1"}
    assert spend.records(tmp_path) == [record] and spend.spent(tmp_path) == 0.25
