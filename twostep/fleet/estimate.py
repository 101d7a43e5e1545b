"""What a fleet may cost, said once before it starts (on a terminal): each item's codebase
estimated from file sizes (nothing is packed), sent once to the planner and once to the
executor at their prices, plus their output headroom. A rough figure: a task-by-task run sends
the executor more than once, and a large codebase's planner gets a slice."""

from __future__ import annotations

from pathlib import Path

from twostep.core.cost import price_for
from twostep.errors import TwostepError
from twostep.fleet.items import Item
from twostep.recipe import builtin, detect
from twostep.recipe import load as recipes
from twostep.sizing.estimate import estimate


def _recipe_name(item: Item) -> str:
    if item.recipe or (item.repo / builtin.DEFAULT_FILE).is_file():
        return builtin.named_or_default(item.recipe, item.repo)
    return detect.fallback(item.repo, real=False, verifies=False)


def item_cost(item: Item, seen: dict[tuple[Path, str], float | None]) -> float | None:
    """USD, or None when the recipe cannot be read (the item's run will say why)."""
    try:
        name = _recipe_name(item)
        if (item.repo, name) not in seen:
            recipe = recipes.load(name, cwd=item.repo)
            tokens = estimate(item.repo, recipe.codebase).tokens
            seen[(item.repo, name)] = sum(
                price_for(agent.model, agent.price).cost(tokens, agent.output_tokens)
                for agent in (recipe.planner, recipe.executor))
        return seen[(item.repo, name)]
    except TwostepError:
        return None


def lines(items: list[Item]) -> list[str]:
    """One line per item, then the total."""
    seen: dict[tuple[Path, str], float | None] = {}
    costs = [item_cost(i, seen) for i in items]
    out = [f"  {i.id}: {i.spec}" + (f" ({i.recipe})" if i.recipe else "")
           + (f", on {i.branch}" if i.branch else "")
           + (f", in {i.repo}" if i.repo != items[0].repo else "")
           + (f"  ~${c:.2f}" if c is not None else "  (cost unknown)")
           for i, c in zip(items, costs, strict=True)]
    known = [c for c in costs if c is not None]
    out.append(f"{len(items)} item(s), estimated ~${sum(known):.2f} in all "
               "(each codebase once to the planner and once to the executor)")
    return out
