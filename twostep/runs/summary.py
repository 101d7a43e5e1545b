"""The summary table printed on stderr at the end of run, plan, execute and resume: a row per
phase, with the execute and verify phases split into a row per task and per fix round, each
with its time and its model calls' tokens and cost. Every second of a step is counted once,
in the row of the step that spent it (a loop's own row holds only what its steps did not), so
the rows add up to the total. Built from the `--json` result and the manifest's steps."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: A task's steps and its sessions' ledger labels (task-2-pack, task-2-try-1), and a fix
#: round's (fix-1-before, fix-1); verify-N and fix-round-N are the verify phase's.
_TASK = re.compile(r"^task-(\d+)(?:-|$)")
_FIX = re.compile(r"^fix-(\d+)(?:-|$)")
_VERIFY = re.compile(r"^(verify|fix-round)-\d+$")
_ROLE_ROW = {"planner": "plan", "executor": "execute"}

Row = tuple[str, str, str, str, str]


def _row_of(name: str, phase: str) -> str:
    if m := _TASK.match(name):
        return f"task {m.group(1)}"
    if m := _FIX.match(name):
        return f"fix round {m.group(1)}"
    if _VERIFY.match(name):
        return "verify"
    return phase or "other"


def _self_times(steps: Iterable[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], float]]:
    """Each step with the seconds it spent itself: a loop or cached pack's record comes after
    its inner steps' (`within` names it), which had their own time."""
    inner: dict[str, float] = {}
    out = []
    for step in steps:
        seconds = float(step.get("seconds") or 0)
        own = max(0.0, seconds - inner.pop(step["name"], 0.0))
        if step.get("within"):
            inner[step["within"]] = inner.get(step["within"], 0.0) + seconds
        out.append((step, own))
    return out


def _group(steps: Iterable[Mapping[str, Any]], calls: Iterable[Mapping[str, Any]]
           ) -> dict[str, dict[str, Any]]:
    """Row label -> seconds, tokens, cost and whether a step in it failed, in running order."""
    rows: dict[str, dict[str, Any]] = {}

    def row(label: str) -> dict[str, Any]:
        return rows.setdefault(label, {"seconds": 0.0, "in": None, "out": None, "cost": None,
                                       "failed": False})

    for step, own in _self_times(steps):
        target = row(_row_of(step["name"], step.get("phase", "")))
        target["seconds"] += own
        target["failed"] |= step.get("exit_code", 0) != 0
    for call in calls:
        label = str(call.get("step", ""))
        target = row(_row_of(label, "") if _TASK.match(label) or _FIX.match(label)
                     else _ROLE_ROW.get(str(call.get("role")), "other"))
        for key, field in (("in", "input_tokens"), ("out", "output_tokens"),
                           ("cost", "cost_usd")):
            target[key] = (target[key] or 0) + (call.get(field) or 0)
    return rows


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else ""


def _cost(value: Any) -> str:
    return f"${value:.4f}" if isinstance(value, (int, float)) else ""


def rows(steps: Iterable[Mapping[str, Any]], calls: Iterable[Mapping[str, Any]]) -> list[Row]:
    grouped = _group(steps, calls)
    # A row of no time and no call would add nothing but a line.
    out: list[Row] = [(label + (" (failed)" if r["failed"] else ""), f"{r['seconds']:.1f} s",
                       _num(r["in"]), _num(r["out"]), _cost(r["cost"]))
                      for label, r in grouped.items()
                      if r["seconds"] >= 0.05 or r["cost"] is not None or r["failed"]]
    called = [r for r in grouped.values() if r["cost"] is not None]
    out.append(("total", f"{sum(r['seconds'] for r in grouped.values()):.1f} s",
                _num(sum(r["in"] for r in called)) if called else "",
                _num(sum(r["out"] for r in called)) if called else "",
                _cost(sum(r["cost"] for r in called)) if called else ""))
    return out


def _outcome(result: dict[str, Any], reached_validate: bool) -> list[str]:
    """What the screen has not said yet: the changes when the run stopped before the validate
    gate (which shows the diffstat), a failing verify, the branch, the result."""
    lines = []
    changed = result.get("changed_files") or []
    if changed and not reached_validate:
        lines.append(f"files changed: {len(changed)} ({', '.join(changed[:6])}"
                     f"{' …' if len(changed) > 6 else ''})")
    if (result.get("verify") or {}).get("status") == "failed":
        lines.append("verify: failed")
    if result.get("branch"):
        lines.append(f"branch: {result['branch']}"
                     + (f"  pull request: {result['pr_url']}" if result.get("pr_url") else "")
                     + (f"  (no pull request: {result['pr_error']})"
                        if result.get("pr_error") else ""))
    wall = result.get("seconds")
    took = f" in {wall:.1f} s" if isinstance(wall, (int, float)) else ""
    lines.append(f"result: {result['status']} (exit {result['exit_code']}){took}, "
                 f"run {result.get('run_id')}")
    return lines


def table(result: dict[str, Any], steps: Sequence[Mapping[str, Any]] | None = None) -> list[str]:
    """The table's lines: `steps` are the manifest's step records (default: the result's)."""
    steps = list(result.get("steps") or []) if steps is None else steps
    body = [("", "time", "tokens in", "tokens out", "cost"),
            *rows(steps, result.get("calls") or [])]
    widths = [max(len(r[i]) for r in body) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
             for r in body]
    reached = any(s["name"] == "validate" for s in steps)
    return lines + _outcome(result, reached)
