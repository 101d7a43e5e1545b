"""The price before the spend (core/preview.py): the planner call and the executor calls as
ranges, from the prices --max-cost uses, saying whose prices they are."""

from __future__ import annotations

from dataclasses import replace

from twostep.core import preview
from twostep.core.cost import Price, price_for
from twostep.core.recipe import Strategy
from twostep.recipe import load as recipes


def test_the_planner_range_is_the_codebase_priced_as_max_cost_prices_it():
    recipe = recipes.load("python")
    agent = recipe.planner
    plan, _ = preview.before_plan(recipe, Strategy("small"), 50_000)
    price = price_for(agent.model)
    tokens_in = 50_000 + preview.PROMPT_TOKENS
    assert plan.low == price.cost(tokens_in, preview.PLAN_TOKENS)
    assert plan.high == price.cost(tokens_in, agent.output_tokens)  # --max-cost's headroom
    assert 0 < plan.low < plan.high


def test_the_executor_range_counts_one_task_to_the_most_and_every_fix_round():
    recipe = recipes.load("python")
    _, small = preview.before_plan(recipe, Strategy("small"), 50_000)
    _, medium = preview.before_plan(recipe, Strategy("medium"), 50_000)
    price = price_for(recipe.executor.model)
    sessions = preview.TASKS_AT_MOST + recipe.fix_rounds
    assert small.high == sessions * price.cost(50_000 + preview.PLAN_TOKENS,
                                               recipe.executor.output_tokens)
    assert medium.low < small.low  # a task's own files, not the whole pack


def test_the_words_say_whose_prices_and_the_total():
    recipe = recipes.load("python")
    own = replace(recipe, executor=replace(recipe.executor, price=Price(1.0, 2.0, 0.1)))
    lines = preview.lines(own, *preview.before_plan(own, Strategy("small"), 1_000),
                          assumed=preview.ASSUMED)
    assert lines[0].startswith("estimated cost: $") and "planner call $" in lines[0]
    assert "executor calls $" in lines[0] and "1 to 5 tasks" in lines[0]
    assert f"planner {recipe.planner.model} $1.25/$10 (the built-in price table)" in lines[1]
    assert "executor sonnet $1/$2 (the recipe's price:)" in lines[1]
    unknown = replace(recipe, planner=replace(recipe.planner, model="mystery-1"))
    assert "highest price" in preview.lines(unknown, preview.Range(0, 1), None, assumed="")[1]
