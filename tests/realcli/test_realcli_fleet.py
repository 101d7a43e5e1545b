"""Issue 23 with the REAL pinned gemini, claude, repomix and git against the loopback fake:
a 4-item fleet two at a time leaves 4 branches each with its item's committed edit and the
user's tree alone, its total the sum of its items'; an executor outage after 2 items, then
`batch --resume` finishes the other 2 without a request for the finished ones; --max-cost
over the fleet stops it before the budget is passed; --emit-matrix's items, each run as a
matrix job would run it, merged by `batch merge`, give the local fleet's result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, git, make_repo, twostep
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

RECIPE = str(ROOT / "recipes" / "python.yaml")
REQUIRED = ("git", "repomix", "gemini", "claude", "twostep", "python")
ITEMS = (1, 2, 3, 4)


def _plan(n: int) -> str:
    return (f"# Plan: a version constant in m{n}\n\n"
            f"1. In `pkg/m{n}.py`, add `VERSION = {n}` at the end (ITEM-{n}).\n\n"
            f"```twostep-files\nmodify: pkg/m{n}.py\n```\n")


def _edited(n: int) -> str:
    return f"def f():\n    return {n}\n\nVERSION = {n}\n"


def _configure(fake, failing: tuple[int, ...] = ()) -> None:
    """Each item's own plan and edit, told apart by its marker (ITEM-n) in the spec and plan;
    the items in `failing` meet an executor outage (HTTP 500)."""
    sessions = [{"when": f"ITEM-{n}", "script": [
        {"tool": "Write", "path": f"pkg/m{n}.py", "content": _edited(n), "read_first": True}],
        **({"status": 500} if n in failing else {})} for n in ITEMS]
    fake.configure(gemini={"plans": [{"when": f"ITEM-{n}", "plan": _plan(n)} for n in ITEMS]},
                   anthropic={"sessions": sessions})


@pytest.fixture
def env(fake_api, cli_home):
    return {**installed_env(fake_api.url, cli_home, REQUIRED), "CLAUDE_CODE_MAX_RETRIES": "0"}


@pytest.fixture
def repo(tmp_path):
    files = {f"pkg/m{n}.py": f"def f():\n    return {n}\n" for n in ITEMS}
    repo = make_repo(tmp_path / "repo", {**files, "pkg/__init__.py": "", "README.md": "# pkg\n"})
    (repo / "README.md").write_text("# pkg, my unsaved edit\n")
    specs = tmp_path / "specs"
    specs.mkdir()
    for n in ITEMS:
        (specs / f"m{n}.md").write_text(f"Add a version constant to pkg/m{n}.py (ITEM-{n}).\n")
    _batch_file(tmp_path / "batch.yaml", RECIPE)
    return repo


def _batch_file(path: Path, recipe: str) -> str:
    path.write_text("".join(f"- {{spec: specs/m{n}.md, recipe: {recipe}, id: m{n}}}\n"
                            for n in ITEMS))
    return str(path)


def _batch(repo: Path, env: dict, *args: str) -> tuple[int, dict, str]:
    proc = twostep("batch", *args, "--yes", "--json", cwd=repo, env=env, timeout=600)
    err = proc.stderr.decode()
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}, err


def _state(repo: Path) -> tuple[str, str, str]:
    return (git(repo, "status", "--porcelain"), git(repo, "rev-parse", "HEAD"),
            git(repo, "diff", "--cached"))


def test_four_items_two_at_a_time(repo, tmp_path, env, fake_api):
    _configure(fake_api)
    before = _state(repo)
    code, result, err = _batch(repo, env, str(tmp_path / "batch.yaml"), "--jobs", "2")
    assert code == 0, err[-4000:]
    assert result["counts"] == {"done": 4}
    for n, item in zip(ITEMS, result["items"], strict=True):
        assert item["id"] == f"m{n}" and item["branch"].startswith("twostep/")
        assert git(repo, "show", f"{item['branch']}:pkg/m{n}.py") == _edited(n)
        others = [m for m in ITEMS if m != n]
        assert all(git(repo, "show", f"{item['branch']}:pkg/m{m}.py") ==
                   f"def f():\n    return {m}\n" for m in others)
        assert item["cost_usd"] > 0
    assert _state(repo) == before
    assert result["cost_usd"] == pytest.approx(sum(i["cost_usd"] for i in result["items"]))
    assert result["usage"]["executor"]["calls"] == 4


def test_outage_after_two_items_then_resume(repo, tmp_path, env, fake_api):
    _configure(fake_api, failing=(3, 4))
    code, first, err = _batch(repo, env, str(tmp_path / "batch.yaml"), "--jobs", "2")
    assert code == 8, err[-4000:]
    assert first["counts"] == {"done": 2, "failed": 2}
    done = {i["id"]: i["branch"] for i in first["items"] if i["status"] == "done"}
    assert set(done) == {"m1", "m2"}
    heads = {b: git(repo, "rev-parse", b) for b in done.values()}
    gemini, anthropic = len(fake_api.by_api("gemini")), len(fake_api.by_api("anthropic"))

    _configure(fake_api)
    code, second, err = _batch(repo, env, "--resume")
    assert code == 0, err[-4000:]
    assert second["fleet_id"] == first["fleet_id"] and second["counts"] == {"done": 4}
    assert len(fake_api.by_api("gemini")) == gemini  # the plans were kept
    new = _marked_after(fake_api, anthropic)
    assert new and set(new) <= {"ITEM-3", "ITEM-4"}  # nothing sent for the finished items
    assert {b: git(repo, "rev-parse", b) for b in done.values()} == heads
    for n, item in zip(ITEMS, second["items"], strict=True):
        assert git(repo, "show", f"{item['branch']}:pkg/m{n}.py") == _edited(n)
    # the failed items resumed their own runs
    assert [i["run_id"] for i in second["items"]] == [i["run_id"] for i in first["items"]]


def _marked_after(fake, seen: int) -> list[str]:
    return [m for r in fake.by_api("anthropic")[seen:]
            for m in re.findall(r"ITEM-\d", r.get("input_text") or "")[:1]]


def _one_item_costs(repo: Path, tmp_path: Path, env: dict,
                    recipe: str) -> tuple[float, float, float]:
    """(the whole item's cost, the planner's estimate, the executor's estimate + what the
    planner spent): a single run of the same shape, with a budget that never binds."""
    spec = tmp_path / "specs" / "m1.md"
    proc = twostep("run", recipe, "--spec", str(spec), "--worktree", "--yes", "--json",
                   "--max-cost", "100", cwd=repo, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    calls = json.loads(proc.stdout)["calls"]
    est = dict(re.findall(r"(planner|executor): estimated \$([\d.]+)", proc.stderr.decode()))
    planner = sum(c["cost_usd"] for c in calls if c["role"] == "planner")
    return sum(c["cost_usd"] for c in calls), float(est["planner"]), \
        float(est["executor"]) + planner


def test_max_cost_over_the_fleet_stops_it_before_the_budget_is_passed(repo, tmp_path, env,
                                                                      fake_api):
    _configure(fake_api)
    # A planner with little output headroom: its estimate is below the executor's.
    recipe = tmp_path / "lean.yaml"
    recipe.write_text(f"extends: {RECIPE}\nplanner: {{output_tokens: 2000}}\n")
    item, planner_est, executor_need = _one_item_costs(repo, tmp_path, env, str(recipe))
    # One item fits; the second's plan fits, its executor's estimate does not.
    slack = min(item, executor_need - planner_est) / 2
    assert slack > 0, (item, planner_est, executor_need)
    budget = item + executor_need - slack
    batch = _batch_file(tmp_path / "lean-batch.yaml", str(recipe))
    code, result, err = _batch(repo, env, batch, "--jobs", "1", "--max-cost", f"{budget:.6f}")
    assert code == 18, err[-4000:]
    assert [i["status"] for i in result["items"]] == ["done", "over-budget", "pending",
                                                      "pending"]
    assert "no request was made" in result["items"][1]["error"]
    assert "of the fleet" in result["items"][1]["error"]
    assert result["cost_usd"] <= budget
    assert "no more items start" in err


def test_emit_matrix_and_merge_round_trip(repo, tmp_path, env, fake_api):
    """Each matrix row run as the reusable workflow's job runs it (`twostep run --worktree
    --json`, its result saved as ID.json), merged: the local fleet's result, timings aside
    (and the runs' own ids and branches, which are new runs)."""
    _configure(fake_api)
    batch = str(tmp_path / "batch.yaml")
    code, local, err = _batch(repo, env, batch, "--jobs", "2")
    assert code == 0, err[-4000:]
    matrix = json.loads(twostep("batch", batch, "--emit-matrix", cwd=repo, env=env).stdout)
    assert [r["id"] for r in matrix["include"]] == ["m1", "m2", "m3", "m4"]
    results = tmp_path / "results"
    results.mkdir()
    for row in matrix["include"]:
        job = twostep("run", row["recipe"], "--spec", row["spec"], "--worktree", "--yes",
                      "--json", cwd=repo, env=env, timeout=300)
        assert job.returncode == 0, job.stderr.decode()[-3000:]
        (results / f"{row['id']}.json").write_bytes(job.stdout)
    merged = twostep("batch", "merge", "--batch", batch, "--fleet-id", local["fleet_id"],
                     *sorted(map(str, results.glob("*.json"))), cwd=repo, env=env)
    assert merged.returncode == 0, merged.stderr.decode()
    assert _comparable(json.loads(merged.stdout)) == _comparable(local)


def _comparable(result: dict) -> dict:
    """Timings, run ids and branches aside; costs to the cent's hundredth."""
    items = [{**i, "seconds": None, "run_id": None, "branch": None,
              "cost_usd": round(i["cost_usd"], 4), "usage": {
                  role: {k: v for k, v in row.items() if k in ("calls",)}
                  for role, row in i["usage"].items()}} for i in result["items"]]
    return {**result, "seconds": None, "items": items, "cost_usd": round(result["cost_usd"], 4),
            "cost_per_done_usd": None, "usage": sorted(result["usage"])}
