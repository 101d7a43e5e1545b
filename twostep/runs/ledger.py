"""What was sent to which vendor, with content hashes: the run's data-egress ledger.

The per-file list goes to its own file in the run directory (`sent-<role>.json`), which the
manifest names: the manifest is rewritten after every step and must stay small.
"""

from __future__ import annotations

import json
from pathlib import Path

from twostep import atomic
from twostep.pack.linktree import read_paths
from twostep.runs.manifest import SentRecord
from twostep.tools import git as gitrepo


def hashes(repo: Path, paths: list[str]) -> dict[str, str]:
    """git's blob ids of the files as they are in the work tree.

    Clean files have theirs in the index already; only files changed in the work tree
    (or not in the index) are hashed, by one `git hash-object` process.
    """
    wanted = set(paths)
    ids = {e.path: e.blob for e in gitrepo.index(repo)
           if e.path in wanted and e.mode.startswith("100")}
    # `git status`, not `git diff`: both must re-read files whose ctime the pack's hard links
    # changed, but status also writes the refreshed index back, so later git calls are quick.
    dirty = {e.path for e in gitrepo.status(repo, untracked=False)}
    stale = [p for p in paths if p in dirty or p not in ids]
    present = [p for p in stale if (repo / p).is_file() and not (repo / p).is_symlink()]
    for p in stale:
        ids.pop(p, None)
    if present:
        proc = gitrepo.run("hash-object", "--stdin-paths", "--no-filters", cwd=repo,
                           input="\n".join(present).encode("utf-8", "surrogateescape"))
        fresh = proc.stdout.decode().split()
        if proc.returncode == 0 and len(fresh) == len(present):
            ids.update(zip(present, fresh, strict=True))
    return ids


def listing(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open("rb") as handle:
        return read_paths(handle)


def entry(repo: Path, run_dir: Path, cli: str, vendor: str, model: str, role: str,
          listing_file: Path, excluded: list[str], extra: list[str],
          reuse: SentRecord | None = None) -> SentRecord:
    """Write the role's ledger and return its manifest record. `reuse`: an earlier record
    for the same listing (small strategy: both models get the same pack)."""
    ledger = f"sent-{role}.json"
    if reuse is not None:
        ledger, count = reuse.ledger, reuse.files
    else:
        files = [p for p in listing(listing_file) if p not in set(excluded)]
        ids = hashes(repo, files)
        rows = [{"path": p, "git_blob": ids[p]} for p in files if p in ids]
        atomic.write_text(run_dir / ledger, json.dumps(rows, indent=0) + "\n")
        count = len(rows)
    return SentRecord(role, cli, vendor, model, count, ledger, listing_file.name, extra,
                      list(excluded))
