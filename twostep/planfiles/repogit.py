"""The few git calls a RepoView needs, with NUL-separated bytes both ways.

File names are bytes to git; they are decoded with the file-system encoding (surrogateescape), so
names with spaces, quotes, `$` or invalid UTF-8 survive the round trip.
"""

from __future__ import annotations

import os

from twostep.tools import git as gitrepo
from twostep.errors import InputError, StepFailed


def _git(cwd: str, *args: str, stdin: bytes = b"", ok: tuple[int, ...] = (0,)) -> tuple[int, bytes]:
    # -c core.quotepath=off keeps error messages readable; -z output is never quoted anyway.
    proc = gitrepo.run("-C", cwd, "-c", "core.quotepath=off", *args, cwd=cwd, input=stdin)
    if proc.returncode not in ok:
        text = proc.stderr.decode(errors="replace").strip()
        raise StepFailed(f"git {args[0]} failed: {text}", step="files", code=proc.returncode)
    return proc.returncode, proc.stdout


def _split(out: bytes) -> list[str]:
    return [os.fsdecode(x) for x in out.split(b"\0") if x]


def toplevel(cwd: str) -> str:
    code, out = _git(cwd, "rev-parse", "--show-toplevel", ok=(0, 128))
    if code != 0:
        raise InputError(f"{cwd} is not inside a git repository",
                         hint="run twostep from inside the repository the plan is about")
    return os.fsdecode(out.rstrip(b"\n"))


def staged(top: str) -> list[tuple[str, str]]:
    """(mode, path) of every index entry; the mode tells symlinks (120000) and submodules (160000)."""
    return [(e.mode, e.path) for e in gitrepo.index(top)]


def check_ignore(top: str, paths: list[str]) -> set[str]:
    """The subset of (untracked) paths that .gitignore & co. exclude; one process for all."""
    data = b"\0".join(os.fsencode(p) for p in paths) + b"\0"
    code, out = _git(top, "check-ignore", "-z", "--stdin", stdin=data, ok=(0, 1, 128))
    # 128: git refused a path (e.g. beyond a symlink). Callers then only lose the nicer reason:
    # the path is untracked either way and is never selected.
    return set(_split(out)) if code != 128 else set()


def others(top: str) -> list[tuple[str, str]]:
    """Untracked, not ignored, files: lets a bare name in a plan ("debug.go") be refused with its
    reason. One walk of the working tree (~0.1 s at 50k files); ignored files are not listed (a
    node_modules/ would cost more than it tells), exact ignored paths go through check_ignore."""
    untracked = _split(_git(top, "ls-files", "-z", "--others", "--exclude-standard")[1])
    return [(p, "untracked (not in git)") for p in untracked]
