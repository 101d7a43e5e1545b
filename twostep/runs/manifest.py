"""manifest.json: a run's saved state, typed and versioned (as pipx's metadata file is).

Every writer sets attributes of `Manifest`; `to_json()` is the one place that shapes the file
and `from_json()` the one place that reads it, older versions included. `twostep runs --json`
prints the same dictionaries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from twostep.core.cost import totals
from twostep.errors import InputError

#: 1: the first release (parallel `done` and `phases_done` lists); 2: typed, one `done` list;
#: 3: execute_by, tasks, fix_rounds, approved_plan (older runs executed the plan in one session).
VERSION = 3


@dataclass(frozen=True)
class StepRecord:
    name: str
    command: str
    exit_code: int
    seconds: float


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
    #: `task` or `plan` (recipe execute_by or --execute-by): resume executes the same way.
    execute_by: str = "task"
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
        version = data.get("version", 1)
        if not isinstance(version, int) or version > VERSION:
            raise InputError(f"{where}: manifest version {version} is newer than this twostep "
                             f"understands ({VERSION})", hint="upgrade twostep to resume this run")
        try:
            return cls(
                id=data["id"], created=data.get("created", ""),
                recipe_source=data["recipe"]["source"], recipe_name=data["recipe"]["name"],
                strategy=data["strategy"], plan=data.get("plan", "AI-PLAN.md"),
                phases=list(data.get("phases") or []), status=data.get("status", "running"),
                updated=data.get("updated", ""), pid=data.get("pid", 0),
                yes=bool(data.get("yes")), allow_dirty=bool(data.get("allow_dirty")),
                measurement=data.get("measurement") or {}, tools=data.get("tools") or {},
                slice_pathspecs=list((data.get("slice") or {}).get("pathspecs") or []),
                slice_notes=list((data.get("slice") or {}).get("notes") or []),
                steps=[StepRecord(**s) for s in data.get("steps") or []],
                done=list(data.get("done") or []),
                packs={k: PackRecord(**v) for k, v in (data.get("packs") or {}).items()},
                sent=[SentRecord(**s) for s in data.get("sent") or []],
                plan_head=data.get("plan_head"), usage=list(data.get("usage") or []),
                choices=dict(data.get("choices") or {}), tiers=data.get("tiers") or {},
                failed_step=data.get("failed_step"),
                error=data.get("error"), exit_code=data.get("exit_code"),
                branch=data.get("branch"), pr=bool(data.get("pr")), pr_url=data.get("pr_url"),
                execute_by=data.get("execute_by", "plan" if version < 3 else "task"),
                tasks=list(data.get("tasks") or []),
                fix_rounds=list(data.get("fix_rounds") or []),
                approved_plan=data.get("approved_plan"))
        except (KeyError, TypeError) as exc:
            raise InputError(
                f"{where}: not a twostep manifest ({type(exc).__name__}: {exc})",
                hint="remove the run directory, or list runs with `twostep runs`") from None
