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


def table(result: dict[str, Any]) -> list[str]:
    usage = result.get("usage") or {}
    rows = [("step", "time", "tokens in", "tokens out", "cost")]
    totals: list[float] = [0.0, 0, 0, 0.0]
    for step in result.get("steps") or []:
        tin, tout, cost = _usage(usage, step["name"])
        mark = "" if step["exit_code"] == 0 else f" (exit {step['exit_code']})"
        rows.append((step["name"] + mark, f"{step['seconds']:.1f} s", _num(tin), _num(tout),
                     _cost(cost)))
        totals[0] += step["seconds"]
    # Totals come from every model call of the run (task and fix-round sessions included),
    # not only from the steps named after a role.
    for role in usage.values():
        totals[1] += role.get("input_tokens") or 0
        totals[2] += role.get("output_tokens") or 0
        totals[3] += role.get("cost_usd") or 0
    known = bool(usage)
    wall = result.get("seconds")
    seconds = wall if isinstance(wall, (int, float)) else totals[0]
    rows.append(("total", f"{seconds:.1f} s", _num(int(totals[1])) if known else "–",
                 _num(int(totals[2])) if known else "–", _cost(totals[3]) if known else "–"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    changed = result.get("changed_files") or []
    lines.append(f"files changed: {len(changed)}"
                 + (f" ({', '.join(changed[:6])}{' …' if len(changed) > 6 else ''})"
                    if changed else ""))
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
