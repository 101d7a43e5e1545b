"""manifest.json: a run's saved state, typed and versioned (as pipx's metadata file is).

Every writer sets attributes of `Manifest`; `to_json()` is the one place that shapes the file
and `from_json()` the one place that reads it. `twostep runs --json` prints the same
dictionaries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from twostep.core.cost import totals
from twostep.errors import InputError

#: The shape of the file. A change that an older twostep could misread raises it, and
#: from_json then reads both (no version has been released before this one).
VERSION = 1


@dataclass(frozen=True)
class StepRecord:
    name: str
    command: str
    exit_code: int
    seconds: float
    #: The phase it ran in ("" outside one), and the step it ran inside ("" at the top): the
    #: summary counts each second once (a loop's time is its steps' time).
    phase: str = ""
    within: str = ""


@dataclass(frozen=True)
class PackRecord:
    tokens: int
    files: int
    chars: int
    excluded_by_security_check: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SentRecord:
    """What went to one vendor: the per-file ledger is its own file, named here."""

    role: str
    cli: str
    vendor: str
    model: str
    files: int
    ledger: str
    listing: str
    also_sent: list[str] = field(default_factory=list)
    excluded_by_security_check: list[str] = field(default_factory=list)


@dataclass
class Manifest:
    id: str
    created: str
    recipe_source: str
    recipe_name: str
    strategy: str
    plan: str
    phases: list[str]
    status: str = "running"
    updated: str = ""
    pid: int = 0
    yes: bool = False
    allow_dirty: bool = False
    measurement: dict[str, Any] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)
    slice_pathspecs: list[str] = field(default_factory=list)
    slice_notes: list[str] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    #: Names of the steps that succeeded (resume skips them).
    done: list[str] = field(default_factory=list)
    packs: dict[str, PackRecord] = field(default_factory=dict)
    sent: list[SentRecord] = field(default_factory=list)
    plan_head: str | None = None
    #: One record per model call (core/cost.py documents the keys), in the order they ended.
    usage: list[dict[str, Any]] = field(default_factory=list)
    #: --planner, --executor and --max-cost as given (resume applies them again).
    choices: dict[str, Any] = field(default_factory=dict)
    #: The large strategy's tiers (summary, files per tier; the reasons are in tiers.json).
    tiers: dict[str, Any] = field(default_factory=dict)
    failed_step: str | None = None
    error: str | None = None
    exit_code: int | None = None
    #: --worktree: the branch the run commits on, and the pull request --pr opened.
    branch: str | None = None
    pr: bool = False
    pr_url: str | None = None
    #: --pr asked, but why no pull request could be opened (gh missing, not logged in).
    pr_error: str | None = None
    #: `task` or `plan` (recipe execute_by or --execute-by): resume executes the same way.
    execute_by: str = "task"
    #: Tasks side by side at most (recipe jobs or --jobs): resume runs them the same way.
    jobs: int = 1
    #: Per task: planned, changed, missing and unplanned files (execution/taskwork.py).
    tasks: list[dict[str, Any]] = field(default_factory=list)
    #: Per verify round: passed, failing command, fingerprint, input size, why it stopped.
    fix_rounds: list[dict[str, Any]] = field(default_factory=list)
    #: sha256 of the plan as approved at the review gate or by --yes.
    approved_plan: str | None = None
    version: int = VERSION

    def mark_done(self, name: str) -> None:
        if name not in self.done:
            self.done.append(name)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["recipe"] = {"source": data.pop("recipe_source"), "name": data.pop("recipe_name")}
        data["slice"] = {"pathspecs": data.pop("slice_pathspecs"), "notes": data.pop("slice_notes")}
        data["usage_totals"] = totals(self.usage)  # derived: by role and in total
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str = "manifest.json") -> Manifest:
        version = data.get("version")
        if version != VERSION:
            raise InputError(f"{where}: manifest version {version!r}; this twostep reads "
                             f"version {VERSION}",
                             hint="resume it with the twostep that started it, or remove the "
                                  "run directory")
        try:
            # The inverse of to_json: the same keys, nested ones flattened, the derived totals
            # dropped. A missing or unknown key is a KeyError or TypeError: not a manifest.
            values = {k: v for k, v in data.items() if k not in ("recipe", "slice", "usage_totals")}
            return cls(**{
                **values,
                "recipe_source": data["recipe"]["source"], "recipe_name": data["recipe"]["name"],
                "slice_pathspecs": data["slice"]["pathspecs"],
                "slice_notes": data["slice"]["notes"],
                "steps": [StepRecord(**s) for s in data["steps"]],
                "packs": {k: PackRecord(**v) for k, v in data["packs"].items()},
                "sent": [SentRecord(**s) for s in data["sent"]]})
        except (KeyError, TypeError) as exc:
            raise InputError(
                f"{where}: not a twostep manifest ({type(exc).__name__}: {exc})",
                hint="remove the run directory, or list runs with `twostep runs`") from None
