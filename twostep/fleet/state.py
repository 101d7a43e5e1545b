"""A fleet's state: `.twostep/fleets/<id>/fleet.json` (its items, each one's status and run,
and the options it was started with), rewritten atomically after every change, so a killed
fleet leaves its last consistent state for `twostep batch --resume`.

Next to it: `items/<item>.json` and `.log` (each item's last `--json` result and stderr),
`links/` and `ledger.json` (runs/fleetlink.py: each item's run, the fleet-wide budget)."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from twostep import atomic
from twostep.errors import InputError
from twostep.fleet.items import Item
from twostep.runs import store

FLEETS = "fleets"
PENDING, RUNNING, DONE = "pending", "running", "done"
FAILED, OVER_BUDGET, INTERRUPTED = "failed", "over-budget", "interrupted"
STATUSES = (PENDING, RUNNING, DONE, FAILED, OVER_BUDGET, INTERRUPTED)


def status_of(code: int) -> str:
    return DONE if code == 0 else OVER_BUDGET if code == 18 else \
        INTERRUPTED if code == 130 else FAILED


@dataclass
class Entry:
    """One item and how it went (its run's figures are the run's --json result's)."""

    item: Item
    status: str = PENDING
    run_id: str | None = None
    run_dir: str | None = None
    exit_code: int | None = None
    branch: str | None = None
    pr_url: str | None = None
    cost_usd: float = 0.0
    usage: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "item": self.item.to_json()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        return cls(**{**data, "item": Item.from_json(data["item"])})


@dataclass
class Fleet:
    dir: Path
    batch: str
    options: dict[str, Any]
    entries: list[Entry]
    created: str = ""

    @property
    def id(self) -> str:
        return self.dir.name

    def save(self) -> None:
        data = {"version": 1, "id": self.id, "created": self.created, "batch": self.batch,
                "options": self.options, "items": [e.to_json() for e in self.entries]}
        atomic.write_text(self.dir / "fleet.json", json.dumps(data, indent=2) + "\n",
                          durable=False)

    def item_file(self, entry: Entry, suffix: str) -> Path:
        return self.dir / "items" / f"{entry.item.id}{suffix}"

    def unfinished(self) -> list[Entry]:
        return [e for e in self.entries if e.status != DONE]


def fleets_dir(repo: Path) -> Path:
    return store.state_dir(repo) / FLEETS


def create(repo: Path, batch: Path, items: list[Item], options: dict[str, Any]) -> Fleet:
    """A new fleet directory: its id is sortable by time and unique, as a run's."""
    directory = fleets_dir(repo) / store.new_id()
    (directory / "items").mkdir(parents=True)
    fleet = Fleet(directory, str(batch), options, [Entry(i) for i in items],
                  time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    fleet.save()
    return fleet


def at(directory: Path) -> Fleet | None:
    try:
        data = json.loads((directory / "fleet.json").read_text(encoding="utf-8"))
        return Fleet(directory, data["batch"], data["options"],
                     [Entry.from_json(e) for e in data["items"]], data.get("created", ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def all_fleets(repo: Path) -> list[Fleet]:
    base = repo / store.STATE_DIR / FLEETS
    found = (at(p.parent) for p in sorted(base.glob("*/fleet.json")))
    return [f for f in found if f is not None]


def load(repo: Path, fleet_id: str | None) -> Fleet:
    """A fleet by id (or unique prefix), or the last one with unfinished items."""
    fleets = all_fleets(repo)
    if fleet_id:
        found = [f for f in fleets if f.id == fleet_id or f.id.startswith(fleet_id)]
        if len(found) != 1:
            raise InputError(f"{fleet_id}: {'no such fleet' if not found else 'ambiguous id'}",
                             hint="`twostep runs` lists the fleets")
        return found[0]
    open_ = [f for f in fleets if f.unfinished()]
    if not open_:
        raise InputError("no fleet with unfinished items to resume",
                         hint="`twostep runs` lists the fleets")
    return open_[-1]


@contextmanager
def running(fleet: Fleet) -> Iterator[None]:
    """One twostep process drives a fleet at a time (two `batch --resume` would run each
    item twice); other fleets on the repository are other directories and go on."""
    with open(fleet.dir / ".running", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise InputError(f"fleet {fleet.id} is already running in another process",
                             hint="wait for it, or stop it with Ctrl-C") from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
