"""Read what the model CLIs answered (`-o json` / `--output-format json`) and refuse the
silent failures: an empty plan (CLI-FACTS 1.3), an error reported with exit 0, and edits that
were all refused (2.5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from twostep import atomic
from twostep.errors import ExecutorFailed, NoChanges, PlannerFailed


def _load(path: Path, what: str, error: type) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}'s reply: {exc.strerror}", step=what) from None
    if not text.strip():
        raise error(f"{path}: the {what} printed nothing (no reply)", step=what)
    try:
        # claude prints one JSON line; gemini one pretty-printed object. Take the last object
        # so that stray lines before it (warnings on stdout) do not break parsing.
        return json.loads(text)
    except json.JSONDecodeError:
        for line in reversed(text.splitlines()):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise error(f"{path}: the {what}'s reply is not JSON", step=what)


def accept_plan(reply: Path, plan: Path, keep: Path | None = None) -> str:
    """Validate gemini's JSON reply and write its text to `plan` atomically.

    A failed or empty reply raises and leaves an existing plan untouched.
    """
    data = _load(reply, "planner", PlannerFailed)
    if not isinstance(data, dict):
        raise PlannerFailed(f"{reply}: unexpected planner reply", step="planner")
    if data.get("error"):
        err = data["error"]
        raise PlannerFailed(f"the planner reported an error: {err.get('message', err)}", step="planner")
    text = data.get("response")
    if not isinstance(text, str) or not text.strip():
        raise PlannerFailed(
            f"the planner returned an empty plan; {plan.name} was left unchanged",
            step="planner",
            hint="gemini answers nothing when its input is over its window (about 4.19M characters);"
                 " see the planner log in the run directory")
    if not text.endswith("\n"):
        text += "\n"
    atomic.write_text(plan, text)
    if keep is not None:
        atomic.write_text(keep, text)
    return text


def check_executor(reply: Path) -> dict:
    """Fail on claude's error results and on refused edits, which both exit 0."""
    data = _load(reply, "executor", ExecutorFailed)
    if not isinstance(data, dict) or data.get("type") != "result":
        raise ExecutorFailed(f"{reply}: unexpected executor reply", step="executor")
    if data.get("is_error") or data.get("subtype", "success") != "success":
        status = data.get("api_error_status")
        detail = data.get("result") or "; ".join(map(str, data.get("errors") or [])) or data.get("subtype")
        raise ExecutorFailed(f"the executor reported an error{f' (HTTP {status})' if status else ''}:"
                             f" {detail}", step="executor")
    denied = data.get("permission_denials") or []
    if denied:
        names = sorted({f"{d.get('tool_name')}({(d.get('tool_input') or {}).get('file_path', '')})"
                        for d in denied})
        raise NoChanges(f"the executor's edits were refused: {', '.join(names)}",
                        hint="use executor.permission_mode: acceptEdits, or list the tools "
                             "in executor.allowed_tools")
    return data
