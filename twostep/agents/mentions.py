"""Refuse executor input that would make claude read files it must not send.

claude attaches the file behind every `@path` mention in its input, stdin included, even
outside its working directory (tested: `@/abs/secret.txt` in stdin reached the API). The
regular expressions below are the ones claude 2.1.197 uses for mentions (found in its
binary). A mention is allowed when it names nothing, or a tracked file, or a directory,
inside the repository; anything else (outside the repository, untracked, ignored, .git/)
stops the run before the executor is called.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from twostep.tools import git as gitrepo

_SEP = r"(?:^|[\s\u3002\u3001\uFF1F\uFF01])"
QUOTED = re.compile(_SEP + r'@"([^"]+)"')
BARE = re.compile(_SEP + r"@([^\s\"]+)\b")


@dataclass(frozen=True)
class AtMention:
    file: str
    line: int
    text: str
    reason: str


def mentions(line: str) -> list[str]:
    found = [m.group(1) for m in QUOTED.finditer(line)]
    found += [m.group(1) for m in BARE.finditer(line)]
    return [f.split("#", 1)[0] for f in found if f.split("#", 1)[0]]


def _verdict(text: str, repo: Path, tracked: set[str]) -> str | None:
    """Why claude must not read `text`, or None when it may (or when it names nothing)."""
    path = Path(os.path.expanduser(text))
    full = path if path.is_absolute() else repo / path
    try:
        exists = full.exists()
    except OSError:
        return None
    if not exists:
        return None
    real = Path(os.path.realpath(full))
    try:
        rel = real.relative_to(repo.resolve()).as_posix()
    except ValueError:
        return "outside the repository"
    if rel == ".git" or rel.startswith(".git/"):
        return "inside .git/"
    if real.is_dir():
        return None
    return None if rel in tracked else "not a tracked file (untracked or ignored)"


def scan(repo: Path, files: Iterable[Path]) -> list[AtMention]:
    tracked = set(gitrepo.ls_files(repo, ()))
    bad: list[AtMention] = []
    for file in files:
        if not file.is_file():
            continue
        with file.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if "@" not in line:
                    continue
                for text in mentions(line):
                    reason = _verdict(text, repo, tracked)
                    if reason:
                        bad.append(AtMention(str(file), number, text, reason))
    return bad
