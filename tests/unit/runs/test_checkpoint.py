"""Checkpoints: the work tree as commits on private refs, restored without losing anyone's work.

Every test checks that the user's index, HEAD, branch and stash are exactly as they were.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from twostep.errors import InputError
from twostep.runs import checkpoint as ck

HOSTILE = ["with space.txt", "quote\"and'apos.txt", "new\nline.txt", "-leading-dash.txt",
           "tab\there.txt", "[glob]*?.txt", "ünïcödé.txt", "back\\slash.txt"]
NON_UTF8 = os.fsdecode(b"latin1-\xe9\xff.txt")  # round-trips through surrogateescape


def git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-c", "user.name=u", "-c", "user.email=u@example.com", *args],
                          cwd=repo, input=stdin, capture_output=True, check=True).stdout


def make_repo(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, text in (files or {"README.md": "hello\n", "src/app.py": "print(1)\n",
                                 ".gitignore": "*.log\nbuild/\n"}).items():
        write(repo, name, text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def write(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def user_state(repo: Path) -> tuple[bytes, ...]:
    """What the user owns: the index (bytes and entries), staged diff, HEAD, branch, stash,
    and every ref outside refs/twostep/. Read with commands that never write the index."""
    index = (repo / ".git" / "index").read_bytes()
    refs = b"\n".join(line for line in git(repo, "for-each-ref").splitlines()
                      if b"refs/twostep/" not in line)
    return (hashlib.sha256(index).digest(), git(repo, "ls-files", "-s", "-z"),
            git(repo, "diff", "--cached", "--binary"), git(repo, "rev-parse", "HEAD"),
            git(repo, "symbolic-ref", "HEAD"), git(repo, "stash", "list"), refs)


def tree_files(commit: str, repo: Path) -> set[str]:
    out = git(repo, "ls-tree", "-r", "-z", "--name-only", commit)
    return {os.fsdecode(p) for p in out.split(b"\0") if p}


def disk(repo: Path) -> dict[str, bytes]:
    """Every file under the work tree (ignored ones too), .git excluded: path -> content."""
    out: dict[str, bytes] = {}
    for path in _walk(repo):
        rel = os.fsdecode(os.path.relpath(path, os.fsencode(repo)))
        out[rel] = b"->" + os.readlink(path) if os.path.islink(path) else Path(
            os.fsdecode(path)).read_bytes()
    return out


def _walk(repo: Path) -> Iterator[bytes]:
    for root, dirs, files in os.walk(os.fsencode(repo)):
        dirs[:] = [d for d in dirs if d != b".git"]
        for d in dirs:
            if os.path.islink(os.path.join(root, d)):
                yield os.path.join(root, d)
        for f in files:
            yield os.path.join(root, f)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose user has staged a change, stashed another, and has an untracked
    file and an ignored one: all of which a checkpoint must leave as they are."""
    repo = make_repo(tmp_path)
    write(repo, "README.md", "stashed edit\n")
    git(repo, "stash", "-q")
    write(repo, "src/app.py", "print(2)\n")
    git(repo, "add", "src/app.py")  # staged
    write(repo, "src/app.py", "print(3)\n")  # and edited again, unstaged
    write(repo, "notes.txt", "the user's own untracked notes\n")
    write(repo, "debug.log", "ignored\n")
    return repo


def test_snapshot_records_the_work_tree_and_touches_nothing_of_the_user(repo: Path) -> None:
    before = user_state(repo)
    commit = ck.snapshot(repo, parent=None, message="twostep: before run r1")
    assert user_state(repo) == before
    assert tree_files(commit, repo) == {".gitignore", "README.md", "src/app.py", "notes.txt"}
    assert git(repo, "show", f"{commit}:src/app.py") == b"print(3)\n"  # the disk, not the index
    log = git(repo, "log", "-1", "--format=%s%n%an", commit)
    assert log == b"twostep: before run r1\ntwostep\n"
    ck.save(repo, "refs/twostep/r1/base", commit)
    assert ck.lookup(repo, "refs/twostep/r1/base") == commit
    assert ck.lookup(repo, "refs/twostep/r1/task-9") is None
    child = ck.snapshot(repo, parent=commit, message="task 1")
    assert git(repo, "rev-parse", f"{child}^").strip().decode() == commit
    assert user_state(repo) == before


def test_save_only_writes_private_refs(repo: Path) -> None:
    commit = ck.snapshot(repo, parent=None, message="m")
    for bad in ("refs/heads/main", "HEAD", "refs/twostep/bad..name", "refs/twostep/x y"):
        with pytest.raises(InputError):
            ck.save(repo, bad, commit)
    with pytest.raises(InputError):
        ck.save(repo, "refs/twostep/r1/task-1", "--output=/tmp/x")
    assert git(repo, "rev-parse", "main") == git(repo, "rev-parse", "HEAD")


def test_changed_since_names_modified_created_and_deleted_paths(repo: Path) -> None:
    commit = ck.snapshot(repo, parent=None, message="m")
    assert ck.changed_since(repo, commit) == []
    write(repo, "src/app.py", "print(4)\n")
    write(repo, "pkg/new.py", "x = 1\n")
    (repo / ".gitignore").unlink()  # debug.log now counts as untracked too
    write(repo, "build/out.bin", "still ignored? no: the ignore file is gone\n")
    assert ck.changed_since(repo, commit) == [
        ".gitignore", "build/out.bin", "debug.log", "pkg/new.py", "src/app.py"]


def test_restore_undoes_a_run_and_keeps_ignored_and_earlier_untracked_files(repo: Path) -> None:
    state, files = user_state(repo), disk(repo)
    base = ck.snapshot(repo, parent=None, message="base")
    write(repo, "src/app.py", "print('run')\n")  # modified by the run
    (repo / "README.md").unlink()  # deleted by the run
    write(repo, "src/feature/deep/new.py", "new\n")  # created, in new directories
    write(repo, "build/artifact.o", "ignored output of the run\n")
    os.chmod(repo / ".gitignore", 0o755)  # a mode change
    os.symlink("src/app.py", repo / "link-to-app")
    done = ck.snapshot(repo, parent=base, message="task 1")
    before_restore = ck.restore(repo, base, expected=done)
    assert disk(repo) == {**files, "build/artifact.o": b"ignored output of the run\n"}
    assert not (repo / "src" / "feature").exists()  # the directories it made are gone too
    assert not os.access(repo / ".gitignore", os.X_OK)
    assert tree_files(before_restore, repo) == tree_files(done, repo)
    assert ck.changed_since(repo, base) == []
    assert user_state(repo) == state


def test_restore_refuses_when_work_was_done_after_the_checkpoint(repo: Path) -> None:
    base = ck.snapshot(repo, parent=None, message="base")
    write(repo, "src/app.py", "print('task 1')\n")
    task1 = ck.snapshot(repo, parent=base, message="task 1")
    write(repo, "src/app.py", "print('the user fixed it by hand')\n")
    write(repo, "later.txt", "the user's later file\n")
    files = disk(repo)
    with pytest.raises(InputError) as err:
        ck.restore(repo, base, expected=task1)
    assert "'later.txt', 'src/app.py'" in str(err.value)
    assert "throw that work away" in str(err.value)
    assert err.value.hint and "git diff --stat" in err.value.hint
    assert disk(repo) == files  # nothing was touched


def test_restore_to_a_middle_checkpoint(repo: Path) -> None:
    base = ck.snapshot(repo, parent=None, message="base")
    write(repo, "a.py", "1\n")
    t1 = ck.snapshot(repo, parent=base, message="task 1")
    files_at_t1 = disk(repo)
    write(repo, "a.py", "2\n")
    write(repo, "b.py", "2\n")
    t2 = ck.snapshot(repo, parent=t1, message="task 2")
    ck.restore(repo, t1, expected=t2)
    assert disk(repo) == files_at_t1
    ck.restore(repo, base, expected=t1)
    assert not (repo / "a.py").exists() and (repo / "notes.txt").exists()


def test_hostile_file_names_survive_snapshot_and_restore(repo: Path) -> None:
    state = user_state(repo)
    base = ck.snapshot(repo, parent=None, message="base")
    names = [*HOSTILE, NON_UTF8, "dir with space/" + HOSTILE[2]]
    for name in names:
        write(repo, name, f"content of {name!r}\n")
    t1 = ck.snapshot(repo, parent=base, message="task 1")
    assert set(names) <= tree_files(t1, repo)
    assert sorted(ck.changed_since(repo, base)) == sorted(names)
    with_names = disk(repo)
    ck.restore(repo, base, expected=t1)
    assert not any((repo / n).exists() for n in names) and not (repo / "dir with space").exists()
    ck.restore(repo, t1, expected=base)  # and forward again: written back byte for byte
    assert disk(repo) == with_names
    assert user_state(repo) == state


def test_restore_never_overwrites_an_ignored_file(repo: Path) -> None:
    write(repo, "out.txt", "recorded\n")
    base = ck.snapshot(repo, parent=None, message="base")
    write(repo, ".gitignore", "*.log\nbuild/\nout.txt\n")
    write(repo, "out.txt", "now ignored, and precious\n")
    later = ck.snapshot(repo, parent=base, message="task 1")
    with pytest.raises(InputError, match=re.escape("out.txt")):
        ck.restore(repo, base, expected=later)
    assert (repo / "out.txt").read_text() == "now ignored, and precious\n"
    assert "out.txt" in (repo / ".gitignore").read_text()  # refused before touching anything


def test_without_expected_the_state_before_is_still_kept(repo: Path) -> None:
    base = ck.snapshot(repo, parent=None, message="base")
    write(repo, "unsaved.txt", "typed after the checkpoint\n")
    before = ck.restore(repo, base, expected=None)
    assert not (repo / "unsaved.txt").exists()
    assert git(repo, "show", f"{before}:unsaved.txt") == b"typed after the checkpoint\n"


def test_an_embedded_repository_created_by_the_run_is_left_alone(repo: Path) -> None:
    base = ck.snapshot(repo, parent=None, message="base")
    inner = repo / "vendor" / "lib"
    inner.mkdir(parents=True)
    git(inner, "init", "-q")
    write(inner, "x.c", "int x;\n")
    git(inner, "add", "x.c")
    git(inner, "commit", "-q", "-m", "inner")
    later = ck.snapshot(repo, parent=base, message="task 1")
    ck.restore(repo, base, expected=later)
    assert (inner / "x.c").read_text() == "int x;\n" and (inner / ".git").is_dir()


def test_a_repository_without_commits(tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, "a.txt", "a\n")
    first = ck.snapshot(repo, parent=None, message="base")
    assert tree_files(first, repo) == {"a.txt"}
    write(repo, "b.txt", "b\n")
    later = ck.snapshot(repo, parent=first, message="task 1")
    ck.restore(repo, first, expected=later)
    assert sorted(p.name for p in repo.iterdir()) == [".git", "a.txt"]
    assert git(repo, "status", "--porcelain") == b"?? a.txt\n"


def test_the_callers_git_environment_cannot_redirect_it(repo: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other-index"
    monkeypatch.setenv("GIT_INDEX_FILE", str(other))
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "nowhere"))
    commit = ck.snapshot(repo, parent=None, message="m")
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.delenv("GIT_INDEX_FILE")
    assert "notes.txt" in tree_files(commit, repo) and not other.exists()


def test_files_and_directories_that_swapped_places(repo: Path) -> None:
    write(repo, "x", "a file\n")
    write(repo, "d/f.txt", "a file in a directory\n")
    base = ck.snapshot(repo, parent=None, message="base")
    files = disk(repo)
    (repo / "x").unlink()
    write(repo, "x/y.txt", "x is a directory now\n")
    (repo / "d" / "f.txt").unlink()
    (repo / "d").rmdir()
    write(repo, "d", "d is a file now\n")
    later = ck.snapshot(repo, parent=base, message="task 1")
    ck.restore(repo, base, expected=later)
    assert disk(repo) == files


def test_a_directory_holding_ignored_files_blocks_the_restore(repo: Path) -> None:
    write(repo, "x", "a file\n")
    base = ck.snapshot(repo, parent=None, message="base")
    (repo / "x").unlink()
    write(repo, "x/y.txt", "x is a directory now\n")
    write(repo, "x/cache.log", "ignored, inside it\n")
    later = ck.snapshot(repo, parent=base, message="task 1")
    with pytest.raises(InputError, match="'x'"):
        ck.restore(repo, base, expected=later)
    assert (repo / "x" / "y.txt").exists() and (repo / "x" / "cache.log").exists()


def test_a_file_ignored_before_the_run_stays_when_the_run_unignored_it(repo: Path) -> None:
    base = ck.snapshot(repo, parent=None, message="base")
    assert "debug.log" not in tree_files(base, repo)  # ignored: the checkpoint never knew it
    write(repo, ".gitignore", "build/\n")  # the run drops "*.log" from the ignore file
    write(repo, "run.log", "written by the run, ignored again after the rollback\n")
    later = ck.snapshot(repo, parent=base, message="task 1")
    assert {"debug.log", "run.log"} <= tree_files(later, repo)
    ck.restore(repo, base, expected=later)
    assert (repo / "debug.log").read_text() == "ignored\n"
    assert (repo / ".gitignore").read_text() == "*.log\nbuild/\n"
    assert ck.changed_since(repo, base) == []
