"""Trees of tasks that ran side by side: what a task changed, and a tree with those changes
laid over another, built in a scratch index (runs/checkpoint.py's rules: the user's index,
HEAD, branch and stash are never written; only objects and refs under refs/twostep/).

Tasks that ran side by side are merged file by file: a task's change is the set of paths that
differ between the commit it started from and its result, each with its new blob (or gone).
Two tasks that changed the same path are not merged at all (the second runs again on the
merged tree), so laying one change over a tree never needs a line-level merge.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from twostep.runs.checkpoint import _commit_tree, _git, _scratch_index, _verify

#: path -> (mode, blob) of each path a change touches; mode b"000000" when the path is gone.
Change = dict[bytes, tuple[bytes, bytes]]
_GONE = b"000000"


def changes(repo: Path, old: str, new: str) -> Change:
    """What differs from `old` to `new`, path by path."""
    out = _git(repo, "diff-tree", "-r", "-z", "--raw", "--no-renames", "--end-of-options",
               _verify(repo, old), _verify(repo, new))
    fields = out.split(b"\0")
    found: Change = {}
    for k in range(0, len(fields) - 1, 2):  # ":100644 100644 abc def M" NUL path NUL
        meta = fields[k].lstrip(b":").split(b" ")
        found[fields[k + 1]] = (meta[1], meta[3])
    return found


def overlay(repo: Path, start: str, deltas: Sequence[tuple[str, str]], *, parent: str | None,
            message: str) -> str:
    """A commit whose tree is `start`'s with each (old, new) change laid over it in order."""
    lines = []
    for old, new in deltas:
        for path, (mode, blob) in changes(repo, old, new).items():
            gone = mode == _GONE
            lines.append(b"0 " + b"0" * len(blob) if gone else mode + b" " + blob)
            lines[-1] += b"\t" + path + b"\0"
    with _scratch_index() as index:
        _git(repo, "read-tree", _verify(repo, start), index=index)
        if lines:
            _git(repo, "update-index", "-z", "--index-info", index=index, stdin=b"".join(lines))
        tree = _git(repo, "write-tree", index=index).decode().strip()
    return _commit_tree(repo, tree, parent, message)


def names(paths: Sequence[bytes] | set[bytes]) -> list[str]:
    return sorted(os.fsdecode(p) for p in paths)
