"""RepoView against a real temporary git repository: what git tracks, ignores, and what escapes."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from twostep.errors import InputError
from twostep.planfiles import resolve
from twostep.planfiles.repoview import RepoView
from twostep.tools import git as gitrepo

WEIRD = ["name with spaces.md", "$weird.sh", "quote'd\".txt", "ünï cødé.md",
         "dash-dir/a.b/c@d/+e.go"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("world")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("s3cret\n")
    repo = base / "repo"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    files = {"README.md": "hi\n", "src/main.go": "package main\n", ".gitignore": ".env\nbuild/\n",
             "later.txt": "regular for now\n", "deleted.txt": "bye\n",
             **dict.fromkeys(WEIRD, "x\n")}
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    os.symlink(outside / "secret.txt", repo / "out-link.txt")
    os.symlink("README.md", repo / "in-link.md")
    os.symlink(outside, repo / "dir-out")
    os.symlink(".env", repo / "to-ignored.txt")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    # After the commit: ignored and untracked files, a tracked file swapped for an escaping
    # symlink, and a tracked file deleted from the working tree.
    (repo / ".env").write_text("TOKEN=1\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.js").write_text("x\n")
    (repo / "scratch.go").write_text("package main\n")
    (repo / "src" / "wip").mkdir()
    (repo / "src" / "wip" / "draft.go").write_text("package wip\n")
    (repo / "later.txt").unlink()
    os.symlink(outside / "secret.txt", repo / "later.txt")
    (repo / "deleted.txt").unlink()
    return repo, outside


@pytest.fixture(scope="module")
def view(world) -> RepoView:
    return RepoView.from_git(str(world[0] / "src"))  # from a subdirectory, like a user would


def test_root_and_tracked(world, view):
    repo, _ = world
    assert view.root == str(repo)
    for name in ["README.md", "src/main.go", ".gitignore", *WEIRD, "out-link.txt", "in-link.md"]:
        assert view.is_tracked(name), name
    assert not view.is_tracked(".env") and not view.is_tracked("scratch.go")
    assert view.is_dir("src") and view.is_dir("dash-dir/a.b") and not view.is_dir("build")


def test_classify(view):
    got = view.classify([".env", "build/out.js", "build/never.js", "scratch.go", "nope.go",
                         "dir-out/secret.txt"], near=["out.js"])
    assert got[".env"] == "git-ignored"
    assert got["build/out.js"] == "git-ignored"
    assert got["build/never.js"] == "git-ignored"
    assert got["scratch.go"].startswith("untracked")
    assert "nope.go" not in got
    assert got["dir-out/secret.txt"] == "beyond the symbolic link dir-out"


def test_classify_by_name_finds_untracked_elsewhere(view):
    assert view.classify(["draft.go"], near=["draft.go"]) == {
        "draft.go": "untracked (not in git) (src/wip/draft.go)"}
    assert view.classify(["draft.go"]) == {}  # not for a file the plan wants to create


def test_unsafe_reasons(view):
    assert view.unsafe_reason("README.md") is None
    assert view.unsafe_reason("in-link.md") is None
    assert "outside the repository" in view.unsafe_reason("out-link.txt")
    assert "outside the repository" in view.unsafe_reason("dir-out")
    assert "outside the repository" in view.unsafe_reason("later.txt")  # swapped after commit
    assert "not a tracked file" in view.unsafe_reason("to-ignored.txt")
    assert "missing" in view.unsafe_reason("deleted.txt")
    for name in WEIRD:
        assert view.unsafe_reason(name) is None


def test_resolve_end_to_end(world, view):
    _, outside = world
    plan = "\n".join([
        "Edit `src/main.go`, `name with spaces.md`, `$weird.sh`, `quote'd\".txt`, `ünï cødé.md`,",
        "`dash-dir/a.b/c@d/+e.go` and `in-link.md`.",
        "Do not touch `.env`, `build/out.js`, `scratch.go`, `out-link.txt`, `later.txt`,",
        "`to-ignored.txt`, `dir-out/secret.txt`, `.git/config`, `deleted.txt`,",
        f"`{outside}/secret.txt` or `../outside/secret.txt`.",
    ])
    res = resolve(plan, view)
    assert res.files == tuple(sorted(["src/main.go", "in-link.md", *WEIRD]))
    refused = {r.mention.text for r in res.refused}
    assert refused == {".env", "build/out.js", "scratch.go", "out-link.txt", "later.txt",
                       "to-ignored.txt", "dir-out/secret.txt", ".git/config", "deleted.txt",
                       f"{outside}/secret.txt", "../outside/secret.txt"}


def test_not_a_repository(tmp_path):
    with pytest.raises(InputError, match="not inside a git repository"):
        RepoView.from_git(str(tmp_path))


def test_git_calls_are_few(world, monkeypatch):
    calls = []
    real = gitrepo.run

    def spy(*args, **kwargs):
        words = list(args)
        while words and words[0] in ("-C", "-c"):  # global options and their values
            words = words[2:]
        calls.append(words[0])
        return real(*args, **kwargs)
    monkeypatch.setattr(gitrepo, "run", spy)
    view = RepoView.from_git(str(world[0]))
    assert calls == ["rev-parse", "ls-files"]
    plan = "Read `a.go`, `b.go`, `c/d.go`, `.env`, scratch.go, `e.go`, `f.go`, `src/main.go`."
    resolve(plan, view)
    assert calls[2:] == ["check-ignore", "ls-files"]  # batched, whatever the count


def test_large_repository_is_fast(tmp_path):
    """50k tracked files: building the view and resolving a plan stay well under a second of
    CPU time (the in-memory view runs no process and reads no file; the time other pytest
    workers take from the CPU meanwhile is not the resolver's)."""
    tracked = [f"pkg{i % 500}/sub{i % 37}/file_{i}.go" for i in range(50_000)]
    tracked += ["internal/http-server/handler.go", "Makefile"]
    start = time.process_time()
    view = RepoView.from_paths(str(tmp_path), tracked)
    plan = "\n".join(f"- Edit `pkg{i}/sub{i % 37}/file_{i}.go:{i}` and file_{i + 1}.go"
                     for i in range(200))
    res = resolve(plan + "\nAlso `handler.go`, the Makefile and `nope/x.go`.", view)
    assert time.process_time() - start < 1.0
    assert "internal/http-server/handler.go" in res.files and "Makefile" in res.files
