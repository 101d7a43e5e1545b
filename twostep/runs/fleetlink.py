"""A run started for an item of a fleet (`twostep batch`) links itself to the fleet: the fleet
learns the item's run id as soon as the run exists (even if the run is then killed), and the
fleet's budget counts every item's calls.

The fleet passes its directory and the item's id in the environment (ENV, ITEM_ENV) to the
`twostep run` or `twostep resume` it starts for the item. A link is one file,
`<fleet>/links/<item>`, holding the run directory; the fleet's ledger is `<fleet>/ledger.json`
(`{"budget_usd": USD}`), absent when the fleet has no --max-cost."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import overload

from twostep import atomic
from twostep.runs.spend import Ledger

ENV = "TWOSTEP_FLEET"
ITEM_ENV = "TWOSTEP_FLEET_ITEM"
LINKS = "links"
LEDGER = "ledger.json"


def fleet_of(environ: Mapping[str, str]) -> Path | None:
    value = environ.get(ENV)
    return Path(value) if value else None


def link(run_dir: Path, environ: Mapping[str, str]) -> None:
    """Record `run_dir` as the run of the fleet's item named in `environ` (if any)."""
    fleet, item = fleet_of(environ), environ.get(ITEM_ENV)
    if fleet is None or not item or not fleet.is_dir():
        return
    (fleet / LINKS).mkdir(exist_ok=True)
    atomic.write_text(fleet / LINKS / item, f"{run_dir.resolve()}\n", durable=False)


def linked(fleet: Path) -> dict[str, Path]:
    """Each item's run directory, by item id."""
    found = {}
    for path in sorted((fleet / LINKS).glob("*")):
        text = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        if text:
            found[path.name] = Path(text)
    return found


class _RunDirs(Sequence[Path]):
    """The fleet's run directories, read anew each time they are walked: spend.check walks
    them under the fleet's lock, so an item whose run started a moment ago is counted."""

    def __init__(self, fleet: Path) -> None:
        self.fleet = fleet

    def _now(self) -> list[Path]:
        return list(linked(self.fleet).values())

    @overload
    def __getitem__(self, index: int) -> Path: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Path]: ...
    def __getitem__(self, index: int | slice) -> Path | Sequence[Path]:
        return self._now()[index]

    def __len__(self) -> int:
        return len(self._now())

    def __iter__(self) -> Iterator[Path]:
        return iter(self._now())


def write_budget(fleet: Path, budget_usd: float | None) -> None:
    path = fleet / LEDGER
    if budget_usd is None:
        path.unlink(missing_ok=True)
        return
    atomic.write_text(path, json.dumps({"budget_usd": budget_usd}) + "\n", durable=False)


def ledgers(environ: Mapping[str, str]) -> tuple[Ledger, ...]:
    """The fleet's ledger for spend.check's `outer`, when this run is a budgeted fleet's item."""
    fleet = fleet_of(environ)
    if fleet is None or not (fleet / LEDGER).is_file():
        return ()
    budget = float(json.loads((fleet / LEDGER).read_text(encoding="utf-8"))["budget_usd"])
    return (Ledger(f"the fleet {fleet.name}'s", budget, _RunDirs(fleet), fleet),)
