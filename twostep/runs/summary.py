"""The summary table printed on stderr at the end of run, plan, execute and resume: each step's
duration, tokens in/out and cost (once the model CLIs' usage is recorded), the files changed,
the verify result, and the total. Built from the same dictionary as the `--json` result."""

from __future__ import annotations

from typing import Any


def _num(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else "–"


def _cost(value: Any) -> str:
    return f"${value:.4f}" if isinstance(value, (int, float)) else "–"


def _usage(usage: dict[str, Any], step: str) -> tuple[Any, Any, Any]:
    """Tokens in, out and cost of the model call a step is (usage is keyed by role)."""
    entry = usage.get(step)
    if not isinstance(entry, dict):
        return None, None, None
    return (entry.get("input_tokens", entry.get("tokens_in")),
            entry.get("output_tokens", entry.get("tokens_out")),
            entry.get("cost_usd", entry.get("cost")))


def _by_step(calls: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each ledger step's calls added up (a step label may repeat, e.g. a planner re-asked)."""
    out: dict[str, dict[str, Any]] = {}
    for call in calls:
        sum_ = out.setdefault(call["step"], {"role": call["role"], "input_tokens": 0,
                                             "output_tokens": 0, "cost_usd": 0.0})
        for key in ("input_tokens", "output_tokens", "cost_usd"):
            sum_[key] += call.get(key) or 0
    return out


Row = tuple[str, str, str, str, str]


def _figures(figures: dict[str, Any], key: str) -> tuple[str, str, str]:
    tin, tout, cost = _usage(figures, key)
    return _num(tin), _num(tout), _cost(cost)


def _rows(result: dict[str, Any]) -> list[Row]:
    """A row per step; then a row per model call that no step is named after: calls made
    inside a loop (a task's session, a fix round) are labelled by the ledger, so each task's
    cost can be read."""
    calls = _by_step(result.get("calls") or [])
    # A result without the ledger's calls has figures per role (the steps named after one).
    figures = calls or result.get("usage") or {}
    rows: list[Row] = []
    for step in result.get("steps") or []:
        mark = "" if step["exit_code"] == 0 else f" (exit {step['exit_code']})"
        rows.append((step["name"] + mark, f"{step['seconds']:.1f} s",
                     *_figures(figures, step["name"])))
    named = {step["name"] for step in result.get("steps") or []}
    rows += [(f"{label} ({call['role']} call)", "–", *_figures(calls, label))
             for label, call in calls.items() if label not in named]
    return rows


def _total(result: dict[str, Any]) -> Row:
    """Every model call of the run (task and fix-round sessions included); wall time."""
    wall = result.get("seconds")
    if not isinstance(wall, (int, float)):
        wall = sum(step["seconds"] for step in result.get("steps") or [])
    usage = result.get("usage") or {}
    if not usage:
        return ("total", f"{wall:.1f} s", "–", "–", "–")
    tin = sum(role.get("input_tokens") or 0 for role in usage.values())
    tout = sum(role.get("output_tokens") or 0 for role in usage.values())
    cost = sum(role.get("cost_usd") or 0 for role in usage.values())
    return ("total", f"{wall:.1f} s", _num(tin), _num(tout), _cost(cost))


def _outcome(result: dict[str, Any]) -> list[str]:
    changed = result.get("changed_files") or []
    lines = [f"files changed: {len(changed)}"
             + (f" ({', '.join(changed[:6])}{' …' if len(changed) > 6 else ''})"
                if changed else "")]
    verify = result.get("verify") or {}
    if verify:
        lines.append(f"verify: {verify.get('status')} ({len(verify.get('commands') or [])} "
                     f"command(s))")
    if result.get("branch"):
        lines.append(f"branch: {result['branch']}"
                     + (f"  pull request: {result['pr_url']}" if result.get("pr_url") else ""))
    lines.append(f"result: {result['status']} (exit {result['exit_code']}), "
                 f"run {result.get('run_id')}")
    return lines


def table(result: dict[str, Any]) -> list[str]:
    rows = [("step", "time", "tokens in", "tokens out", "cost"), *_rows(result), _total(result)]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    return lines + _outcome(result)
