"""Refuse to call a model CLI with input that cannot fit: its window, or the CLI's own limit.

Byte sizes bound the CLIs' limits from above without reading the files: both CLIs count
JavaScript string length (UTF-16 units), which is never more than the UTF-8 byte count.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from twostep import agents
from twostep.errors import ContextTooLarge
from twostep.sizing.tokens import PROSE_BYTES_PER_TOKEN

#: Override every CLI's own input limit (each adapter states it), e.g. for a CLI version that
#: lifts its limit, or a benchmark with stand-ins.
MAX_CHARS_ENV = "TWOSTEP_MAX_INPUT_CHARS"


def max_chars(cli: str) -> int:
    """The most characters of input `cli` accepts: its adapter's limit, or the override."""
    return int(os.environ.get(MAX_CHARS_ENV) or agents.get(cli).max_input_chars)


@dataclass(frozen=True)
class Fit:
    tokens: int
    budget: int
    chars: int
    max_chars: int

    @property
    def ok(self) -> bool:
        return self.tokens <= self.budget and self.chars <= self.max_chars


def check(role: str, cli: str, budget: int, pack_tokens: int, files: list[Path],
          prompt_chars: int, counted: list[Path] | None = None) -> Fit:
    """`pack_tokens`: repomix's count of the `counted` files (default: the last file, the pack);
    the rest of the input (spec, plan, a map) is estimated as prose."""
    sizes = sum(f.stat().st_size for f in files if f.exists())
    packs = counted if counted is not None else files[-1:]
    pack_bytes = sum(f.stat().st_size for f in packs if f.exists())
    other_tokens = (sizes - pack_bytes + prompt_chars) // PROSE_BYTES_PER_TOKEN
    limit = max_chars(cli)
    fit = Fit(pack_tokens + other_tokens, budget, sizes + prompt_chars + 2, limit)
    if fit.tokens > fit.budget:
        raise ContextTooLarge(
            f"the {role}'s input is {fit.tokens:,} tokens, over its budget of {fit.budget:,} "
            f"({role}.context_tokens less {role}.output_tokens)",
            hint="use a larger-context model, or the large strategy with a smaller slice")
    if fit.chars > fit.max_chars:
        raise ContextTooLarge(
            f"the {role}'s input is {fit.chars:,} characters, over what `{cli}` accepts "
            f"({fit.max_chars:,}); {cli} would drop or refuse it",
            hint="narrow the recipe's codebase or slice")
    return fit
