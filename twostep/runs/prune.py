"""`twostep runs prune`: remove old runs (their directories, their checkpoint refs under
refs/twostep/<run>/, a --worktree run's worktree registration), never one that can still be
resumed."""

from __future__ import annotations

import calendar
import re
import shutil
import time
from pathlib import Path

from twostep.errors import InputError
from twostep.runs import checkpoint, store, story
from twostep.tools import git

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def seconds(duration: str) -> float:
    """`7d`, `12h`, `30m`, `2w`, `90s` as seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", duration)
    if not match:
        raise InputError(f"--older-than {duration!r}: not a duration",
                         hint="a number and a unit: 90s, 30m, 12h, 7d, 2w")
    return float(match.group(1)) * _UNITS[match.group(2)]


def _age(run: store.Run, now: float) -> float:
    """Seconds since the run last changed (a resumed run is as old as its resume)."""
    stamp = run.manifest.updated or run.manifest.created
    try:
        return now - calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    except ValueError:
        return 0.0


def select(repo: Path, runs: list[store.Run], *, keep: int | None, older_than: float | None,
           now: float | None = None) -> tuple[list[store.Run], list[store.Run]]:
    """The runs to remove, and those that would be but can still resume (kept): all but the
    `keep` newest, of those the ones older than `older_than` seconds."""
    now = time.time() if now is None else now
    newest = {r.id for r in runs[len(runs) - keep:]} if keep else set()
    old = [r for r in runs if r.id not in newest
           and (older_than is None or _age(r, now) > older_than)]
    spared = {r.id for r in old if story.resumable(repo, r)}
    return [r for r in old if r.id not in spared], [r for r in old if r.id in spared]


def remove(repo: Path, run: store.Run) -> int:
    """Remove one run; the bytes that freed."""
    freed = story.size(run.dir)
    tree = run.worktree
    if tree is not None and _registered(repo, tree):
        git.git("worktree", "remove", "--force", "--force", str(tree), cwd=repo)
    refs = git.git("for-each-ref", "--format=delete %(refname)",
                   f"{checkpoint.REF_PREFIX}{run.id}/", cwd=repo)
    if refs.strip():
        git.git("update-ref", "--stdin", cwd=repo, input=refs)
    shutil.rmtree(run.dir)
    return freed


def _registered(repo: Path, tree: Path) -> bool:
    listed = git.git("worktree", "list", "--porcelain", "-z", cwd=repo).split(b"\0")
    return f"worktree {tree.resolve()}".encode() in listed
