"""git, the one wrapper: each query is one process, NUL-separated wherever paths flow.

File names are bytes to git; they are decoded with surrogateescape, so names with spaces,
quotes, `$` or invalid UTF-8 survive the round trip. A failing git call is a failed step
(exit 6); only "not inside a repository" is the user's input (exit 4).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from twostep.errors import InputError, StepFailed, ToolMissing


def run(*args: str, cwd: Path | str, input: bytes | None = None) -> subprocess.CompletedProcess:
    """One git process, bytes both ways; the caller reads the return code."""
    try:
        return subprocess.run(("git", "-c", "core.quotepath=off", *args), cwd=cwd, input=input,
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise ToolMissing("`git` not found on PATH",
                          hint="install git (apt-get install -y git)") from None


def git(*args: str, cwd: Path | str, check: bool = True, input: bytes | None = None,
        ok: tuple[int, ...] = (0,)) -> bytes:
    """git's stdout; a return code outside `ok` raises StepFailed (when `check`)."""
    proc = run(*args, cwd=cwd, input=input)
    if check and proc.returncode not in ok:
        message = proc.stderr.decode(errors="replace").strip()
        if "not a git repository" in message:
            raise InputError(f"{cwd}: not inside a git repository",
                             hint="run twostep inside a git work tree")
        raise StepFailed(f"git {' '.join(args[:2])} failed in {cwd}: {message}", step="git",
                         code=proc.returncode)
    return proc.stdout


def decode(name: bytes) -> str:
    return name.decode("utf-8", "surrogateescape")


def encode(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def split_z(out: bytes) -> list[str]:
    """The paths of a `-z` listing (NUL-terminated), decoded."""
    return [decode(x) for x in out.split(b"\0") if x]


def join_z(paths: Iterable[str]) -> bytes:
    """Paths for a `-z --stdin` git command."""
    return b"".join(encode(p) + b"\0" for p in paths)


@dataclass(frozen=True)
class IndexEntry:
    mode: str   # 100644/100755 files, 120000 symlinks, 160000 submodules
    blob: str
    path: str


@dataclass(frozen=True)
class StatusEntry:
    xy: str     # porcelain v1 status letters, e.g. " M", "??", "A "
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


def root(start: Path | str | None = None) -> Path:
    """The repository's top level, or a clear error when not inside a git work tree."""
    cwd = start or Path.cwd()
    proc = run("rev-parse", "--show-toplevel", cwd=cwd)
    if proc.returncode != 0:
        raise InputError(f"{cwd}: not inside a git repository",
                         hint="run twostep inside a git work tree "
                              "(git init && git add -A && git commit)")
    return Path(proc.stdout.decode().strip())


def ls_files(repo: Path | str, pathspecs: tuple[str, ...] = ()) -> list[str]:
    return split_z(git("ls-files", "-z", "--", *pathspecs, cwd=repo))


def others(repo: Path | str) -> list[str]:
    """Untracked files that are not ignored: one walk of the work tree (~0.1 s at 50k files)."""
    return split_z(git("ls-files", "-z", "--others", "--exclude-standard", cwd=repo))


def check_ignore(repo: Path | str, paths: list[str]) -> set[str]:
    """The subset of (untracked) paths that .gitignore & co. exclude; one process for all."""
    proc = run("check-ignore", "-z", "--stdin", cwd=repo, input=join_z(paths))
    # 128: git refused a path (e.g. beyond a symlink). Callers then only lose the nicer reason:
    # the path is untracked either way and is never selected.
    if proc.returncode not in (0, 1):
        return set()
    return set(split_z(proc.stdout))


def status(repo: Path | str, *, untracked: bool = True,
           pathspecs: tuple[str, ...] = ()) -> list[StatusEntry]:
    """Porcelain status entries (NUL-separated form, so any file name survives).

    A rename's second field (its source path) is dropped: entries are one path each.
    """
    out = git("status", "--porcelain=v1", "-z",
              f"--untracked-files={'all' if untracked else 'no'}", "--", *pathspecs, cwd=repo)
    entries, skip = [], False
    for field in decode(out).split("\0"):
        if skip or not field:
            skip = False
            continue
        entries.append(StatusEntry(field[:2], field[3:]))
        skip = field[0] in "RC"  # renamed or copied: the source path follows
    return entries


def head(repo: Path | str) -> str | None:
    """The commit HEAD points at, or None in a repository without commits."""
    return decode(git("rev-parse", "--verify", "-q", "HEAD", cwd=repo, check=False)).strip() or None
