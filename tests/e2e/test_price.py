"""The price before the spend: `measure` and the dry-run's header give the run's estimated
cost (planner call, executor calls, in total) from the prices --max-cost uses, and say whose
prices they are (the built-in table, or the recipe's `price:`)."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.helpers import ROOT, example_repo, twostep

RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
SPEC = str(ROOT / "scripts" / "example" / "SPEC.md")
RANGE = r"\$(\d+\.\d\d)–\$(\d+\.\d\d)"


@pytest.fixture
def repo(tmp_path):
    return example_repo(tmp_path / "repo")


def test_measure_gives_the_estimated_cost_and_whose_prices(repo):
    out = twostep("measure", RECIPE, cwd=repo).stdout.decode()
    found = re.search(rf"estimated cost: {RANGE} \(planner call {RANGE}, executor calls {RANGE}",
                      out)
    assert found, out
    low, high, plan_low, plan_high, exec_low, exec_high = map(float, found.groups())
    assert 0 < low < high and abs(low - plan_low - exec_low) <= 0.011
    assert abs(high - plan_high - exec_high) <= 0.011
    assert "planner gemini-2.5-pro $1.25/$10 (the built-in price table)" in out
    data = json.loads(twostep("measure", RECIPE, "--json", cwd=repo).stdout)["cost_estimate"]
    assert data["prices"] == {"planner": "the built-in price table",
                              "executor": "the built-in price table"}
    assert data["total_usd"][0] < data["total_usd"][1]


def test_a_recipe_price_is_used_and_named(repo, tmp_path):
    recipe = tmp_path / "priced.yaml"
    recipe.write_text(f"extends: {RECIPE}\nexecutor:\n  price: {{input_per_mtok: 1.0, "
                      f"output_per_mtok: 2.0, cached_per_mtok: 0.1}}\n", encoding="utf-8")
    out = twostep("measure", str(recipe), cwd=repo).stdout.decode()
    assert "executor sonnet $1/$2 (the recipe's price:)" in out, out


def test_the_dry_run_header_has_the_estimate(repo):
    dry = twostep("run", RECIPE, "--spec", SPEC, "--yes", "--dry-run", cwd=repo)
    head = dry.stdout.decode().split("set -euo pipefail", 1)[0]
    assert re.search(rf"^# estimated cost: {RANGE} \(planner call ", head, re.M), head
    assert "# prices per million tokens in/out, as --max-cost uses them: planner" in head
    execute = twostep("execute", RECIPE, "--plan", SPEC, "--dry-run", cwd=repo).stdout.decode()
    assert re.search(rf"^# estimated cost: {RANGE} \(executor calls ", execute, re.M)
