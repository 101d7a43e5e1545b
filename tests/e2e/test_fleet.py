"""`twostep batch` with the stand-in CLIs: a 4-item fleet, 2 at a time, leaves 4 branches and
the user's tree alone; the refusal without a TTY or --yes; bad batch files say where and how
to fix; the --dry-run script is bash that runs the fleet; Ctrl-C stops every item and
`batch --resume` finishes them; `--emit-matrix` and `batch merge` round-trip."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest

from tests.support.helpers import ROOT, calls, example_repo, git, standin_env, twostep

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
EDITS = [{"path": "wordfreq/cli.py", "content": "# --top\n", "append": True,
          "when": "task 1 of 2"},
         {"path": "tests/test_top.py", "content": "def test_top():\n    pass\n",
          "when": "task 2 of 2"}]


@pytest.fixture
def repo(tmp_path):
    repo = example_repo(tmp_path / "repo")
    (repo / "README.md").write_text("my unsaved edit\n")  # dirty, and must stay so
    specs = tmp_path / "specs"
    specs.mkdir()
    lines = []
    for n in range(1, 5):
        (specs / f"s{n}.md").write_text(f"Item {n}: add --top\n")
        lines.append(f"- {{spec: ../specs/s{n}.md, recipe: {RECIPE}, id: item-{n}}}\n")
    (repo / "batch.yaml").write_text("".join(lines))
    return repo


@pytest.fixture
def env(tmp_path):
    return standin_env(tmp_path, edits=EDITS)


def _state(repo: Path) -> tuple[str, str, str]:
    return (git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD"),
            git(repo, "diff", "--cached"))


def _fleet_json(repo: Path) -> dict:
    (path,) = (repo / ".twostep" / "fleets").glob("*/fleet.json")
    return json.loads(path.read_text())


def test_four_items_two_at_a_time(repo, env):
    before = _state(repo)
    proc = twostep("batch", "batch.yaml", "--jobs", "2", "--yes", "--json", cwd=repo, env=env,
                   timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    result = json.loads(proc.stdout)
    schema = json.loads(twostep("schema", "fleet", cwd=repo).stdout)
    jsonschema.validate(result, schema)
    assert result["counts"] == {"done": 4} and [i["id"] for i in result["items"]] == \
        [f"item-{n}" for n in range(1, 5)]
    branches = {i["branch"] for i in result["items"]}
    assert len(branches) == 4 and len({i["run_id"] for i in result["items"]}) == 4
    for branch in branches:
        assert git(repo, "show", f"{branch}:wordfreq/cli.py").endswith("# --top\n")
        assert "def test_top" in git(repo, "show", f"{branch}:tests/test_top.py")
    assert _state(repo) == before
    assert result["cost_usd"] == sum(i["cost_usd"] for i in result["items"])
    err = proc.stderr.decode()
    assert err.count("▶ item-") == 4 and err.count("✓ item-") == 4
    assert "4 done of 4 item(s)" in err and "p50" in err and "per done item" in err
    listed = twostep("runs", cwd=repo, env=env).stdout.decode()
    assert f"fleet {result['fleet_id']}  4 done of 4" in listed
    # one pack for the four items: the others waited for it and reused it
    logs = list((repo / ".twostep" / "fleets").glob("*/items/*.log"))
    assert sum("reusing it" in p.read_text() for p in logs) == 3


def test_no_terminal_and_no_yes_refuses_before_anything(repo, env):
    proc = twostep("batch", "batch.yaml", cwd=repo, env=env)
    assert proc.returncode == 12 and "--yes" in proc.stderr.decode()
    assert calls(env) == [] and not (repo / ".twostep").exists()


@pytest.mark.parametrize(("text", "where", "says"), [
    ("- {spec: ../specs/s1.md}\n- {spce: ../specs/s2.md}\n", ":2:", "did you mean 'spec'"),
    ("- {spec: ../specs/s1.md}\n- {recipe: python}\n", ":2:", "no spec:"),
    ("- {spec: ../specs/nope.md}\n", ":1:", "no such file"),
    ("- {spec: ../specs/s1.md, id: a}\n- {spec: ../specs/s2.md, id: a}\n", ":2:",
     "already the id of the item on line 1"),
    ("- {spec: ../specs/s1.md\n", ":2:", "not valid YAML"),
    ("spec: ../specs/s1.md\n", ":1:", "expected a list of items"),
    ('{"spec": "../specs/s1.md"}\n{"spec": \n', ":2:", "not a JSON object"),
    ("- {spec: ../specs/s1.md, repo: ../nowhere}\n", ":1:", "not a git repository"),
])
def test_a_bad_batch_file_says_where_and_how_to_fix(repo, env, text, where, says):
    (repo / "bad.yaml").write_text(text)
    proc = twostep("batch", "bad.yaml", "--yes", cwd=repo, env=env)
    err = proc.stderr.decode()
    assert proc.returncode == 4, err
    assert f"bad.yaml{where}" in err and says in err and "hint:" in err
    assert "Traceback" not in err and calls(env) == []


def test_the_dry_run_is_bash_that_runs_the_fleet(repo, env, tmp_path):
    dry = twostep("batch", "batch.yaml", "--jobs", "2", "--max-cost", "3", "--dry-run",
                  cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    script = dry.stdout.decode()
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    assert script.count("--worktree --json --yes") == 4 and "JOBS=2" in script
    assert "twostep batch merge --batch batch.yaml" in script and "budget_usd" in script
    assert calls(env) == [] and not (repo / ".twostep").exists()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "twostep").write_text(f'#!/bin/sh\nexec {sys.executable} -m twostep "$@"\n')
    (bin_dir / "twostep").chmod(0o755)
    env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
           "PYTHONPATH": str(ROOT)}
    ran = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr.decode()[-3000:]
    merged = json.loads(ran.stdout)
    assert merged["counts"] == {"done": 4}
    assert all(git(repo, "show", f"{i['branch']}:wordfreq/cli.py").endswith("# --top\n")
               for i in merged["items"])


def _wait_for(predicate, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_ctrl_c_stops_every_item_and_resume_finishes_them(repo, env):
    slow = {**env, "STANDIN_SLEEP": "30"}
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "batch", "batch.yaml", "--yes"],
                            cwd=repo, env=slow, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    fleets = repo / ".twostep" / "fleets"
    _wait_for(lambda: len(list(fleets.glob("*/links/*"))) == 2)
    time.sleep(1.0)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()[-2000:]
    assert time.monotonic() - started < 20  # the items did not sleep their 30 s out
    items = _fleet_json(repo)["items"]
    assert sorted(i["status"] for i in items) == ["interrupted", "interrupted", "pending",
                                                 "pending"]
    runs = [json.loads(p.read_text()) for p in (repo / ".twostep" / "runs").glob(
        "*/manifest.json")]
    assert sorted(r["status"] for r in runs) == ["interrupted", "interrupted"]
    resumed = twostep("batch", "--resume", "--yes", "--json", cwd=repo, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
    result = json.loads(resumed.stdout)
    assert result["counts"] == {"done": 4}
    assert {i["run_id"] for i in items if i["run_id"]} <= {i["run_id"] for i in result["items"]}


def test_emit_matrix_and_merge_round_trip(repo, env, tmp_path):
    matrix = json.loads(twostep("batch", "batch.yaml", "--emit-matrix", cwd=repo,
                                env=env).stdout)
    assert matrix == {"include": [{"id": f"item-{n}", "spec": f"../specs/s{n}.md",
                                   "recipe": RECIPE} for n in range(1, 5)]}
    local = twostep("batch", "batch.yaml", "--yes", "--json", cwd=repo, env=env, timeout=300)
    assert local.returncode == 0, local.stderr.decode()[-2000:]
    fleet = json.loads(local.stdout)
    results = sorted((repo / ".twostep" / "fleets" / fleet["fleet_id"] / "items").glob("*.json"))
    merged = twostep("batch", "merge", "--batch", "batch.yaml", "--fleet-id",
                     fleet["fleet_id"], *map(str, results), cwd=repo, env=env)
    assert merged.returncode == 0, merged.stderr.decode()
    assert _timeless(json.loads(merged.stdout)) == _timeless(fleet)


def _timeless(result: dict) -> dict:
    return {**result, "seconds": None,
            "items": [{**i, "seconds": None} for i in result["items"]]}


def test_on_a_terminal_it_shows_the_items_and_the_cost_and_asks_once(repo, env):
    """A pseudo-terminal: the items and the estimate are shown once, one question; "n"
    declines (exit 12) and nothing runs."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "batch", "batch.yaml"], cwd=repo,
                            env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    seen = b""
    while b"[y/N]" not in seen:
        seen += os.read(master, 4096)
    os.write(master, b"n\n")
    assert proc.wait(timeout=60) == 12
    with contextlib.suppress(OSError):
        while chunk := os.read(master, 4096):
            seen += chunk
    os.close(master)
    text = seen.decode()
    assert text.count("[y/N]") == 1 and "item-3: ../specs/s3.md" in text
    assert "4 item(s), estimated ~$" in text and "declined" in text
    assert calls(env) == [] and not (repo / ".twostep" / "fleets").exists()


GH = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["pr", "create"]:
    print("https://github.example/o/r/pull/" + sys.argv[sys.argv.index("--head") + 1][-1])
"""


def test_pr_opens_one_pull_request_per_item_on_its_branch(repo, env, tmp_path):
    (repo / "batch.yaml").write_text(
        f"- {{spec: ../specs/s1.md, recipe: {RECIPE}, branch: fleet/b1}}\n"
        f"- {{spec: ../specs/s2.md, recipe: {RECIPE}, branch: fleet/b2}}\n")
    bin_dir = tmp_path / "ghbin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(GH)
    (bin_dir / "gh").chmod(0o755)
    env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
           "GH_LOG": str(tmp_path / "gh.jsonl")}
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(repo, "remote", "add", "origin", str(remote))
    proc = twostep("batch", "batch.yaml", "--pr", "--yes", "--json", cwd=repo, env=env,
                   timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    result = json.loads(proc.stdout)
    assert [(i["branch"], i["pr_url"]) for i in result["items"]] == [
        ("fleet/b1", "https://github.example/o/r/pull/1"),
        ("fleet/b2", "https://github.example/o/r/pull/2")]
    creates = [c for c in map(json.loads, (tmp_path / "gh.jsonl").read_text().splitlines())
               if c[:2] == ["pr", "create"]]
    assert sorted(c[c.index("--head") + 1] for c in creates) == ["fleet/b1", "fleet/b2"]


def test_two_fleets_on_one_repository_do_not_collide(repo, env):
    (repo / "a.yaml").write_text("".join(
        f"- {{spec: ../specs/s{n}.md, recipe: {RECIPE}, id: a{n}}}\n" for n in (1, 2)))
    (repo / "b.yaml").write_text("".join(
        f"- {{spec: ../specs/s{n}.md, recipe: {RECIPE}, id: b{n}}}\n" for n in (3, 4)))
    procs = [subprocess.Popen([sys.executable, "-m", "twostep", "batch", name, "--yes",
                               "--json"], cwd=repo, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for name in ("a.yaml", "b.yaml")]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-3000:]
        results.append(json.loads(out))
    assert results[0]["fleet_id"] != results[1]["fleet_id"]
    items = [i for r in results for i in r["items"]]
    assert len({i["run_id"] for i in items}) == 4 and len({i["branch"] for i in items}) == 4
    for item in items:  # each item's result is its own run's
        spec = git(repo, "log", "-1", "--format=%s", item["branch"]).strip()
        assert spec == f"Item {item['spec'][-4]}: add --top"


def test_a_fleet_killed_outright_is_resumed_from_its_runs(repo, env):
    """SIGKILL leaves no chance to write the state: the items' runs go on (each in its own
    session). Resuming while they run is refused; once they ended, their runs say how."""
    slow = {**env, "STANDIN_SLEEP": "3"}
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "batch", "batch.yaml", "--yes"],
                            cwd=repo, env=slow, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _wait_for(lambda: len(list((repo / ".twostep" / "fleets").glob("*/links/*"))) == 2)
    proc.kill()
    proc.wait()
    early = twostep("batch", "--resume", "--yes", cwd=repo, env=env)
    assert early.returncode == 4 and "is still running" in early.stderr.decode()
    runs = repo / ".twostep" / "runs"
    _wait_for(lambda: sorted(json.loads(p.read_text())["status"]
                             for p in runs.glob("*/manifest.json")) == ["done", "done"], 120)
    resumed = twostep("batch", "--resume", "--yes", "--json", cwd=repo, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()[-3000:]
    result = json.loads(resumed.stdout)
    assert result["counts"] == {"done": 4}
    assert len(list(runs.glob("*/manifest.json"))) == 4  # the two killed ones were not redone
    assert all(i["seconds"] and i["branch"] for i in result["items"])
