"""Checkpoints of the work tree as git commits on private refs; rollback to one of them.

A checkpoint is a commit object whose tree is the whole work tree as it stands: tracked files as
they are on disk (not as staged), deleted ones gone, and untracked files that are not ignored.
It is built in a scratch index (GIT_INDEX_FILE in a temporary directory), so the user's index,
HEAD, branch and stash are never written; only objects and refs under refs/twostep/ are added.

The scratch index starts as a copy of the user's index (read, never written), or from HEAD's
tree with `git read-tree` when there is no index yet. The copy keeps git's stat cache, so
`git add -A` hashes only the files that changed instead of every file; and it keeps the
skip-worktree bits of a sparse checkout, which HEAD's tree would turn into "deleted" files.

`restore` makes the work tree match a checkpoint's tree:
* files the checkpoint has are written (git checkout-index from a scratch index, so filters,
  modes and symlinks come out as git would check them out);
* files the work tree has now, tracked or untracked-but-not-ignored, that the checkpoint has
  not, are deleted. A checkpoint records every untracked, non-ignored file that existed when it
  was taken, so a file missing from it was created after it;
* ignored files are never deleted or overwritten. Ignored by whom: a file the checkpoint's own
  .gitignore files ignore stays, even when the run un-ignored it (the checkpoint could not have
  recorded it). A path the checkpoint has where the work tree now has an ignored file, or a
  directory holding anything restore does not delete, makes restore refuse before it starts;
* submodules and embedded repositories are left as they are;
* with `expected`, restore refuses when the work tree differs from that checkpoint (work done
  after it), so a rollback never throws away later work. Without it, the state before the
  restore is kept as a commit all the same, returned, so nothing is lost either way.
The user's index is not touched, even by restore: `git status` stays truthful because git
re-reads any file whose stat data no longer matches the index, and what was staged stays staged.
All paths travel NUL-separated (-z, --stdin) and as bytes: any file name survives.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from twostep.errors import InputError, StepFailed

REF_PREFIX = "refs/twostep/"
_IDENTITY = {"GIT_AUTHOR_NAME": "twostep", "GIT_AUTHOR_EMAIL": "twostep@localhost",
             "GIT_COMMITTER_NAME": "twostep", "GIT_COMMITTER_EMAIL": "twostep@localhost"}
# Variables that would point git at another repository or index than the one we name.
_SCRUB = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX",
          "GIT_NAMESPACE", "GIT_OBJECT_DIRECTORY")
# No hooks (post-index-change would fire for the scratch index), no refusal over line endings,
# no split index (it would write a shared index file next to the user's).
_CONFIG = ("-c", f"core.hooksPath={os.devnull}", "-c", "core.safecrlf=false",
           "-c", "core.splitIndex=false", "-c", "advice.addEmbeddedRepo=false")
_GITLINK = b"160000"


def snapshot(repo: Path, *, parent: str | None, message: str) -> str:
    """Record the work tree as a commit (not on any branch); return its id."""
    with _scratch_index() as index:
        tree = _worktree_tree(repo, index)
    return _commit_tree(repo, tree, parent, message)


def save(repo: Path, ref: str, commit: str) -> None:
    """Point a private ref (refs/twostep/...) at a checkpoint, so git keeps it."""
    if not ref.startswith(REF_PREFIX) or _try(repo, "check-ref-format", ref)[0]:
        raise InputError(f"not a twostep checkpoint ref: {ref!r}",
                         hint=f"checkpoint refs are named {REF_PREFIX}<run>/<name>")
    _git(repo, "update-ref", "-m", "twostep checkpoint", ref, _verify(repo, commit))


def lookup(repo: Path, ref: str) -> str | None:
    """The commit a ref points at, or None when there is no such ref."""
    code, out = _try(repo, "rev-parse", "-q", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    return out.decode().strip() if code == 0 else None


def changed_since(repo: Path, commit: str) -> list[str]:
    """Paths whose work-tree state differs from the checkpoint: changed, created or deleted."""
    with _scratch_index() as index:
        tree = _worktree_tree(repo, index)
    return [os.fsdecode(path) for _, _, path in _diff(repo, _verify(repo, commit), tree)]


def restore(repo: Path, commit: str, *, expected: str | None) -> str:
    """Make the work tree match `commit`'s tree (see the module docstring for exactly what is
    and is not touched). Return a commit holding the work tree as it was just before."""
    target = _verify(repo, commit)
    with _scratch_index() as index:
        current = _worktree_tree(repo, index)
    if expected is not None:
        _refuse_later_work(repo, _verify(repo, expected), current)
    before = _commit_tree(repo, current, expected, f"twostep: work tree before restoring {target}")
    changes = [(a, b, p) for a, b, p in _diff(repo, current, target)
               if _GITLINK not in (a, b)]  # submodules and embedded repositories stay as they are
    deletes = [p for _, b, p in changes if b == b"000000"]
    deletes = [p for p in deletes if p not in _ignored_at(repo, target, changes, deletes)]
    writes = [p for _, b, p in changes if b != b"000000"]
    root = os.fsencode(repo)
    _refuse_clobbering(root, {p for a, _, p in changes if a == b"000000"}, set(deletes))
    for path in deletes:
        _delete(root, path)
    if writes:
        with _scratch_index() as index:
            _git(repo, "read-tree", target, index=index)
            _git(repo, "checkout-index", "-f", "-z", "--stdin", index=index,
                 stdin=b"".join(p + b"\0" for p in writes))
    return before


def _ignored_at(repo: Path, target: str, changes: list[tuple[bytes, bytes, bytes]],
                paths: list[bytes]) -> set[bytes]:
    """Which of `paths` the target's .gitignore files ignore. A file ignored when the checkpoint
    was taken is not in it; when the run un-ignored it, it is in the work tree's state now, but
    it is no file of the run's: it stays. Asked only when a .gitignore differs."""
    if not paths or not any(p.rsplit(b"/", 1)[-1] == b".gitignore" for _, _, p in changes):
        return set()
    gitdir = _git(repo, "rev-parse", "--absolute-git-dir").rstrip(b"\n")
    with tempfile.TemporaryDirectory(prefix="twostep-ignore-") as tmp:
        _lay_out_ignore_files(repo, target, os.fsencode(tmp))
        # Against that tree of ignore files; the user's index still says what is tracked.
        proc = _run(Path(tmp), ("check-ignore", "-z", "--stdin"), None,
                    b"".join(p + b"\0" for p in paths),
                    {"GIT_DIR": os.fsdecode(gitdir), "GIT_WORK_TREE": tmp})
    if proc.returncode not in (0, 1):
        raise StepFailed("checkpoint: git check-ignore failed: "
                         + proc.stderr.decode(errors="replace").strip(), step="checkpoint",
                         code=proc.returncode)
    return set(proc.stdout.split(b"\0")) - {b""}


def _lay_out_ignore_files(repo: Path, target: str, into: bytes) -> None:
    for entry in _git(repo, "ls-tree", "-r", "-z", target).split(b"\0"):
        meta, _, path = entry.partition(b"\t")  # "100644 blob SHA" TAB path
        if path.rsplit(b"/", 1)[-1] == b".gitignore" and meta.startswith(b"100"):
            dest = os.path.join(into, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as out:
                out.write(_git(repo, "cat-file", "blob", meta.split()[2].decode()))


def _refuse_later_work(repo: Path, expected: str, current: str) -> None:
    later = [os.fsdecode(p) for _, _, p in _diff(repo, expected, current)]
    if later:
        shown = ", ".join(repr(p) for p in later[:5]) + (", …" if len(later) > 5 else "")
        raise InputError(
            f"the work tree has changed since checkpoint {expected[:12]}: {len(later)} path(s) "
            f"({shown}); rolling back would throw that work away",
            hint=f"commit or copy those changes first, then roll back; `git diff --stat "
                 f"{expected[:12]}` shows them")


def _refuse_clobbering(root: bytes, created: set[bytes], deletes: set[bytes]) -> None:
    """Before anything is touched: a file the checkpoint brings back must not land on an
    ignored file, or on a directory that holds anything restore does not delete."""
    blocked = []
    for path in sorted(created):
        full = os.path.join(root, path)
        if os.path.isdir(full) and not os.path.islink(full):
            if not _only(full, path, deletes):
                blocked.append(path)
        elif os.path.lexists(full) or _file_in_the_way(root, path, deletes):
            blocked.append(path)
    if blocked:
        names = ", ".join(repr(os.fsdecode(p)) for p in blocked[:5])
        raise InputError(
            f"cannot restore {len(blocked)} path(s) without overwriting files git does not "
            f"track here (ignored files or directories): {names}",
            hint="move those files or directories away, then roll back again")


def _only(full: bytes, rel: bytes, deletes: set[bytes]) -> bool:
    """Does a directory hold nothing but files that restore deletes?"""
    with os.scandir(full) as entries:
        for entry in entries:
            sub = rel + b"/" + entry.name
            if entry.is_dir(follow_symlinks=False):
                if not _only(entry.path, sub, deletes):
                    return False
            elif sub not in deletes:
                return False
    return True


def _file_in_the_way(root: bytes, path: bytes, deletes: set[bytes]) -> bool:
    """A parent of `path` that exists as a file or symlink and is not going away."""
    parts = path.split(b"/")[:-1]
    for k in range(1, len(parts) + 1):
        parent = b"/".join(parts[:k])
        full = os.path.join(root, parent)
        if os.path.lexists(full) and (os.path.islink(full) or not os.path.isdir(full)):
            return parent not in deletes
    return False


def _delete(root: bytes, path: bytes) -> None:
    full = os.path.join(root, path)
    if os.path.islink(full) or os.path.isfile(full):
        os.unlink(full)
    parent = os.path.dirname(path)
    while parent:  # git tracks no empty directories: prune the ones this leaves behind
        try:
            os.rmdir(os.path.join(root, parent))
        except OSError:
            break
        parent = os.path.dirname(parent)


def _diff(repo: Path, old: str, new: str) -> list[tuple[bytes, bytes, bytes]]:
    """(old mode, new mode, path) of every path that differs; mode 000000 where absent."""
    out = _git(repo, "diff-tree", "-r", "-z", "--raw", "--no-renames", "--end-of-options",
               old, new)
    fields = out.split(b"\0")
    rows = []
    for k in range(0, len(fields) - 1, 2):  # ":100644 100644 abc def M" NUL path NUL
        meta = fields[k].lstrip(b":").split(b" ")
        rows.append((meta[0], meta[1], fields[k + 1]))
    return rows


def _worktree_tree(repo: Path, index: Path) -> str:
    _seed(repo, index)
    _git(repo, "add", "-A", index=index)
    return _git(repo, "write-tree", index=index).decode().strip()


def _seed(repo: Path, index: Path) -> None:
    own = _git(repo, "rev-parse", "--path-format=absolute", "--git-path", "index")
    own_path = os.fsdecode(own.rstrip(b"\n"))
    if os.path.isfile(own_path):
        # A read of the user's index, never a write. copy2 keeps its mtime: git trusts the
        # stat data of entries older than the index file, and rehashes the rest ("racy git");
        # a fresh mtime would make a file edited in the same second as `git add` look clean.
        shutil.copy2(own_path, index)
    elif lookup(repo, "HEAD"):
        _git(repo, "read-tree", "HEAD", index=index)


def _commit_tree(repo: Path, tree: str, parent: str | None, message: str) -> str:
    args = ["commit-tree", "--no-gpg-sign", tree]
    if parent:
        args += ["-p", _verify(repo, parent)]
    return _git(repo, *args, stdin=message.encode()).decode().strip()


def _verify(repo: Path, rev: str) -> str:
    """The full id of a commit, so that no argument we pass on can be read as an option."""
    code, out = _try(repo, "rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}")
    if code or not re.fullmatch(rb"[0-9a-f]{40,64}\n?", out):
        raise InputError(f"no such checkpoint commit: {rev!r}",
                         hint="list a run's checkpoints with `git for-each-ref refs/twostep/`")
    return out.decode().strip()


@contextmanager
def _scratch_index() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="twostep-index-") as tmp:
        yield Path(tmp) / "index"


def _git(repo: Path, *args: str, index: Path | None = None, stdin: bytes | None = None) -> bytes:
    proc = _run(repo, args, index, stdin)
    if proc.returncode:
        err = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise StepFailed(f"checkpoint: git {args[0]} failed (exit {proc.returncode}): "
                         + " / ".join(err), step="checkpoint", code=proc.returncode)
    return proc.stdout


def _try(repo: Path, *args: str) -> tuple[int, bytes]:
    proc = _run(repo, args, None, None)
    return proc.returncode, proc.stdout


def _run(repo: Path, args: tuple[str, ...], index: Path | None, stdin: bytes | None,
         extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env.update(_IDENTITY)
    env.update(extra_env or {})
    if index is not None:
        env["GIT_INDEX_FILE"] = str(index)
    return subprocess.run(["git", *_CONFIG, *args], cwd=repo, env=env, input=stdin,
                          capture_output=True, check=False)
