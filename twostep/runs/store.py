"""Run directories (.twostep/runs/<id>/) and their manifest.json.

The manifest is rewritten atomically after every step, so a crash or a kill leaves the last
consistent state, which `twostep resume` reads. It holds commands as rendered (no secret is
ever part of a command) and exit codes, never environment values.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twostep import atomic
from twostep.errors import InputError
from twostep.runs import fleetlink
from twostep.runs.manifest import Manifest

STATE_DIR = ".twostep"
#: Where a --worktree run keeps its git worktree, inside its run directory.
WORKTREE_DIR = "worktree"
#: The statuses of a run that did not finish (`resume` takes the last such run).
UNFINISHED = ("failed", "interrupted", "running")


def state_dir(repo: Path) -> Path:
    base = repo / STATE_DIR
    base.mkdir(exist_ok=True)
    # Keeps .twostep/ out of git without touching a tracked file (.gitignore stays as is).
    ignore = base / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return base


def new_id() -> str:
    """Sortable by time to the millisecond (the newest run sorts last), unique by its suffix."""
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    return f"{stamp}.{int(now * 1000) % 1000:03d}Z-{secrets.token_hex(2)}"


@dataclass
class Run:
    dir: Path
    manifest: Manifest

    @property
    def id(self) -> str:
        return self.dir.name

    @property
    def worktree(self) -> Path | None:
        """A --worktree run's own worktree (gone once the run committed); None for other runs."""
        return self.dir / WORKTREE_DIR if self.manifest.branch else None

    def save(self) -> None:
        self.manifest.updated = _now()
        text = json.dumps(self.manifest.to_json(), indent=2) + "\n"
        atomic.write_text(self.dir / "manifest.json", text, durable=False)

    def set(self, **values: Any) -> None:
        for key, value in values.items():
            if not hasattr(self.manifest, key):
                raise AttributeError(f"the manifest has no field {key!r}")
            setattr(self.manifest, key, value)
        self.save()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def create(repo: Path, *, run_dir: Path | None = None, **fields: Any) -> Run:
    """A new run directory and its manifest (the fields of runs.manifest.Manifest); `run_dir`:
    the directory a dry-run script made for it (its name is the run's id)."""
    runs = state_dir(repo) / "runs"
    run_dir = run_dir or runs / new_id()
    run_dir.mkdir(parents=True, exist_ok=True)
    run = Run(run_dir, Manifest(id=run_dir.name, created=_now(), pid=os.getpid(), **fields))
    run.save()
    fleetlink.link(run_dir, os.environ)  # a fleet's item: the fleet learns its run at once
    return run


def at(run_dir: Path) -> Run | None:
    """The run in this directory; None for a run directory being created, or not twostep's."""
    path = run_dir / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Run(run_dir, Manifest.from_json(data, str(path)))
    except (OSError, json.JSONDecodeError, InputError):
        return None


def all_runs(repo: Path) -> list[Run]:
    runs = repo / STATE_DIR / "runs"
    found = (at(path.parent) for path in sorted(runs.glob("*/manifest.json")))
    return [run for run in found if run is not None]


def load(repo: Path, run_id: str | None) -> Run:
    """A run by id (or unique prefix), or the last run that did not finish."""
    runs = all_runs(repo)
    if run_id:
        found = [r for r in runs if r.id == run_id or r.id.startswith(run_id)]
        if len(found) != 1:
            raise InputError(f"{run_id}: {'no such run' if not found else 'ambiguous run id'}",
                             hint="list runs with `twostep runs`")
        return found[0]
    unfinished = [r for r in runs if r.manifest.status in UNFINISHED]
    if not unfinished:
        raise InputError("no failed or interrupted run to resume",
                         hint="list runs with `twostep runs`")
    return unfinished[-1]
