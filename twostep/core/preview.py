"""The price of a run before anything is spent: the planner call and the executor calls, each
as a range, from the prices `--max-cost` uses (cost.price_for: the recipe's `price:` for the
agent, else the built-in table). `measure`, the dry-run's header and the review gate show it.

Before the plan exists the tasks are not known: the range assumes one task at the least and
`TASKS_AT_MOST` at the most, plus every fix round. Each call's output is priced between a
typical plan or session and the whole output headroom `--max-cost` reserves; a session's input
is what it is sent (its turns may read more: the CLI's own figure can be higher).
"""

from __future__ import annotations

from dataclasses import dataclass

from twostep.core.cost import PRICES, Price, price_for
from twostep.core.recipe import Agent, Recipe, Strategy

#: Tokens of a typical plan (the planner's output, and part of each executor session's input).
PLAN_TOKENS = 4_000
#: Tokens a typical executor session writes (its edits and its last message).
SESSION_OUTPUT = 2_000
#: The spec and the prompts around the planner's input.
PROMPT_TOKENS = 2_000
TASKS_AT_MOST = 5
#: What the range before the plan assumes, in words.
ASSUMED = f"1 to {TASKS_AT_MOST} tasks, and every fix round"


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.high + other.high)

    def __str__(self) -> str:
        return f"${self.low:.2f}–${self.high:.2f}"


def price_source(agent: Agent) -> str:
    """Where the price of an agent's model comes from, in words."""
    if agent.price is not None:
        return "the recipe's price:"
    if known(agent.model):
        return "the built-in price table"
    return "the built-in table's highest price (a model it does not list)"


def _price(agent: Agent) -> Price:
    return price_for(agent.model, agent.price)


def planner(agent: Agent, codebase_tokens: int) -> Range:
    """One planner call: the codebase (as much as its input budget takes), the spec, the prompt."""
    tokens_in = min(codebase_tokens, agent.input_budget) + PROMPT_TOKENS
    price = _price(agent)
    return Range(price.cost(tokens_in, PLAN_TOKENS), price.cost(tokens_in, agent.output_tokens))


def executor(agent: Agent, session_in: tuple[int, int], sessions: tuple[int, int]) -> Range:
    """`sessions` executor calls, each sent between `session_in` tokens."""
    price = _price(agent)
    low_in, high_in = (min(t, agent.input_budget) for t in session_in)
    return Range(sessions[0] * price.cost(low_in, SESSION_OUTPUT),
                 sessions[1] * price.cost(high_in, agent.output_tokens))


def before_plan(recipe: Recipe, strategy: Strategy, codebase_tokens: int) -> tuple[Range, Range]:
    """The planner call and the executor calls of a whole run, from the codebase's size."""
    # The small strategy sends each session the whole pack; the others, the task's own files.
    least = PLAN_TOKENS + (codebase_tokens if strategy.executor_whole else 0)
    sessions = (1, TASKS_AT_MOST + recipe.fix_rounds)
    return (planner(recipe.planner, codebase_tokens),
            executor(recipe.executor, (least, PLAN_TOKENS + codebase_tokens), sessions))


def lines(recipe: Recipe, plan: Range | None, execute: Range | None, *,
          assumed: str) -> list[str]:
    """The estimate in words: each role's range, the total, and whose prices."""
    calls = [("planner", recipe.planner, "call", plan), ("executor", recipe.executor, "calls",
                                                         execute)]
    calls = [c for c in calls if c[3] is not None]
    parts = [f"{role} {word} {cost}" for role, _, word, cost in calls]
    total = sum((c[3] for c in calls if c[3] is not None), Range(0.0, 0.0))
    sources = "; ".join(f"{role} {a.model} ${_price(a).input_per_mtok:g}/"
                        f"${_price(a).output_per_mtok:g} ({price_source(a)})"
                        for role, a, _, _ in calls)
    why = f"; {assumed}" if assumed else ""
    return [f"estimated cost: {total} ({', '.join(parts)}{why})",
            f"prices per million tokens in/out, as --max-cost uses them: {sources}"]


def known(model: str) -> bool:
    """Whether the built-in table lists the model (by name or family)."""
    return any(model.split("[", 1)[0].startswith(name) or name in model for name in PRICES)
