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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twostep import atomic
from twostep.errors import InputError

STATE_DIR = ".twostep"


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
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.dir.name

    def save(self) -> None:
        self.manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        atomic.write_text(self.dir / "manifest.json", json.dumps(self.manifest, indent=2) + "\n",
                          durable=False)

    def set(self, **values: Any) -> None:
        self.manifest.update(values)
        self.save()


def create(repo: Path, **manifest: Any) -> Run:
    runs = state_dir(repo) / "runs"
    run_dir = runs / new_id()
    run_dir.mkdir(parents=True)
    run = Run(run_dir, {"id": run_dir.name, "status": "running",
                        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        "pid": os.getpid(), **manifest})
    run.save()
    return run


def all_runs(repo: Path) -> list[Run]:
    runs = repo / STATE_DIR / "runs"
    out = []
    for manifest in sorted(runs.glob("*/manifest.json")):
        try:
            out.append(Run(manifest.parent, json.loads(manifest.read_text(encoding="utf-8"))))
        except (OSError, json.JSONDecodeError):
            continue
    return out


def load(repo: Path, run_id: str | None) -> Run:
    """A run by id (or unique prefix), or the last run that did not finish."""
    runs = all_runs(repo)
    if run_id:
        found = [r for r in runs if r.id == run_id or r.id.startswith(run_id)]
        if len(found) != 1:
            raise InputError(f"{run_id}: {'no such run' if not found else 'ambiguous run id'}",
                             hint="list runs with `twostep runs`")
        return found[0]
    unfinished = [r for r in runs if r.manifest.get("status") in ("failed", "interrupted", "running")]
    if not unfinished:
        raise InputError("no failed or interrupted run to resume", hint="list runs with `twostep runs`")
    return unfinished[-1]
