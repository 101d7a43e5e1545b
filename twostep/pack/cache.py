"""Reuse a pack when nothing it depends on changed: the selected files (git's blob ids, plus
size and mtime of the ones dirty in the work tree), the pathspecs, the repomix flags and the
repomix binary. A second `plan` on an unchanged tree then skips repomix entirely.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from twostep.pack.linktree import link_or_copy
from twostep.tools import git as gitrepo

KEEP = 8  # newest cache entries kept; each holds one pack and its listing and summary


def key(repo: Path, pathspecs: tuple[str, ...], flags: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for part in ("\0".join(pathspecs), "\0".join(flags), _tool_identity("repomix")):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\1")
    digest.update(gitrepo.git("ls-files", "-s", "-z", "--", *pathspecs, cwd=repo))
    for entry in gitrepo.status(repo, untracked=False, pathspecs=pathspecs):
        # Dirty files: their content is not in the index; size and mtime stand for it.
        try:
            st = os.stat(repo / entry.path)
            seen = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            seen = "gone"
        digest.update(gitrepo.encode(f"{entry.xy} {entry.path}:{seen}\0"))
    return digest.hexdigest()[:32]


def _tool_identity(name: str) -> str:
    path = shutil.which(name)
    if not path:
        return name
    st = os.stat(path)
    return f"{os.path.realpath(path)}:{st.st_mtime_ns}:{st.st_size}"


@contextmanager
def locked(cache: Path, entry: str) -> Iterator[None]:
    """One packer per entry: runs side by side (a fleet's items, on one base) that need the
    same pack wait for the first to store it, then reuse it, so it is packed once."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".{entry}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _link(src: Path, dest: Path) -> None:
    dest.unlink(missing_ok=True)
    link_or_copy(src, dest)


def fetch(cache: Path, entry: str, outputs: list[Path]) -> bool:
    """Place the cached outputs at their run paths; False on a miss (nothing changed)."""
    folder = cache / entry
    sources = [folder / out.name for out in outputs]
    if not all(s.is_file() for s in sources):
        return False
    for src, dest in zip(sources, outputs, strict=True):
        _link(src, dest)
    os.utime(folder)
    return True


def store(cache: Path, entry: str, outputs: list[Path]) -> None:
    folder = cache / entry
    partial = cache / f".{entry}.{os.getpid()}.tmp"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for out in outputs:
        _link(out, partial / out.name)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)  # a reader sees a whole entry or none
    _evict(cache)


def _evict(cache: Path) -> None:
    entries = sorted((p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in cache.glob(".*.tmp"):
        if time.time() - stale.stat().st_mtime > 3600:
            shutil.rmtree(stale, ignore_errors=True)
    for lock in cache.glob(".*.lock"):  # an evicted entry's, unused for an hour
        if not (cache / lock.name[1:-5]).is_dir() and time.time() - lock.stat().st_mtime > 3600:
            lock.unlink(missing_ok=True)
