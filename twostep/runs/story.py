"""What `twostep runs` tells of a run: how it ended and why, what it was about (its spec's
first line), what it cost and how much room it takes; and whether it can still be resumed,
which both a failure's hint and `runs prune` ask."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from twostep.core.cost import totals
from twostep.errors import ExitCode
from twostep.runs import checkpoint, store

#: The checkpoint ref a rollback restored: the work tree's state since (execution/rollback.py).
ROLLED_BACK = "now"


def rolled_back(repo: Path, run_id: str) -> str | None:
    """The checkpoint the last rollback of a run restored; None if it was never rolled back."""
    return checkpoint.lookup(repo, f"{checkpoint.REF_PREFIX}{run_id}/{ROLLED_BACK}")


def resumable(repo: Path, run: store.Run) -> bool:
    """It stopped after it was created and its work was not undone (resume refuses that)."""
    return run.manifest.status in store.UNFINISHED and rolled_back(repo, run.id) is None


def resume_hint(repo: Path, run: store.Run, hint: str | None) -> str | None:
    """A failure's hint, and how to resume the run when it can be."""
    if not resumable(repo, run):
        return hint
    return "; ".join(filter(None, (hint, f"run {run.id} can be resumed: `twostep resume`")))


def title(run_dir: Path) -> str:
    """The first line of the run's spec, its Markdown heading marks dropped."""
    with contextlib.suppress(OSError), (run_dir / "spec.md").open(encoding="utf-8",
                                                                   errors="replace") as spec:
        return next((ln.strip().lstrip("#").strip() for ln in spec if ln.strip()), "")
    return ""


def size(path: Path) -> int:
    """Bytes that removing `path` frees: files with no other hard link (a pack shared with
    .twostep/cache stays there), symbolic links not followed."""
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                st = os.lstat(os.path.join(folder, name))
                total += st.st_size if st.st_nlink == 1 else 0
    return total


def tell(repo: Path, run: store.Run) -> dict[str, Any]:
    """What `twostep runs --json` adds to a manifest, whose `failed_step` and `error` say
    where and why: `outcome` (done, failed, over-budget, rolled-back, interrupted, running),
    the failure's exit code's name, whether it can resume, the title, cost and size."""
    m = run.manifest
    outcome = m.status
    if rolled_back(repo, run.id) is not None:
        outcome = "rolled-back"
    elif m.status == "failed" and m.exit_code == ExitCode.OVER_BUDGET:
        outcome = "over-budget"
    elif m.status == "running" and not alive(m.pid):
        outcome = "killed"  # SIGKILL, a crash, a closed CI job: nothing could record it
    failed = m.status == "failed" and m.exit_code is not None
    return {"outcome": outcome, "exit_name": ExitCode.label_of(m.exit_code or 0) if failed
            else None, "resumable": resumable(repo, run), "title": title(run.dir),
            "cost_usd": totals(m.usage)["total"]["cost_usd"], "bytes": size(run.dir)}


def alive(pid: int) -> bool:
    """Whether a process of that number runs (a run's recorded pid)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process of that number
        return True
    return True


def lines(run: store.Run, told: dict[str, Any]) -> list[str]:
    """A run in `twostep runs`: a line, then where and why it failed, its branch, and how to
    resume it when it can be."""
    m, name = run.manifest, told["title"]
    name = name if len(name) <= 60 else name[:59] + "…"
    out = [f"{run.id}  {told['outcome']:<11} {m.recipe_name:<10} ${told['cost_usd']:<8.4f} "
           f"{human(told['bytes']):>9}  {name}".rstrip()]
    if told["exit_name"]:
        where = f" at {m.failed_step}" if m.failed_step else ""
        reason = (m.error or "(no message)").removeprefix(f"step '{m.failed_step}': ")
        out.append(f"    {told['exit_name']} (exit {m.exit_code}){where}: {reason}")
    if m.branch:
        out.append(f"    branch {m.branch}" + (f"  {m.pr_url}" if m.pr_url else ""))
    if told["resumable"]:
        out.append(f"    can resume: twostep resume {run.id}")
    return out


def human(count: int) -> str:
    """Bytes as `1.2 MB` (powers of 1000, as `du --si`)."""
    units = ("bytes", "kB", "MB", "GB", "TB")
    value, step = float(count), 0
    while value >= 1000 and step < len(units) - 1:
        value, step = value / 1000, step + 1
    return f"{count} bytes" if step == 0 else f"{value:.1f} {units[step]}"
