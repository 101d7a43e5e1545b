"""Tasks side by side (`after:` lines, `--jobs`) with the REAL pinned CLIs against the loopback
fake of the model APIs.

A plan of two independent strands (1 → 3, 2 → 4), each task changing one file of its own:
`--jobs 2` ends with the diff of `--jobs 1`, in four sessions, each given its own file and its
strand's earlier diff only. Two parallel tasks changing one file: the second runs again, alone,
on the merged tree. A fault in one strand; `resume` runs only what is unfinished. A cycle is
refused before any session; `--max-cost` holds with calls side by side; bash of the dry-run
script reproduces the run; every executor CLI runs side by side.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import git, make_repo, twostep
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

FILES = {n: f"{name}.py" for n, name in enumerate(("alpha", "beta", "gamma", "delta"), 1)}
ORIGINAL = {p: f"# {p}: original line {p.upper()}\n" for p in FILES.values()}
ADDED = {n: f"\nDONE_{n} = {n}\n" for n in FILES}


def plan(*tasks: tuple[int, str, str | None]) -> str:
    body = "".join(f"task {n}: Change {path}\n" + (f"after: {after}\n" if after else "")
                   + f"modify: {path}\n" for n, path, after in tasks)
    return f"# Plan\n\nSmall changes, some independent.\n\n```twostep-files\n{body}```\n"


STRANDS = plan((1, FILES[1], None), (2, FILES[2], None), (3, FILES[3], "1"),
               (4, FILES[4], "2"))


def sessions(total: int, paths: dict[int, str], *, fail: int | None = None) -> list[dict]:
    return [{"when": f"task {n} of {total}",
             "script": [{"tool": "Append", "path": path, "text": ADDED[n]}],
             **({"status": 400} if n == fail else {})} for n, path in paths.items()]


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home,
                         ("git", "repomix", "gemini", "claude", "codex", "twostep"))


def new_repo(path: Path) -> Path:
    return make_repo(path, dict(ORIGINAL))


@pytest.fixture
def repo(tmp_path):
    return new_repo(tmp_path / "repo")


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text("Four small changes.\n", encoding="utf-8")
    return str(path)


def run(*args: str, repo: Path, env: dict) -> tuple[int, str]:
    result = twostep(*args, cwd=repo, env=env, timeout=240)
    return result.returncode, f"exit {result.returncode}; stderr:\n" + \
        result.stderr.decode("utf-8", "replace")


def go(spec: str, repo: Path, env: dict, *extra: str) -> tuple[int, str]:
    # medium: each session gets its own task's files only (small sends the whole pack)
    return run("run", "default", "--planner", "gemini", "--executor", "claude", "--spec", spec,
               "--yes", "--strategy", "medium", *extra, repo=repo, env=env)


def sent(fake) -> list[str]:
    """The input of each claude session (its first turn's prompt + stdin)."""
    return [r["input_text"] for r in fake.by_api("anthropic") if r["has_tools"]
            and len([m for m in r["body"].get("messages", []) if m.get("role") == "user"]) == 1]


def manifest(repo: Path, env: dict) -> dict:
    return json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)[-1]


def no_worktrees_left(repo: Path) -> bool:
    return len(git(repo, "worktree", "list", "--porcelain").split("worktree ")) == 2


def test_two_strands_side_by_side_end_with_the_serial_diff(repo, spec, env, fake_api, tmp_path):
    fake_api.configure(gemini={"plan": STRANDS}, anthropic={"sessions": sessions(4, FILES)})
    serial = new_repo(tmp_path / "serial")
    code, out = go(spec, serial, env, "--jobs", "1")
    assert code == 0, out
    fake_api.requests.clear()

    code, out = go(spec, repo, env, "--jobs", "2")

    assert code == 0, out
    assert git(repo, "diff") == git(serial, "diff") != ""
    given = sent(fake_api)
    assert len(given) == 4, out
    strand = {1: (1, 3), 2: (2, 4), 3: (1, 3), 4: (2, 4)}
    for n in FILES:
        text = next(t for t in given if f"task {n} of 4" in t)
        assert f'path="{FILES[n]}"' in text and ORIGINAL[FILES[n]] in text, n
        for other in set(FILES) - set(strand[n]):  # nothing of the other strand
            assert FILES[other] not in text.split("---", 1)[1].split("```twostep-files")[0] \
                and f"DONE_{other}" not in text, (n, other)
    assert "DONE_1" in next(t for t in given if "task 3 of 4" in t)  # its strand's diff
    assert re.search(r"tasks 1, 2 running side by side", out), out
    assert no_worktrees_left(repo)
    m = manifest(repo, env)
    assert [t["task"] for t in m["tasks"]] == [1, 2, 3, 4] and m["jobs"] == 2
    # rollback still works: to after task 2 (1 and 2 merged), then before the run
    code, out = run("rollback", "--to-task", "2", repo=repo, env=env)
    assert code == 0, out
    assert "DONE_2" in (repo / FILES[2]).read_text() and "DONE_3" not in (repo / FILES[3]
                                                                             ).read_text()
    code, out = run("rollback", repo=repo, env=env)
    assert code == 0 and git(repo, "diff") == "", out


def test_two_tasks_changing_one_file_the_second_runs_again_on_the_merged_tree(
        repo, spec, env, fake_api):
    # an `after:` line declares the graph: tasks 1 and 2 then depend on nothing
    same = plan((1, FILES[1], None), (2, FILES[1], None), (3, FILES[3], "1"))
    fake_api.configure(gemini={"plan": same}, anthropic={
        "sessions": sessions(3, {1: FILES[1], 2: FILES[1], 3: FILES[3]})})

    code, out = go(spec, repo, env, "--jobs", "2")

    assert code == 0, out
    text = (repo / FILES[1]).read_text()
    assert "DONE_1" in text and "DONE_2" in text, text
    assert len(sent(fake_api)) == 4, out  # task 2 twice: beside task 1, then alone
    assert f"task 2 changed {FILES[1]}, which another task changed too" in out, out
    m = manifest(repo, env)
    assert "which another task changed too" in m["tasks"][1]["rerun"]
    assert no_worktrees_left(repo)


def test_a_fault_in_one_strand_then_resume_runs_only_the_unfinished(repo, spec, env, fake_api):
    fake_api.configure(gemini={"plan": STRANDS},
                       anthropic={"sessions": sessions(4, FILES, fail=2)})

    code, out = go(spec, repo, env, "--jobs", "2")

    assert code == 8, out
    assert "DONE_1" in (repo / FILES[1]).read_text()  # the other strand's task was merged
    assert no_worktrees_left(repo)
    fake_api.configure(anthropic={"sessions": sessions(4, FILES)})
    fake_api.requests.clear()
    code, out = run("resume", repo=repo, env=env)
    assert code == 0, out
    again = sent(fake_api)
    assert sorted(int(re.search(r"task (\d) of 4", t).group(1)) for t in again) == [2, 3, 4]
    assert all(f"DONE_{n}" in (repo / FILES[n]).read_text() for n in FILES)


def test_a_cycle_is_refused_before_any_session(repo, spec, env, fake_api):
    cycle = plan((1, FILES[1], "2"), (2, FILES[2], "1"))
    fake_api.configure(gemini={"plan": cycle}, anthropic={"sessions": sessions(2, FILES)})

    code, out = go(spec, repo, env, "--jobs", "2")

    assert code == 4, out
    assert "the tasks wait for each other" in out, out
    assert sent(fake_api) == []


def test_max_cost_holds_with_calls_side_by_side(repo, spec, env, fake_api, tmp_path):
    fake_api.configure(gemini={"plan": STRANDS}, anthropic={"sessions": sessions(4, FILES)})
    probe = new_repo(tmp_path / "probe")
    code, out = go(spec, probe, env, "--jobs", "2", "--max-cost", "100")
    assert code == 0, out
    estimate = float(re.search(r"executor: estimated \$([0-9.]+)", out).group(1))
    planner = manifest(probe, env)["usage"][0]["cost_usd"]
    budget = planner + 1.5 * estimate  # one task's session fits, two side by side do not
    fake_api.requests.clear()

    code, out = go(spec, repo, env, "--jobs", "2", "--max-cost", f"{budget:.6f}")

    assert code == 18, out
    assert len(sent(fake_api)) == 1, out
    spent = sum(u["cost_usd"] for u in manifest(repo, env)["usage"])
    assert spent <= budget
    assert no_worktrees_left(repo)


def test_bash_of_the_dry_run_with_jobs_2_reproduces_the_run(repo, spec, env, fake_api,
                                                            tmp_path):
    fake_api.configure(gemini={"plan": STRANDS}, anthropic={"sessions": sessions(4, FILES)})
    dry = twostep("run", "default", "--planner", "gemini", "--executor", "claude", "--spec",
                  spec, "--yes", "--strategy", "medium", "--jobs", "2", "--dry-run", cwd=repo,
                  env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    script = tmp_path / "run.sh"
    script.write_bytes(dry.stdout)
    assert "wait \"$PID\"" in script.read_text() and "twostep merge-wave" in script.read_text()

    code, out = go(spec, repo, env, "--jobs", "2")
    assert code == 0, out
    twin = new_repo(tmp_path / "twin")
    bashed = subprocess.run(["bash", str(script)], cwd=twin, env=env, capture_output=True,
                            timeout=240)
    err = bashed.stderr.decode("utf-8", "replace")
    assert bashed.returncode == 0, err[-3000:]
    assert len(sent(fake_api)) == 8, err[-2000:]
    assert git(twin, "diff") == git(repo, "diff") != ""
    assert no_worktrees_left(twin)


TWO = plan((1, FILES[1], None), (2, FILES[2], None), (3, FILES[3], "1, 2"))
CONTENT = {n: ORIGINAL[FILES[n]] + ADDED[n] for n in (1, 2, 3)}


def scripted(executor: str) -> dict:
    """Each executor CLI's sessions: task N writes its file with DONE_N (1 and 2 side by
    side, then 3)."""
    if executor == "claude":
        return {"anthropic": {"sessions": sessions(3, {n: FILES[n] for n in (1, 2, 3)})}}
    if executor == "gemini":
        return {"gemini": {"plan": TWO, "sessions": [
            {"when": f"task {n} of 3", "script": [{"tool": "write_file", "args": {
                "file_path": FILES[n], "content": CONTENT[n]}}]} for n in (1, 2, 3)]}}
    return {"openai": {"executor": {"sessions": [
        {"when": f"task {n} of 3", "script": [{"write": FILES[n], "content": CONTENT[n]}]}
        for n in (1, 2, 3)]}}}


@pytest.mark.parametrize("executor", ["claude", "codex", "gemini"])
def test_every_executor_cli_runs_side_by_side(executor, repo, spec, env, fake_api):
    fake_api.configure(**{"gemini": {"plan": TWO}, **scripted(executor)})

    code, out = run("run", "default", "--planner", "gemini", "--executor", executor, "--spec",
                    spec, "--yes", "--jobs", "2", repo=repo, env=env)

    assert code == 0, out
    assert "tasks 1, 2 running side by side" in out, out
    for n in (1, 2, 3):
        assert (repo / FILES[n]).read_text() == CONTENT[n], out
    m = manifest(repo, env)
    sessions_ = [u for u in m["usage"] if u["role"] == "executor"]
    assert sorted(u.get("task") for u in sessions_) == ["1", "2", "3"], m["usage"]
    run_dir = repo / ".twostep" / "runs" / m["id"]
    homes = {"codex": "codex-home-task-", "gemini": "gemini-exec-home-task-"}.get(executor)
    if homes:  # each session had its own private home
        assert sorted(p.name for p in run_dir.glob(homes + "*")) == [homes + "1", homes + "2"]
    assert no_worktrees_left(repo)
