"""Run a fleet's items, N at a time: each item is its own `twostep run … --worktree --json
--yes` process (or `twostep resume RUN --json --yes` for an item whose run failed), in its
own process group, with its stdout (the --json result) and stderr in the fleet's `items/`.
A process per item keeps what a run already does right: its Ctrl-C handling, its process
groups, its log, its run directory.

Ctrl-C (or SIGTERM) sends SIGINT to every item's process group: each run stops its CLIs and
marks itself interrupted, and the fleet records every item as its run left it."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from twostep.fleet import result, state
from twostep.fleet.state import Entry, Fleet
from twostep.log import LOG
from twostep.runs import fleetlink, store

#: How long an item's run has to stop after SIGINT before its group is killed.
STOP_GRACE = 30.0


def argv(fleet: Fleet, entry: Entry) -> list[str]:
    """twostep's arguments for the item: a new worktree run, or its failed run resumed. `-v`:
    the item's log is a file, where every step and detail belongs."""
    opts = fleet.options
    budget = opts.get("per_item_cost_usd") or opts.get("max_cost_usd")
    cost = ["--max-cost", f"{budget:g}"] if budget else []
    if entry.run_id and entry.status != state.PENDING:
        return ["resume", entry.run_id, "--json", "--yes", "-v", *cost]
    item = entry.item
    return ["run", *([item.recipe] if item.recipe else []), "--spec", str(item.spec_path),
            "--worktree", "--json", "--yes", "-v",
            *(["--branch", item.branch] if item.branch else []),
            *(["--pr"] if opts.get("pr") else []), *cost]


@dataclass
class Pool:
    fleet: Fleet
    jobs: int
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    #: How an item's twostep starts (tests and the benchmark may swap it).
    command: Callable[[list[str]], list[str]] = lambda args: [sys.executable, "-m", "twostep",
                                                                *args]

    def run(self, entries: list[Entry]) -> None:
        """Run `entries`; returns when each ended or the fleet was stopped."""
        todo: queue.Queue[Entry] = queue.Queue()
        for entry in entries:
            todo.put(entry)
        workers = [threading.Thread(target=self._work, args=(todo,), daemon=True)
                   for _ in range(max(1, min(self.jobs, len(entries))))]
        previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
        try:
            for worker in workers:
                worker.start()
            for worker in workers:
                while worker.is_alive():  # a join with a timeout lets Ctrl-C through
                    worker.join(0.2)
        except KeyboardInterrupt:
            self.halt()
            for worker in workers:
                worker.join()
            raise
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def halt(self) -> None:
        """Start no more items and stop the running ones (each run marks itself interrupted)."""
        self.stop.set()
        with self.lock:
            live = list(self.live.values())
        for proc in live:
            _signal_group(proc, signal.SIGINT)
        deadline = time.monotonic() + STOP_GRACE
        for proc in live:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)

    def _work(self, todo: queue.Queue[Entry]) -> None:
        while not self.stop.is_set():
            try:
                entry = todo.get_nowait()
            except queue.Empty:
                return
            self._one(entry)
            if entry.status == state.OVER_BUDGET and self.fleet.options.get("max_cost_usd"):
                # The fleet's budget is spent: the next items' first calls would be refused.
                LOG.warn(f"{entry.item.id}: over budget; no more items start")
                self.stop.set()

    def _one(self, entry: Entry) -> None:
        args = argv(self.fleet, entry)
        resumed = args[0] == "resume"
        with self.lock:
            entry.status = state.RUNNING
            self.fleet.save()
        LOG.info(result.started_line(entry, resumed))
        code = self._process(entry, args)
        with self.lock:
            _learn(self.fleet, entry, code)
            self.fleet.save()
        LOG.info(result.ended_line(entry))

    def _process(self, entry: Entry, args: list[str]) -> int:
        env = {**os.environ, fleetlink.ENV: str(self.fleet.dir),
               fleetlink.ITEM_ENV: entry.item.id}
        out, err = (self.fleet.item_file(entry, s) for s in (".json", ".log"))
        with out.open("wb") as stdout, err.open("ab") as stderr:
            stderr.write(f"$ twostep {' '.join(args)}\n".encode())
            stderr.flush()
            proc = subprocess.Popen(self.command(args), cwd=entry.item.repo, env=env,
                                    stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                    start_new_session=True)
            with self.lock:
                self.live[entry.item.id] = proc
            try:
                return proc.wait()
            finally:
                with self.lock:
                    self.live.pop(entry.item.id, None)


def _learn(fleet: Fleet, entry: Entry, code: int) -> None:
    """The item as its run left it: its --json result, or (a run killed before it could print
    one) its run's link and manifest."""
    data = _read_json(fleet.item_file(entry, ".json"))
    if data is None:
        data = {"exit_code": code, "error": f"exited with code {code}; see "
                                            f"{fleet.item_file(entry, '.log')}"}
    elif data.get("exit_code") != code and code == 130:
        data["exit_code"] = code
    # The link is the item's own run, whatever the result found.
    run_dir = fleetlink.linked(fleet.dir).get(entry.item.id)
    run = store.at(run_dir) if run_dir else None
    if run is not None:
        data.update(run_id=run.id, run_dir=str(run.dir),
                    branch=run.manifest.branch or data.get("branch"))
    result.entry_from_result(entry, data)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt
