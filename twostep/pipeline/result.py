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
    commands = [{"argv": list(argv), "seconds": None,
                 "exit_code": None if last is None else (1 if tuple(argv) == failing else
                                                         0 if last.get("passed") else None)}
                for argv in recipe.verify]
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


def build_result(command: str, repo: Path, run: store.Run | None, code: int,
                 error: str | None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": VERSION, "command": command, "run_id": None, "status": ExitCode.label_of(code),
        "exit_code": code, "error": error, "recipe": None, "strategy": None, "plan_path": None,
        "run_dir": None, "usage": {}, "changed_files": [], "verify": None, "branch": None,
        "pr_url": None, "steps": [], "seconds": None, "calls": [],
    }
    if run is not None:
        m = run.manifest
        plan = run.dir / m.plan[4:] if m.plan.startswith("run:") else repo / m.plan
        out.update({
            "run_id": run.id, "recipe": m.recipe_name, "strategy": m.strategy,
            "plan_path": str(plan) if plan.is_file() else None, "run_dir": str(run.dir),
            "usage": cost.totals(m.usage)["by_role"], "calls": [_call(r) for r in m.usage],
            "changed_files": _changed(run, repo), "verify": _verify(run),
            "steps": [{"name": s.name, "exit_code": s.exit_code, "seconds": s.seconds}
                      for s in m.steps],
            "seconds": round(sum(s.seconds for s in m.steps), 3),
            "branch": m.branch, "pr_url": m.pr_url,
        })
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
    # Wall time: a nested step's time is also in its parent's, so the steps do not add up.
    result["seconds"] = round(time.monotonic() - started, 3)
    if run is not None and LOG.verbosity >= 1:
        for line in summary.table(result):
            LOG.out.write(f"  {line}\n")
        LOG.out.flush()
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        sys.stdout.flush()
    if failure is not None:
        raise failure
    return run
