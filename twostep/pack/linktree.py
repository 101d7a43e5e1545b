"""Build a tree of hard links to exactly the selected tracked files, for `repomix .`.

repomix's `--stdin` turns every path into a glob pattern and slows down sharply with many
paths (measured: 10 min against 14 s), while directory mode is fast. A tree holding only
the selected files gives directory-mode speed with git's exact selection. Hard links cost no
copying; across file systems we fall back to a copy.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from twostep.errors import InputError


@dataclass(frozen=True)
class LinkReport:
    linked: int
    skipped_symlinks: tuple[str, ...]


def link_or_copy(src: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    """A hard link costs no copying; across file systems it cannot be made, so copy."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)


def _safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and ".." not in parts and parts[0] != ".git"


def read_paths(stream: BinaryIO) -> list[str]:
    data = stream.read()
    sep = b"\0" if b"\0" in data else b"\n"
    return [p.decode("utf-8", "surrogateescape") for p in data.split(sep) if p.strip()]


def link_tree(repo: Path, dest: Path, paths: list[str]) -> LinkReport:
    # Plain strings and os calls: pathlib costs more than the links on 30,000 small files.
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    root, out = os.fspath(repo), os.fspath(dest)
    linked, symlinks = 0, []
    made: set[str] = {""}
    for rel in paths:
        src = f"{root}/{rel}"
        try:
            mode = os.lstat(src).st_mode
        except FileNotFoundError:
            continue  # tracked but deleted in the work tree
        if stat.S_ISLNK(mode):
            # A symlink may point outside the repository; its target is never packed.
            symlinks.append(rel)
            continue
        if not stat.S_ISREG(mode) or not _safe_relative(rel):
            continue
        parent = rel.rpartition("/")[0]
        if parent not in made:
            os.makedirs(f"{out}/{parent}", exist_ok=True)
            made.add(parent)
        link_or_copy(src, f"{out}/{rel}")
        linked += 1
    return LinkReport(linked, tuple(symlinks))


def run(repo: Path, dest: Path, stream: BinaryIO) -> LinkReport:
    paths = read_paths(stream)
    if not paths:
        raise InputError("no files selected: the recipe's codebase pathspecs match no tracked file",
                         hint="check `codebase:` in the recipe against `git ls-files`")
    return link_tree(repo, dest, paths)
