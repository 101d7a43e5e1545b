"""The few git queries twostep needs, each one process, NUL-separated where paths flow."""

from __future__ import annotations

import subprocess
from pathlib import Path

from twostep.errors import InputError, ToolMissing


def git(*args: str, cwd: Path, check: bool = True) -> bytes:
    try:
        proc = subprocess.run(("git", *args), cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise ToolMissing("`git` not found on PATH", hint="install git (apt-get install -y git)") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip()
        raise InputError(f"git {' '.join(args[:2])} failed in {cwd}: {message}")
    return proc.stdout


def root(start: Path | None = None) -> Path:
    """The repository's top level, or a clear error when not inside a git work tree."""
    cwd = start or Path.cwd()
    try:
        proc = subprocess.run(("git", "rev-parse", "--show-toplevel"), cwd=cwd,
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise ToolMissing("`git` not found on PATH", hint="install git (apt-get install -y git)") from None
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
