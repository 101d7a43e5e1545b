"""`twostep batch`: start a fleet or resume one, run its unfinished items, and report. A
resumed fleet leaves its finished items alone, and an item whose run failed resumes that run
(`twostep resume RUN`), so the tasks it finished are never sent again."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep.errors import ExitCode, InputError
from twostep.fleet import items as batchfile
from twostep.fleet import launch, result, state
from twostep.fleet.state import Entry, Fleet
from twostep.log import LOG
from twostep.runs import fleetlink, store, story


@dataclass(frozen=True)
class Options:
    jobs: int = 2
    max_cost_usd: float | None = None
    per_item_cost_usd: float | None = None
    pr: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "max_cost_usd": self.max_cost_usd,
                "per_item_cost_usd": self.per_item_cost_usd, "pr": self.pr}


def start(repo: Path, batch: Path, options: Options) -> Fleet:
    fleet = state.create(repo, batch.resolve(), batchfile.load(batch, repo), options.to_json())
    fleetlink.write_budget(fleet.dir, options.max_cost_usd)
    return fleet


def reopen(repo: Path, fleet_id: str | None, *, jobs: int | None,
           max_cost_usd: float | None) -> Fleet:
    """The fleet to resume, its items brought up to date with their runs; a new --jobs or
    --max-cost replaces the fleet's (what its items spent still counts)."""
    fleet = state.load(repo, fleet_id)
    if jobs is not None:
        fleet.options["jobs"] = jobs
    if max_cost_usd is not None:
        fleet.options["max_cost_usd"] = max_cost_usd
        fleetlink.write_budget(fleet.dir, max_cost_usd)
    for entry in fleet.entries:
        _sync(fleet, entry)
    fleet.save()
    return fleet


def _sync(fleet: Fleet, entry: Entry) -> None:
    """An item whose run started, or ended, after the fleet last wrote its state (a fleet
    killed with SIGKILL): its link names the run, the run's manifest says how it went."""
    if entry.status == state.DONE:
        return
    run_dir = fleetlink.linked(fleet.dir).get(entry.item.id)
    run = store.at(run_dir) if run_dir else None
    if run is None:
        if entry.status == state.RUNNING:
            entry.status = state.INTERRUPTED if entry.run_id else state.PENDING
        return
    entry.run_id, entry.run_dir, entry.branch = run.id, str(run.dir), run.manifest.branch
    if run.manifest.status == "running" and story.alive(run.manifest.pid):
        # A fleet killed outright leaves its items' runs going (each in its own session).
        raise InputError(f"item {entry.item.id}: its run {run.id} is still running "
                         f"(pid {run.manifest.pid})",
                         hint=f"wait for it, or stop it (kill -INT {run.manifest.pid}), then "
                              "resume the fleet")
    if run.manifest.status == "done":
        entry.status, entry.exit_code, entry.error = state.DONE, 0, None
        _figures_of(fleet, entry, run.id)
    elif entry.status in (state.RUNNING, state.PENDING):
        entry.status, entry.exit_code = state.INTERRUPTED, ExitCode.INTERRUPTED


def _figures_of(fleet: Fleet, entry: Entry, run_id: str) -> None:
    """The result the item's run printed after the fleet was gone (its stdout is the file)."""
    try:
        data = json.loads(fleet.item_file(entry, ".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("run_id") == run_id:
        result.entry_from_result(entry, data)


def go(fleet: Fleet, *, as_json: bool, pool: launch.Pool | None = None) -> int:
    """Run the fleet's unfinished items; print the totals (and the result with --json);
    return the fleet's exit code."""
    todo = fleet.unfinished()
    pool = pool or launch.Pool(fleet, int(fleet.options.get("jobs") or 2))
    LOG.info(f"fleet {fleet.id}: {len(todo)} of {len(fleet.entries)} item(s) to run, "
             f"{pool.jobs} at a time (state in {_shown(fleet.dir)})")
    started = time.monotonic()
    interrupted = False
    with state.running(fleet):
        try:
            pool.run(todo)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            for entry in fleet.entries:  # never left "running" by a fleet that stopped
                if entry.status == state.RUNNING:
                    entry.status, entry.exit_code = state.INTERRUPTED, ExitCode.INTERRUPTED
            fleet.save()
    out = report(fleet, time.monotonic() - started, as_json=as_json)
    if interrupted:
        LOG.error("interrupted", f"`twostep batch --resume {fleet.id}` continues the "
                                 "unfinished items")
        return ExitCode.INTERRUPTED
    if out["exit_code"]:
        LOG.info(f"`twostep batch --resume {fleet.id}` continues the unfinished items")
    return int(out["exit_code"])


def report(fleet: Fleet, wall: float | None, *, as_json: bool) -> dict[str, Any]:
    out = result.build(fleet.id, fleet.entries, wall)
    (fleet.dir / "result.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    for line in result.total_lines(out):
        LOG.info(line)
    if as_json:
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        sys.stdout.flush()
    return out


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
