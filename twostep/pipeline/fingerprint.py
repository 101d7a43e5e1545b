"""Did the planner change the work tree? Compare a fingerprint taken before and after it.

The fingerprint is git's porcelain status plus a content hash of every listed file, so an
edit to a file that was already dirty (with --allow-dirty) still counts as a change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from twostep.tools import git as gitrepo


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except (IsADirectoryError, FileNotFoundError, PermissionError):
        return "-"
    return digest.hexdigest()[:16]


def fingerprint(repo: Path) -> str:
    lines = []
    for entry in gitrepo.status(repo):
        lines.append(f"{entry.xy}\t{_hash(repo / entry.path)}\t{entry.path}")
    return "\n".join(sorted(lines)) + "\n"


def changed_paths(before: str, after: str) -> list[str]:
    """Paths whose status or content differs between two fingerprints."""
    differ = set(after.splitlines()) ^ set(before.splitlines())
    # A clean tree's fingerprint is one empty line: not a path.
    return sorted({line.split("\t", 2)[-1] for line in differ if line})
