"""The end-of-run summary: a row per phase, per task and per fix round, each with its own time
and its model calls' tokens and cost; the rows add up to the total."""

from __future__ import annotations

from twostep.runs.summary import table

CALLS = [{"role": "planner", "step": "planner", "input_tokens": 120_000,
          "output_tokens": 3_000, "cost_usd": 0.16},
         {"role": "executor", "step": "task-1-try-1", "task": "1", "input_tokens": 5_000,
          "output_tokens": 1_000, "cost_usd": 0.03},
         {"role": "executor", "step": "task-2-try-1", "task": "2", "input_tokens": 3_000,
          "output_tokens": 500, "cost_usd": 0.02},
         {"role": "executor", "step": "fix-1", "input_tokens": 1_000, "output_tokens": 100,
          "cost_usd": 0.01}]


def step(name: str, seconds: float, phase: str, within: str = "", code: int = 0) -> dict:
    return {"name": name, "exit_code": code, "seconds": seconds, "phase": phase,
            "within": within}


STEPS = [step("spec", 0.001, "prepare"), step("codebase-pack", 1.0, "pack", "codebase-cache"),
         step("codebase-cache", 1.1, "pack"), step("planner", 5.0, "plan"),
         step("tasks", 0.2, "execute"),
         step("task-1-pack", 0.5, "execute", "tasks-loop"),
         step("task-1-try-1-executor", 2.0, "execute", "task-1-tries"),
         step("task-1-tries", 2.1, "execute", "tasks-loop"),
         step("task-2-try-1-executor", 1.0, "execute", "task-2-tries"),
         step("task-2-tries", 1.0, "execute", "tasks-loop"),
         step("tasks-loop", 3.7, "execute"),
         step("verify-1", 0.4, "verify", "fix-rounds"),
         step("fix-round-1", 0.1, "verify", "fix-rounds"),
         step("fix-1-executor", 2.0, "verify", "fix-rounds"),
         step("verify-2", 0.4, "verify", "fix-rounds"),
         step("fix-rounds", 3.0, "verify"), step("validate", 0.1, "verify")]
RESULT = {"run_id": "r1", "status": "ok", "exit_code": 0, "seconds": 15.0, "calls": CALLS,
          "changed_files": ["a.py", "b.py"], "verify": {"status": "passed", "commands": [{}]}}


def test_a_row_per_phase_task_and_fix_round_that_add_up():
    lines = table(RESULT, STEPS)
    labels = [ln.split("  ")[0].strip() for ln in lines[1:-1]]
    assert labels == ["pack", "plan", "execute", "task 1", "task 2", "verify", "fix round 1",
                      "total"]
    seconds = {label: float(ln[len(label):].split()[0])
               for label, ln in zip(labels, lines[1:-1], strict=True)}
    assert seconds["pack"] == 1.1 and seconds["execute"] == 0.3  # tasks + the loop's own
    assert seconds["task 1"] == 2.6 and seconds["verify"] == 1.1
    assert round(sum(v for k, v in seconds.items() if k != "total"), 1) == seconds["total"]


def test_each_session_has_its_tokens_and_cost_in_its_row():
    lines = table(RESULT, STEPS)
    row = {ln.split("  ")[0].strip(): ln.split() for ln in lines}
    assert row["plan"][-3:] == ["120,000", "3,000", "$0.1600"]
    assert row["task 1"][-3:] == ["5,000", "1,000", "$0.0300"]
    assert row["fix round 1"][-3:] == ["1,000", "100", "$0.0100"]
    assert row["total"][-3:] == ["129,000", "4,600", "$0.2200"]
    assert row["pack"] == ["pack", "1.1", "s"]  # no call: no figures


def test_the_result_line_gives_the_wall_time_and_a_failed_step_is_marked():
    failing = [*STEPS[:-1], step("validate", 0.1, "verify", code=10)]
    lines = table({**RESULT, "status": "still_failing", "exit_code": 10,
                   "verify": {"status": "failed"}}, failing)
    assert lines[-1] == "result: still_failing (exit 10) in 15.0 s, run r1"
    assert "verify: failed" in lines
    assert any(ln.startswith("verify (failed)") for ln in lines)


def test_changed_files_are_listed_only_when_the_validate_gate_did_not_show_them():
    assert not [ln for ln in table(RESULT, STEPS) if ln.startswith("files changed")]
    early = table(RESULT, STEPS[:4])
    assert "files changed: 2 (a.py, b.py)" in early
