"""Choosing agents: a recipe's `cli:` with the CLI's own defaults, a base recipe's agent
replaced when a child changes its CLI, --planner/--executor CLI[:MODEL], prices, budget."""

from __future__ import annotations

import pytest

from twostep import agents
from twostep.core.cost import Price
from twostep.errors import InputError, RecipeError
from twostep.recipe import choose
from twostep.recipe import load as recipe


def write(tmp_path, text: str) -> str:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    return str(path)


def test_an_agent_needs_only_its_cli(tmp_path):
    r = recipe.load(write(tmp_path, "codebase: [.]\nplanner: {cli: codex}\n"
                                    "executor: {cli: gemini}\n"))
    assert (r.planner.model, r.executor.model) == ("gpt-5.5", "gemini-2.5-pro")
    assert "Below you have" in r.planner.prompt  # codex: the prompt comes first
    assert "Above is" in r.executor.prompt  # gemini: stdin comes first


def test_changing_the_cli_drops_the_base_agents_model_and_prompt(tmp_path):
    r = recipe.load(write(tmp_path, "extends: default\nplanner: {cli: claude}\n"))
    assert r.planner.cli == "claude" and r.planner.model == "sonnet"
    assert "Below you have" in r.planner.prompt
    same = recipe.load(write(tmp_path, "extends: default\nplanner: {timeout: 5}\n"))
    assert same.planner.model == "gemini-2.5-pro" and same.planner.timeout == 5


def test_price_and_budget_in_the_recipe(tmp_path):
    r = recipe.load(write(tmp_path, "extends: codex\nbudget_usd: 2.5\nexecutor:\n  price: "
                                    "{input_per_mtok: 1, output_per_mtok: 8, "
                                    "cached_per_mtok: 0.1}\n"))
    assert r.budget_usd == 2.5 and r.executor.price == Price(1.0, 8.0, 0.1)
    with pytest.raises(RecipeError, match="budget_usd must be a positive amount"):
        recipe.load(write(tmp_path, "extends: codex\nbudget_usd: 0\n"))


def test_command_line_choices():
    base = recipe.load("default")
    r = choose.apply(base, choose.Choices("codex:gpt-5", "gemini", 3.0))
    assert (r.planner.cli, r.planner.model) == ("codex", "gpt-5")
    assert (r.executor.cli, r.executor.model) == ("gemini", "gemini-2.5-pro")
    assert r.budget_usd == 3.0
    kept = choose.apply(base, choose.Choices(executor="claude:opus"))
    assert kept.executor.model == "opus" and kept.executor.options == base.executor.options
    assert r.executor.options == agents.get("gemini").options()  # gemini's own: none
    with pytest.raises(InputError, match="cannot be the planner"):
        choose.apply(base, choose.Choices(planner="aider"))


@pytest.mark.parametrize("name,pair", [("claude", ("claude", "claude")),
                                       ("codex", ("codex", "codex")),
                                       ("codex-claude", ("codex", "claude"))])
def test_builtin_pairs(name, pair):
    r = recipe.load(name)
    assert (r.planner.cli, r.executor.cli) == pair
