"""The fleet's `--json` result (schemas.FLEET publishes its shape) and the screen's lines: one
per item as it starts and ends, then the totals. `batch merge` builds the same result from the
items' own `--json` results (the runners of a GitHub Actions matrix), so both read one
function: `entry_from_result`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from twostep.errors import ExitCode
from twostep.fleet import state
from twostep.fleet.state import Entry

VERSION = 1
_SUMMED = ("calls", "input_tokens", "output_tokens", "cached_tokens", "cost_usd")


def entry_from_result(entry: Entry, result: Mapping[str, Any]) -> Entry:
    """Fill `entry` from a `twostep run|resume --json` result; seconds add up over attempts."""
    if result.get("exit_code", 1) is None:  # an item of a merged fleet that never ran
        entry.status = str(result.get("status") or state.PENDING)
        return entry
    code = int(result.get("exit_code", 1))
    usage = result.get("usage") or {}
    entry.status = state.status_of(code)
    entry.exit_code = code
    entry.run_id = result.get("run_id") or entry.run_id
    entry.run_dir = result.get("run_dir") or entry.run_dir
    entry.branch = result.get("branch") or entry.branch
    entry.pr_url = result.get("pr_url") or entry.pr_url
    entry.usage = dict(usage)
    entry.cost_usd = round(sum(float(r.get("cost_usd") or 0) for r in usage.values()), 6)
    entry.error = result.get("error") if code else None
    if result.get("seconds") is not None:
        entry.seconds = round((entry.seconds or 0) + float(result["seconds"]), 3)
    return entry


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def merged_usage(usages: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The items' usage (by role) added up, by role."""
    out: dict[str, dict[str, Any]] = {}
    for usage in usages:
        for role, row in usage.items():
            total = out.setdefault(role, dict.fromkeys(_SUMMED, 0))
            for key in _SUMMED:
                total[key] += row.get(key) or 0
    for row in out.values():
        row["cost_usd"] = round(row["cost_usd"], 6)
    return out


def exit_code(entries: list[Entry]) -> int:
    """0 when every item is done; 130 when the fleet was interrupted; else the first failed
    item's code (in the batch file's order)."""
    codes = [e.exit_code for e in entries if e.status != state.DONE]
    if not codes:
        return 0
    if any(e.status == state.INTERRUPTED for e in entries):
        return ExitCode.INTERRUPTED
    return next((c for c in codes if c), ExitCode.ERROR)


def item_json(entry: Entry) -> dict[str, Any]:
    return {"id": entry.item.id, "spec": entry.item.spec, "recipe": entry.item.recipe,
            "repo": str(entry.item.repo), "run_id": entry.run_id, "status": entry.status,
            "exit_code": entry.exit_code, "branch": entry.branch, "pr_url": entry.pr_url,
            "cost_usd": entry.cost_usd, "usage": entry.usage, "seconds": entry.seconds,
            "error": entry.error}


def build(fleet_id: str, entries: list[Entry], wall: float | None) -> dict[str, Any]:
    times = [e.seconds for e in entries if e.seconds is not None and e.status == state.DONE]
    counts = {s: n for s in state.STATUSES
              if (n := sum(1 for e in entries if e.status == s))}
    done = counts.get(state.DONE, 0)
    cost = round(sum(e.cost_usd for e in entries), 6)
    code = exit_code(entries)
    return {"version": VERSION, "fleet_id": fleet_id, "status": ExitCode.label_of(code),
            "exit_code": code, "items": [item_json(e) for e in entries],
            "cost_usd": cost, "cost_per_done_usd": round(cost / done, 6) if done else None,
            "usage": merged_usage(e.usage for e in entries), "counts": counts,
            "seconds": {"p50": percentile(times, 0.5), "p90": percentile(times, 0.9),
                        "wall": None if wall is None else round(wall, 3)}}


def _money(value: float | None) -> str:
    return "–" if value is None else f"${value:.4f}"


def _time(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def started_line(entry: Entry, resumed: bool) -> str:
    what = f"resuming run {entry.run_id}" if resumed else f"spec {entry.item.spec}"
    where = f" on {entry.item.branch}" if entry.item.branch else ""
    return f"▶ {entry.item.id}: {what}{where}"


def ended_line(entry: Entry) -> str:
    mark = "✓" if entry.status == state.DONE else "✗"
    why = "" if entry.status == state.DONE else \
        f" ({ExitCode.label_of(entry.exit_code or 1)}: {entry.error or 'see its log'})"
    return (f"{mark} {entry.item.id}: {entry.status}{why}; branch {entry.branch or '–'}, "
            f"{_money(entry.cost_usd)}, {_time(entry.seconds)}")


def total_lines(result: Mapping[str, Any]) -> list[str]:
    counts = result["counts"]
    parts = ", ".join(f"{n} {s}" for s, n in counts.items())
    secs = result["seconds"]
    return [f"fleet {result['fleet_id']}: {parts} of {len(result['items'])} item(s)",
            f"  cost {_money(result['cost_usd'])} total, {_money(result['cost_per_done_usd'])} "
            f"per done item; time p50 {_time(secs['p50'])}, p90 {_time(secs['p90'])}, "
            f"wall {_time(secs['wall'])}"]


def markdown(result: Mapping[str, Any]) -> list[str]:
    """The totals and one row per item, for a GitHub job summary."""
    rows = ["| item | status | branch | cost | time | error |", "|---|---|---|---|---|---|"]
    for item in result["items"]:
        error = (item.get("error") or "").replace("|", "\\|")[:120]
        rows.append(f"| {item['id']} | {item['status']} | {item.get('branch') or '–'} | "
                    f"{_money(item.get('cost_usd'))} | {_time(item.get('seconds'))} | "
                    f"{error} |")
    head, cost = total_lines(result)
    return [f"### twostep {head}", "", cost.strip(), "", *rows]


def listing(fleet_id: str, batch: str, entries: list[Entry]) -> list[str]:
    """`twostep runs`: a fleet, its totals, and how to continue it."""
    out = build(fleet_id, entries, None)
    parts = ", ".join(f"{n} {s}" for s, n in out["counts"].items())
    lines = [f"fleet {fleet_id}  {parts} of {len(entries)}  {_money(out['cost_usd'])}  "
             f"(batch {batch})"]
    if out["exit_code"]:
        lines.append(f"  twostep batch --resume {fleet_id}")
    return lines
