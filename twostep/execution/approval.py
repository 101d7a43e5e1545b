"""The approved plan is the one executed.

When the review gate passes (or at --yes), the execute phase's first stage keeps a copy of the
plan in the run directory (`approved-plan.md`; the manifest records its sha256). Later, the
same stage refuses a plan that differs from that copy, showing what changed: `resume` and
`execute` execute an edited plan only after it went through the gate again (`--yes` approves it
as it is now).
"""

from __future__ import annotations

import difflib
import hashlib
import sys
from pathlib import Path

from twostep import atomic
from twostep.errors import NotConfirmed
from twostep.log import LOG
from twostep.runs import store

APPROVED = "approved-plan.md"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def changes(approved: Path, plan: Path) -> str:
    """What changed in the plan since approval, as a unified diff (bounded)."""
    old = approved.read_text(encoding="utf-8", errors="replace").splitlines()
    new = plan.read_text(encoding="utf-8", errors="replace").splitlines()
    lines = list(difflib.unified_diff(old, new, "approved", str(plan), lineterm="", n=1))
    more = [f"… ({len(lines) - 60} more diff lines)"] if len(lines) > 60 else []
    return "\n".join(lines[:60] + more)


def approve(plan: Path, copy: Path) -> None:
    atomic.write_bytes(copy, plan.read_bytes())
    LOG.detail(f"plan approved: sha256 {digest(copy)[:16]}")


def check(plan: Path, copy: Path) -> None:
    """The stage: approve the plan the first time, refuse it once it differs from that."""
    if not copy.exists():
        approve(plan, copy)
        return
    if copy.read_bytes() == plan.read_bytes():
        return
    raise NotConfirmed(f"{plan} changed after it was approved:\n{changes(copy, plan)}",
                       hint="review it again: `twostep resume` on a terminal, or pass --yes to "
                            "approve it as it is now")


def reapprove(plan: Path, copy: Path, *, yes: bool, review) -> None:
    """Before a resume or execute: an edited plan goes through the gate again (or --yes)."""
    if not copy.exists() or not plan.exists() or copy.read_bytes() == plan.read_bytes():
        return
    LOG.warn(f"{plan} changed since it was approved:\n{changes(copy, plan)}")
    if not yes:
        if not sys.stdin.isatty():
            check(plan, copy)  # refuses, with the diff
        review(plan)
    approve(plan, copy)


def check_execute(repo: Path, plan: str | object, *, reapprove_now: bool, review) -> None:
    """`twostep execute`: the last run that approved this plan file approved it as it is."""
    if not isinstance(plan, str):
        return
    earlier = [r for r in store.all_runs(repo)
               if r.manifest.plan == plan and (r.dir / APPROVED).exists()]
    if earlier:
        reapprove(repo / plan, earlier[-1].dir / APPROVED, yes=reapprove_now, review=review)
