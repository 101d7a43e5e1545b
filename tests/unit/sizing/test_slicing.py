"""The large strategy end to end: the planner's input in tiers, or the whole codebase when it
fits; and measure's directory units."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from tests.support.helpers import calls, make_repo, standin_env, twostep
from twostep.sizing.rows import units

BY_DIR = (("vendor", 900_000), ("billing", 300_000), ("docs", 50_000), (".", 5_000),
          ("internal", 400_000), ("internal/api", 250_000), ("internal/db", 150_000))


def test_units_use_the_finest_breakdown():
    assert [u for u, _ in units(BY_DIR)] == ["vendor", "billing", "docs", ".",
                                             "internal/api", "internal/db"]


def _large_repo(path: Path) -> Path:
    files = {f"billing/f{i}.py": f"def refund_{i}():\n    return {i}\n" for i in range(5)}
    files |= {f"vendor/lib{i}.py": "x = '" + "pad " * 3000 + "'\n" for i in range(3)}
    files["README.md"] = "# shop\n"
    return make_repo(path, files)


REFUND_PLAN = "# Plan\n\n1. Add an amount to `refund_0` in `billing/f0.py`.\n"


def _large_recipe(tmp_path: Path, fill: str = "full") -> str:
    (tmp_path / "r.yaml").write_text(
        "extends: python\nverify: []\nstrategies:\n  small: {below: 10}\n  medium: {below: 20}\n"
        f"  large: {{fill: {fill}}}\n"
        "planner:\n  context_tokens: 9000\n  output_tokens: 1000\n")
    (tmp_path / "spec.md").write_text(
        "Add partial refunds to billing: `refund_3` takes an amount.\n")
    return str(tmp_path / "r.yaml")


def test_large_strategy_builds_the_planners_input_in_tiers(tmp_path):
    """rg stages, the ranking and the tiers in the script; the run sends the defining file whole,
    the map of every path, and the big unrelated files at most compressed; bash of the script
    gives the planner the very same input."""
    repo, twin = _large_repo(tmp_path / "repo"), _large_repo(tmp_path / "twin")
    recipe_file = _large_recipe(tmp_path)
    env = standin_env(tmp_path, plan=REFUND_PLAN,
                      edits=[{"path": "billing/f0.py", "content": "# refund\n", "append": True}])
    dry = twostep("run", recipe_file, "--spec", str(tmp_path / "spec.md"), "--yes", "--dry-run",
                  "--execute-by", "plan",
                  cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    script = dry.stdout.decode()
    assert "strategy: large" in script and "planner input in tiers" in script
    for stage in ("xargs -0 -r rg", "twostep relevant", "twostep tiers", "--compress",
                  "# tiers (twostep tiers):"):
        assert stage in script
    result = twostep("run", recipe_file, "--spec", str(tmp_path / "spec.md"), "--yes",
                     "--execute-by", "plan", cwd=repo, env=env)
    assert result.returncode == 0, result.stderr.decode()
    err = result.stderr.decode()
    assert "planner input in tiers, filled to " in err
    assert re.search(r"full text: .*billing/f3\.py", err)
    stdin = Path(env["STANDIN_DIR"], "gemini.stdin").read_text()
    assert "<codebase_map>" in stdin and "lib2.py" in stdin and "F f3.py" in stdin
    assert 'path="billing/f3.py"' in stdin and "def refund_3():" in stdin
    # the data files barely compress: fit by repomix's real count, some are taken out again
    assert stdin.count('<file path="vendor/lib') < 3 and "larger than estimated" in err
    assert [c["tool"] for c in calls(env)] == ["gemini", "claude"]
    run_dir = next((repo / ".twostep/runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "billing/f3.py" in manifest["tiers"]["full"]
    assert set(manifest["packs"]) >= {"full", "compressed"}

    bashed = subprocess.run(["bash", "-c", script], cwd=twin, env=env, capture_output=True)
    assert bashed.returncode == 0, bashed.stderr.decode()
    assert Path(env["STANDIN_DIR"], "gemini.stdin").read_text() == stdin


def test_whole_codebase_that_fits_goes_in_full_text_and_says_so(tmp_path):
    repo = _large_repo(tmp_path / "repo")
    recipe_file = _large_recipe(tmp_path)
    text = Path(recipe_file).read_text().replace("context_tokens: 9000", "context_tokens: 90000")
    Path(recipe_file).write_text(text)
    env = standin_env(tmp_path, plan=REFUND_PLAN,
                      edits=[{"path": "billing/f0.py", "content": "# refund\n", "append": True}])
    result = twostep("run", recipe_file, "--spec", str(tmp_path / "spec.md"), "--yes",
                     "--strategy", "large", "--execute-by", "plan", cwd=repo, env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert "the whole codebase fits the planner's budget" in result.stderr.decode()
    stdin = Path(env["STANDIN_DIR"], "gemini.stdin").read_text()
    assert 'path="vendor/lib0.py"' in stdin and "<codebase_map>" not in stdin
