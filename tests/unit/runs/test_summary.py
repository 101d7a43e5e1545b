"""The end-of-run summary: per step time, tokens in/out and cost (from the usage ledger once
it records them), files changed, verify, and the total."""

from __future__ import annotations

from twostep.runs.summary import table

RESULT = {"run_id": "r1", "status": "ok", "exit_code": 0, "seconds": 9.0,
          "steps": [{"name": "planner", "exit_code": 0, "seconds": 5.0},
                    {"name": "executor", "exit_code": 0, "seconds": 3.0},
                    {"name": "verify-1", "exit_code": 0, "seconds": 1.0}],
          "usage": {"planner": {"input_tokens": 120_000, "output_tokens": 3_000, "cost_usd": 0.16},
                    "executor": {"input_tokens": 8_000, "output_tokens": 1_500, "cost_usd": 0.05}},
          "changed_files": ["a.py", "b.py"], "verify": {"status": "passed", "commands": [{}]}}


def test_table_columns_and_totals():
    lines = table(RESULT)
    assert lines[0].split() == ["step", "time", "tokens", "in", "tokens", "out", "cost"]
    planner = next(ln for ln in lines if ln.startswith("planner"))
    assert "5.0 s" in planner and "120,000" in planner
    assert "3,000" in planner and "$0.1600" in planner
    total = next(ln for ln in lines if ln.startswith("total"))
    assert "9.0 s" in total and "128,000" in total and "4,500" in total and "$0.2100" in total
    assert "files changed: 2 (a.py, b.py)" in lines and "verify: passed (1 command(s))" in lines


def test_without_usage_the_token_columns_say_so():
    lines = table({**RESULT, "usage": {}})
    total = next(ln for ln in lines if ln.startswith("total"))
    assert total.split()[-3:] == ["–", "–", "–"]


def test_each_task_and_fix_session_has_its_own_row():
    calls = [{"role": "planner", "step": "planner", "input_tokens": 120_000,
              "output_tokens": 3_000, "cost_usd": 0.16},
             {"role": "executor", "step": "task-1-try-1", "task": "1", "input_tokens": 5_000,
              "output_tokens": 1_000, "cost_usd": 0.03},
             {"role": "executor", "step": "task-2-try-1", "task": "2", "input_tokens": 3_000,
              "output_tokens": 500, "cost_usd": 0.02}]
    steps = [{"name": "planner", "exit_code": 0, "seconds": 5.0},
             {"name": "task-1-try-1-executor", "exit_code": 0, "seconds": 2.0},
             {"name": "task-2-try-1-executor", "exit_code": 0, "seconds": 1.0}]
    lines = table({**RESULT, "steps": steps, "calls": calls,
                   "usage": {"planner": RESULT["usage"]["planner"],
                             "executor": {"input_tokens": 8_000, "output_tokens": 1_500,
                                          "cost_usd": 0.05}}})
    planner = next(ln for ln in lines if ln.startswith("planner"))
    assert "120,000" in planner and "$0.1600" in planner
    task1 = next(ln for ln in lines if ln.startswith("task-1-try-1 (executor call)"))
    assert task1.split()[-3:] == ["5,000", "1,000", "$0.0300"]
    task2 = next(ln for ln in lines if ln.startswith("task-2-try-1 (executor call)"))
    assert task2.split()[-3:] == ["3,000", "500", "$0.0200"]
    total = next(ln for ln in lines if ln.startswith("total"))
    assert total.split()[-3:] == ["128,000", "4,500", "$0.2100"]
