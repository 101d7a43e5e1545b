"""Choosing agents and a budget on the command line: `--planner CLI[:MODEL]`,
`--executor CLI[:MODEL]` and `--max-cost USD` over what the recipe says.

Another CLI than the recipe's starts from that CLI's defaults for the role (as a recipe that
changes `cli:` does); the same CLI keeps the recipe's settings and changes only the model.
The choices are stored in the manifest, so `twostep resume` applies them again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from twostep import agents
from twostep.core.recipe import Agent, Recipe
from twostep.errors import InputError
from twostep.recipe.load import make_agent


@dataclass(frozen=True)
class Choices:
    planner: str | None = None
    executor: str | None = None
    max_cost: float | None = None

    def to_json(self) -> dict:
        return {"planner": self.planner, "executor": self.executor, "max_cost": self.max_cost}

    @classmethod
    def from_json(cls, data: dict | None) -> Choices:
        data = data or {}
        return cls(data.get("planner"), data.get("executor"), data.get("max_cost"))


def _agent(role: str, current: Agent, value: str) -> Agent:
    cli, _, model = value.partition(":")
    if cli not in agents.for_role(role):
        raise InputError(f"--{role} {value}: {cli!r} cannot be the {role}",
                         hint=f"choose one of: {', '.join(agents.for_role(role))}")
    if cli == current.cli:
        return replace(current, model=model) if model else current
    return make_agent(role, {"cli": cli, **({"model": model} if model else {})})


def apply(recipe: Recipe, choices: Choices) -> Recipe:
    if choices.max_cost is not None and choices.max_cost <= 0:
        raise InputError(f"--max-cost {choices.max_cost}: must be a positive amount of USD")
    chosen = tuple(a for role, value in (("planner", choices.planner),
                                         ("executor", choices.executor)) if value
                   for a in (f"--{role}", value))
    return replace(
        recipe, chosen=(*recipe.chosen, *chosen),
        planner=_agent("planner", recipe.planner, choices.planner) if choices.planner
        else recipe.planner,
        executor=_agent("executor", recipe.executor, choices.executor) if choices.executor
        else recipe.executor,
        budget_usd=choices.max_cost if choices.max_cost is not None else recipe.budget_usd)
