"""The few git queries twostep needs, each one process, NUL-separated where paths flow."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from twostep.errors import InputError, ToolMissing


def run(*args: str, cwd: Path | str, input: bytes | None = None) -> subprocess.CompletedProcess:
    """One git process, bytes both ways (file names are bytes to git)."""
    try:
        return subprocess.run(("git", *args), cwd=cwd, input=input, capture_output=True, check=False)
    except FileNotFoundError:
        raise ToolMissing("`git` not found on PATH", hint="install git (apt-get install -y git)") from None


def git(*args: str, cwd: Path | str, check: bool = True, input: bytes | None = None) -> bytes:
    proc = run(*args, cwd=cwd, input=input)
    if check and proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip()
        raise InputError(f"git {' '.join(args[:2])} failed in {cwd}: {message}")
    return proc.stdout


def decode(name: bytes) -> str:
    return name.decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class IndexEntry:
    mode: str   # 100644/100755 files, 120000 symlinks, 160000 submodules
    blob: str
    path: str


def index(repo: Path | str, pathspecs: tuple[str, ...] | list[str] = ()) -> list[IndexEntry]:
    """The index entries the pathspecs select, one per path (a conflicted path lists once per
    stage in `git ls-files -s`; the first is kept)."""
    seen: dict[str, IndexEntry] = {}
    for entry in git("ls-files", "-s", "-z", "--", *pathspecs, cwd=repo).split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        if name:
            mode, blob = meta.decode().split(" ")[:2]
            seen.setdefault(decode(name), IndexEntry(mode, blob, decode(name)))
    return list(seen.values())


def root(start: Path | None = None) -> Path:
    """The repository's top level, or a clear error when not inside a git work tree."""
    cwd = start or Path.cwd()
    proc = run("rev-parse", "--show-toplevel", cwd=cwd)
    if proc.returncode != 0:
        raise InputError(f"{cwd}: not inside a git repository",
                         hint="run twostep inside a git work tree (git init && git add -A && git commit)")
    return Path(proc.stdout.decode().strip())


def ls_files(repo: Path, pathspecs: tuple[str, ...]) -> list[str]:
    out = git("ls-files", "-z", "--", *pathspecs, cwd=repo)
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def status(repo: Path, *, untracked: bool = True) -> list[str]:
    """Porcelain status entries "XY path" (NUL-separated form, so any file name survives).

    A rename's second field (its source path) is dropped: entries are one path each.
    """
    out = git("status", "--porcelain=v1", "-z",
              f"--untracked-files={'all' if untracked else 'no'}", cwd=repo)
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    entries, skip = [], False
    for field in fields:
        if skip or not field:
            skip = False
            continue
        entries.append(field)
        skip = field[0] in "RC"  # renamed or copied: the source path follows
    return entries
