"""Task-by-task execution: split a plan into tasks; read failing verify output for fix rounds.

    split_plan(plan_text) -> Split          # source, fallback, tasks, preamble, epilogue, files
    to_json(split) -> str                   # `twostep tasks PLAN --json`
    render_text(split) -> str               # `twostep tasks PLAN`: NUMBER, FIRST-LAST, TITLE (tabs)
    describe(split) -> str                  # one stderr line: how many tasks, from what
    tail(text, lines=200) -> str            # the bounded, de-coloured tail of a failing command
    fingerprint(argv, output) -> str        # the same failure in two fix rounds -> the same hash
"""

from __future__ import annotations

from twostep.tasks.failure import fingerprint, normalise, tail
from twostep.tasks.split import Split, Task, describe, is_non_task, render_text, split_plan, to_json

__all__ = [
    "Split", "Task", "describe", "fingerprint", "is_non_task", "normalise",
    "render_text", "split_plan", "tail", "to_json",
]
