"""File names that are shell syntax stay inert, in execution and in the dry-run script."""

from __future__ import annotations

import subprocess

from tests.support.helpers import ROOT, calls, git, make_repo, standin_env, twostep

NAMES = ["$(touch PWNED).py", "`touch PWNED2`.py", "it's \"q\".py", "a;touch PWNED3.py",
         "-rf.py", "sp ace/x y.py", "new\nline.py", "$HOME.py", "*.py", "#hash.py"]
RECIPE = str(ROOT / "recipes" / "python.yaml")


def _repo(path):
    files = {name: f"VALUE_{i} = {i}\n" for i, name in enumerate(NAMES)}
    files["main.py"] = "print('hi')\n"
    return make_repo(path, files)


def test_hostile_names_are_packed_and_never_executed(tmp_path):
    repo = _repo(tmp_path / "repo")
    twin = _repo(tmp_path / "twin")
    (tmp_path / "spec $(touch PWNED4).md").write_text("spec\n")
    spec = str(tmp_path / "spec $(touch PWNED4).md")
    # Task 2 of the plan creates tests/test_top.py (proof of work: it must).
    env = standin_env(tmp_path, edits=[{"path": "main.py", "content": "# edited\n", "append": True},
                                       {"path": "tests/test_top.py", "content": "# top\n",
                                        "when": "task 2 of 2"}])
    dry = twostep("run", RECIPE, "--spec", spec, "--yes", "--dry-run", cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    ran = twostep("run", RECIPE, "--spec", spec, "--yes", cwd=repo, env=env)
    assert ran.returncode == 0, ran.stderr.decode()
    bashed = subprocess.run(["bash", "-c", dry.stdout.decode()], cwd=twin, env=env,
                            capture_output=True)
    assert bashed.returncode == 0, bashed.stderr.decode()
    for where in (repo, twin, tmp_path, ROOT):
        assert not list(where.glob("PWNED*"))
    stdin = (tmp_path / "standin" / "gemini.stdin").read_text()
    for i in range(len(NAMES)):
        assert f"VALUE_{i} = {i}" in stdin
    assert git(twin, "diff") == git(repo, "diff") != ""
    assert len([c for c in calls(env) if c["tool"] == "gemini"]) == 2
