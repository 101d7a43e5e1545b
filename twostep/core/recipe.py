"""The recipe model: what a recipe says, frozen. recipe/load.py reads YAML into it."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from enum import Enum
from typing import Any, TypeVar

from twostep.core.cost import Price
from twostep.core.options import CliOptions


class Strategy(str, Enum):
    """How much of the codebase each model gets, by the codebase's size (Strategies.choose)."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    def __str__(self) -> str:  # "large" in messages, whatever the Python version
        return self.value

    @property
    def planner_tiers(self) -> bool:
        """The planner's input may be built in tiers (a map, full text, compressed)."""
        return self is Strategy.LARGE

    @property
    def executor_whole(self) -> bool:
        """The executor gets the whole codebase pack, not its task's files and their callers."""
        return self is Strategy.SMALL


class ExecuteBy(str, Enum):
    """`task`: a fresh executor session per task of the plan; `plan`: the plan as one task."""

    TASK = "task"
    PLAN = "plan"

    def __str__(self) -> str:
        return self.value


EXECUTE_BY = tuple(e.value for e in ExecuteBy)
#: How the large strategy fills the planner's input: `lean` stops adding full text where
#: relevance falls off; `full` fills the budget.
FILLS = ("lean", "full")
OptionsT = TypeVar("OptionsT", bound=CliOptions)


@dataclass(frozen=True)
class Agent:
    """One model CLI: who plans or who executes, and within which limits. The fields are the
    keys every CLI has; the keys of one CLI alone are in `options` (core/options.py)."""

    cli: str
    model: str
    prompt: str
    flags: tuple[str, ...] = ()
    timeout: float = 1800.0
    #: Seconds a CLI may go without sending or printing anything before it is stopped.
    stall_after: float = 300.0
    retries: int = 2
    context_tokens: int = 1_000_000
    output_tokens: int = 32_000
    #: USD per million tokens; None: the built-in table's price for the model (core/cost.py).
    price: Price | None = None
    #: The keys of this CLI alone: its adapter's CliOptions subclass (recipe/load.make_agent).
    options: CliOptions = field(default_factory=CliOptions)

    @property
    def input_budget(self) -> int:
        """Tokens the input may use: the window less the headroom kept for the answer."""
        return self.context_tokens - self.output_tokens

    def options_as(self, kind: type[OptionsT]) -> OptionsT:
        """The options as the adapter's own type. An Agent made without options (the base
        CliOptions) has that type's defaults; another CLI's options are a programming error
        (an agent whose cli changes starts from the new CLI's defaults: make_agent)."""
        if isinstance(self.options, kind):
            return self.options
        if type(self.options) is CliOptions:
            return kind()
        raise TypeError(f"a {self.cli} agent holds {type(self.options).__name__}, "
                        f"not {kind.__name__}")


@dataclass(frozen=True)
class Strategies:
    """small < small_below ≤ medium ≤ medium_below < large."""

    small_below: int = 100_000
    medium_below: int = 200_000
    slice: tuple[str, ...] = ()
    fill: str = "lean"
    #: Pathspecs of the docs (ranked apart from code, never displacing it), and of the docs
    #: never sent in full text unless the spec names them (changelogs, release notes, ...).
    docs: tuple[str, ...] = ()
    never_full: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < self.small_below <= self.medium_below:
            raise ValueError(f"need 0 < small_below <= medium_below, got {self}")

    def choose(self, tokens: int) -> Strategy:
        """The one classifier of token counts into strategies."""
        if tokens < self.small_below:
            return Strategy.SMALL
        return Strategy.MEDIUM if tokens <= self.medium_below else Strategy.LARGE


@dataclass(frozen=True)
class Recipe:
    name: str
    source: str
    description: str
    codebase: tuple[str, ...]
    planner: Agent
    executor: Agent
    strategies: Strategies = Strategies()
    plan: str = "AI-PLAN.md"
    plan_files: tuple[str, ...] = ()
    verify: tuple[tuple[str, ...], ...] = ()
    #: The most a run may spend on model calls, in USD (`budget_usd:`, `--max-cost`).
    budget_usd: float | None = None
    #: `task`: a fresh executor session per task of the plan; `plan`: one session for all.
    execute_by: ExecuteBy = ExecuteBy.TASK
    #: Bounded fix sessions after a failing verify (0: none).
    fix_rounds: int = 2
    #: Tasks run side by side at most (`jobs:`, `--jobs`); 1 runs them one after another.
    jobs: int = 3
    #: The command line's `--planner`/`--executor` over the recipe file, as a stage's arguments:
    #: stages load the recipe from `source` and must apply them again (recipe/choose.py).
    chosen: tuple[str, ...] = ()

    @property
    def stage_args(self) -> tuple[str, ...]:
        """How a stage names this recipe: `--recipe SOURCE`, then the agents chosen over it."""
        return ("--recipe", self.source, *self.chosen)


def agent_default(name: str) -> Any:
    """An Agent field's default, so the recipe schema states each default once (here)."""
    field = next(f for f in fields(Agent) if f.name == name)
    if field.default is MISSING:
        raise KeyError(f"Agent.{name} has no default")
    return field.default
