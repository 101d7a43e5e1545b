"""The large strategy's planner slice: the recipe's when it fits, else chosen automatically."""

from __future__ import annotations

from pathlib import Path

from helpers import calls, git, make_repo, standin_env, twostep
from twostep.recipe import load as recipe
from twostep.sizing import slicing

BY_DIR = (("vendor", 900_000), ("billing", 300_000), ("docs", 50_000), (".", 5_000),
          ("internal", 400_000), ("internal/api", 250_000), ("internal/db", 150_000))


def test_units_use_the_finest_breakdown():
    assert [u for u, _ in slicing.units(BY_DIR)] == ["vendor", "billing", "docs", ".", "internal/api", "internal/db"]


def test_spec_named_directories_come_first_then_the_smallest():
    r = recipe.load("go")
    chosen = slicing.choose(r, BY_DIR, "Add refunds to the billing service.")
    kept = [u for u, _ in chosen.kept]
    assert kept[0] == "billing" and "vendor" not in kept
    assert sum(t for _, t in chosen.kept) <= slicing.target(r, 40)
    assert ":(exclude)vendor/" in chosen.pathspecs and chosen.pathspecs[:3] == r.codebase


def test_exclusion_pathspecs_select_what_git_would(tmp_path):
    repo = make_repo(tmp_path, {"a.go": "1", "x/b.go": "2", "x/y/c.go": "3", "z/d.go": "4"})
    def ls(*specs):
        return git(repo, "ls-files", "--", *specs).split()
    assert ls("*.go", slicing.exclude(".")) == ["x/b.go", "x/y/c.go", "z/d.go"]
    assert ls("*.go", slicing.exclude("x/*")) == ["a.go", "x/y/c.go", "z/d.go"]
    assert ls("*.go", slicing.exclude("x")) == ["a.go", "z/d.go"]


def test_large_strategy_sends_an_automatic_slice(tmp_path):
    files = {f"billing/f{i}.py": f"def refund_{i}():\n    return {i}\n" for i in range(5)}
    files |= {f"vendor/lib{i}.py": "x = '" + "pad " * 3000 + "'\n" for i in range(3)}
    files["README.md"] = "# shop\n"
    repo = make_repo(tmp_path / "repo", files)
    (tmp_path / "r.yaml").write_text(
        "extends: python\nverify: []\nstrategies:\n  small: {below: 10}\n  medium: {below: 20}\n"
        "planner:\n  context_tokens: 9000\n  output_tokens: 1000\n")
    (tmp_path / "spec.md").write_text("Add partial refunds to billing.\n")
    env = standin_env(tmp_path, edits=[{"path": "billing/f0.py", "content": "# refund\n", "append": True}])
    dry = twostep("run", str(tmp_path / "r.yaml"), "--spec", str(tmp_path / "spec.md"), "--yes", "--dry-run",
                  cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    script = dry.stdout.decode()
    assert "strategy: large" in script and "left out of the planner's view: vendor" in script
    result = twostep("run", str(tmp_path / "r.yaml"), "--spec", str(tmp_path / "spec.md"), "--yes",
                     "--strategy", "large", "--execute-by", "plan", cwd=repo, env=env)
    assert result.returncode == 0, result.stderr.decode()
    assert "left out of the planner's view: vendor" in result.stderr.decode()
    stdin = Path(env["STANDIN_DIR"], "gemini.stdin").read_text()
    assert 'path="billing/f3.py"' in stdin and 'path="vendor/lib0.py"' not in stdin
    assert [c["tool"] for c in calls(env)] == ["gemini", "claude"]
