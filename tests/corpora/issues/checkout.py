"""Checkouts of the real-issue corpus: each repository at an issue's base commit, as a git
repository of its own under a cache directory, outside this one.

The objects come from a local mirror (`MIRRORS/owner+name/repo`, a bare git directory, as the
search tool's `fetch` leaves it), else from a bare clone of https://github.com/owner/name made in
the cache. The tree is written blob by blob (`git cat-file --batch`), so a mirror that lacks a few
large blobs still gives a checkout (those files are absent, as they would be from any snapshot);
symlinks stay symlinks, submodules are skipped. A finished checkout carries a marker naming its
commit and is reused as is.

    python tests/corpora/issues/checkout.py CACHE [MIRRORS]   # every checkout of the corpus
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import yaml

CORPUS = Path(__file__).with_name("corpus.yaml")
MARKER = ".git/twostep-corpus"
DEFAULT_MIRRORS = Path("/work/.mirror")


def _git(*args: str, cwd: Path | None = None, data: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, input=data, check=True,
                          capture_output=True).stdout


def git_dir(repo: str, cache: Path, mirrors: Path | None) -> Path:
    """A bare git directory holding `repo`'s history: the mirror's, or a clone in the cache."""
    slug = repo.replace("/", "+")
    for root in (mirrors, DEFAULT_MIRRORS):
        if root is not None and (root / slug / "repo").is_dir():
            return root / slug / "repo"
    bare = cache / "clones" / f"{slug}.git"
    if not bare.is_dir():
        bare.parent.mkdir(parents=True, exist_ok=True)
        _git("clone", "--bare", "--quiet", f"https://github.com/{repo}", str(bare))
    return bare


def _write_tree(gitdir: Path, commit: str, dest: Path) -> int:
    """Write `commit`'s tree into `dest`; the number of blobs the git directory lacks."""
    listing = _git("--git-dir", str(gitdir), "ls-tree", "-r", "-z", commit).split(b"\0")
    entries = []
    for raw in filter(None, listing):
        meta, _, path = raw.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob":
            entries.append((mode.decode(), sha.decode(), os.fsdecode(path)))
    proc = subprocess.Popen(["git", "--git-dir", str(gitdir), "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    request = "".join(f"{sha}\n" for _, sha, _ in entries).encode()
    feeder = threading.Thread(target=lambda: (proc.stdin.write(request), proc.stdin.close()))
    feeder.start()  # written while the answers are read: both pipes would fill up otherwise
    missing = 0
    for mode, _, path in entries:
        header = proc.stdout.readline().split()
        if header[-1] == b"missing":
            missing += 1
            continue
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)  # the newline after each object
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            os.symlink(os.fsdecode(data), target)
        else:
            target.write_bytes(data)
            if mode == "100755":
                target.chmod(0o755)
    feeder.join()
    proc.wait()
    return missing


def checkout(repo: str, commit: str, cache: Path, mirrors: Path | None = None) -> Path:
    """`repo` at `commit` under `cache`, built or reused."""
    dest = cache / f"{repo.replace('/', '+')}@{commit[:12]}"
    marker = dest / MARKER
    if marker.is_file() and marker.read_text().strip() == commit:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    missing = _write_tree(git_dir(repo, cache, mirrors), commit, dest)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", "-f", cwd=dest)  # the tree as committed, .gitignore or not
    _git("-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid", "commit", "-qm",
         f"{repo} {commit} ({missing} blobs absent from the mirror)", "--date",
         "2000-01-01T00:00:00Z", cwd=dest)
    marker.write_text(commit + "\n")
    return dest


def load(path: Path = CORPUS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: checkout.py CACHE [MIRRORS]")
    where = Path(sys.argv[2]) if len(sys.argv) == 3 else None
    for issue in load()["issues"]:
        print(issue["id"], checkout(issue["repo"], issue["base"], Path(sys.argv[1]), where))
