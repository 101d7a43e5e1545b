"""What was sent to which vendor, with content hashes: the run's data-egress ledger."""

from __future__ import annotations

import subprocess
from pathlib import Path

from twostep.linktree import read_paths

VENDORS = {"gemini": "Google (Gemini API)", "claude": "Anthropic (Claude API)"}


def hashes(repo: Path, paths: list[str]) -> dict[str, str]:
    """git's blob ids of the files as they are in the work tree (one git process)."""
    present = [p for p in paths if (repo / p).is_file() and not (repo / p).is_symlink()]
    if not present:
        return {}
    proc = subprocess.run(["git", "hash-object", "--stdin-paths", "--no-filters"], cwd=repo,
                          input="\n".join(present).encode("utf-8", "surrogateescape"),
                          capture_output=True, check=False)
    ids = proc.stdout.decode().split()
    return dict(zip(present, ids)) if proc.returncode == 0 and len(ids) == len(present) else {}


def listing(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open("rb") as handle:
        return read_paths(handle)


def entry(repo: Path, cli: str, model: str, role: str, listing_file: Path,
          excluded: list[str], extra: list[str]) -> dict:
    """One vendor record: the files of the pack (less what repomix excluded) and the rest."""
    files = [p for p in listing(listing_file) if p not in set(excluded)]
    ids = hashes(repo, files)
    return {"role": role, "cli": cli, "vendor": VENDORS.get(cli, cli), "model": model,
            "files": [{"path": p, "git_blob": ids.get(p)} for p in files if p in ids],
            "also_sent": extra, "excluded_by_security_check": excluded}
