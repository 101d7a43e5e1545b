"""The packing strategy: small, medium or large, from the codebase's token count.

`Strategies.choose` (the recipe's thresholds) is the one classifier; it is monotonic in the
token count, so an estimate's band decides iff both of its ends get the same strategy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twostep.core.recipe import Strategies
    from twostep.sizing.estimate import Estimate

#: The strategy names; the command line lists them without loading anything else.
STRATEGIES = ("small", "medium", "large")


def decide(estimate: Estimate, strategies: Strategies) -> str | None:
    """The strategy if every count inside [low, high] gets the same one, else None
    (the caller must count exactly with repomix)."""
    low, high = strategies.choose(estimate.low), strategies.choose(estimate.high)
    return low if low == high else None
