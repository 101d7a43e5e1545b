"""The `--json` result of `run`, `plan`, `execute` and `resume`: one object on stdout at the end,
success or failure, read from the run's manifest (schemas.RESULT publishes its shape).

`capture` wraps a command: whatever happens, the result is printed, then the failure (if any)
goes on to the exit-code boundary as usual.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from twostep.core import cost
from twostep.errors import ExitCode, TwostepError
from twostep.execution import progress
from twostep.log import LOG
from twostep.recipe import load as recipes
from twostep.runs import checkpoint, store, summary
from twostep.tools import git

#: The result's version: bump it only with a change that breaks a reader.
VERSION = 1


def _changed(run: store.Run, repo: Path) -> list[str]:
    if run.manifest.branch and run.manifest.status == "done":  # committed on the branch
        out = git.git("diff", "--name-only", "-z", f"{run.manifest.branch}~1",
                      run.manifest.branch, cwd=repo, check=False)
        return git.split_z(out)
    tree = run.worktree
    if tree is not None and tree.is_dir():  # a failed worktree run keeps its tree
        repo = tree
    # The checkpoint taken before the first task (what rollback returns to).
    base = progress.base(repo, run.dir)
    return checkpoint.changed_since(repo, base) if base else []


def _verify(run: store.Run) -> dict[str, Any]:
    """Each verify command of the recipe, and how the last verify round went: a failing one
    is the round's failing command; fix rounds are listed as the manifest records them."""
    m = run.manifest
    try:
        recipe = recipes.load(m.recipe_source)
    except TwostepError:
        return {"status": "unknown", "commands": []}
    last = m.fix_rounds[-1] if m.fix_rounds else None
    failing = tuple(last.get("command") or ()) if last else ()
    # The last round's own record of each command it ran (fix-round writes it), by position.
    ran = list(last.get("commands") or []) if last else []
    commands = [{"argv": list(argv),
                 "seconds": ran[i].get("seconds") if i < len(ran) else None,
                 "exit_code": ran[i].get("exit_code") if i < len(ran) else
                 None if last is None else (1 if tuple(argv) == failing else
                                            0 if last.get("passed") else None)}
                for i, argv in enumerate(recipe.verify)]
    if "verify" not in m.phases or not commands:
        status = "skipped"
    elif last is None:
        status = "not-run"
    else:
        status = "passed" if last.get("passed") else "failed"
    return {"status": status, "commands": commands, "rounds": list(m.fix_rounds)}


#: What the result repeats of each usage-ledger record (one model call).
_CALL_FIELDS = ("role", "step", "cli", "model", "task", "round", "input_tokens", "output_tokens",
                "cached_tokens", "cost_usd", "cost_source")


def _call(record: dict[str, Any]) -> dict[str, Any]:
    return {k: record[k] for k in _CALL_FIELDS if k in record}


def _tasks(run: store.Run) -> list[dict[str, Any]]:
    """Each task of the plan: what it planned to change, what it changed, and how it went."""
    try:
        planned = progress.tasks(run.dir)
    except (OSError, ValueError, TwostepError):
        return []
    done = {r.get("task"): r for r in run.manifest.tasks}
    failed = run.manifest.failed_step or ""
    out = []
    for task in planned:
        got = done.get(task.number)
        status = "not-run" if got is None else "done"
        if failed.startswith(f"task-{task.number}-"):
            status = "failed"
        out.append({"number": task.number, "title": task.title, "status": status,
                    "planned_files": list(task.planned_changes),
                    "changed_files": list(got.get("changed", [])) if got else [],
                    "unplanned_files": list(got.get("unplanned", [])) if got else []})
    return out


def _plan_path(run: store.Run, repo: Path) -> str | None:
    """The plan file; a --worktree run's is the run's copy once its worktree is gone."""
    m = run.manifest
    if m.plan.startswith("run:"):
        found = [run.dir / m.plan[4:]]
    elif run.worktree is not None:  # the repository's file of that name is not this run's
        found = [run.worktree / m.plan, run.dir / "plan.md"]
    else:
        found = [repo / m.plan]
    return next((str(p) for p in found if p.is_file()), None)


def build_result(command: str, repo: Path, run: store.Run | None, code: int,
                 error: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": VERSION, "command": command, "run_id": None, "status": ExitCode.label_of(code),
        "exit_code": code, "error": error, "recipe": None, "strategy": None, "plan_path": None,
        "run_dir": None, "usage": {}, "changed_files": [], "verify": None, "branch": None,
        "pr_url": None, "seconds": None, "calls": [], "tasks": [],
    }
    if run is not None:
        m = run.manifest
        out.update({
            "run_id": run.id, "recipe": m.recipe_name, "strategy": m.strategy,
            "plan_path": _plan_path(run, repo), "run_dir": str(run.dir),
            "usage": cost.totals(m.usage)["by_role"], "calls": [_call(r) for r in m.usage],
            "changed_files": _changed(run, repo), "verify": _verify(run), "tasks": _tasks(run),
            "seconds": round(sum(s.seconds for s in m.steps if not s.within), 3),
            "branch": m.branch, "pr_url": m.pr_url,
            **({"pr_error": m.pr_error} if m.pr_error else {}),
        })
        if LOG.verbosity >= 2:  # the internal steps; the manifest always has them
            out["steps"] = [{"name": s.name, "exit_code": s.exit_code, "seconds": s.seconds}
                            for s in m.steps]
    out.update(extra or {})
    return out


def capture(command: str, repo: Path, go: Callable[[], store.Run | None], *,
            as_json: bool = True, find: Callable[[], store.Run] | None = None,
            extra: Callable[[], dict[str, Any]] = dict) -> store.Run | None:
    """Run `go`, then report its result, success or failure: the summary table on stderr
    (unless -q) and, `as_json`, one JSON object on stdout. On a failure the run is the one
    `find` names (resume), else the one `go` created."""
    before = {r.id for r in store.all_runs(repo)}
    started = time.monotonic()
    run, code, error, failure = None, 0, None, None
    try:
        run = go()
    except TwostepError as exc:
        failure, code = exc, exc.exit_code
        error = exc.reason
    if run is None and find is not None:
        with contextlib.suppress(TwostepError):
            run = find()
    if run is None:
        # This process's run: another may have started one in this repository meanwhile.
        new = [r for r in store.all_runs(repo)
               if r.id not in before and r.manifest.pid == os.getpid()]
        run = new[-1] if new else None
    if run is not None:
        run = store.load(repo, run.id)  # as the run left it on disk
        error = error or run.manifest.error
    result = build_result(command, repo, run, code, error, extra())
    # Wall time: the steps' own time leaves out twostep's work between them.
    result["seconds"] = round(time.monotonic() - started, 3)
    if run is not None and LOG.verbosity >= 1:
        steps = [asdict(s) for s in run.manifest.steps]
        for line in summary.table(result, steps):
            LOG.out.write(f"  {line}\n")
        LOG.out.flush()
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        sys.stdout.flush()
    if failure is not None:
        raise failure
    return run
