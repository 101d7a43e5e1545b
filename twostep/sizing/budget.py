"""Refuse to call a model CLI with input that cannot fit: its window, or the CLI's own limit.

Byte sizes bound the CLIs' limits from above without reading the files: both CLIs count
JavaScript string length (UTF-16 units), which is never more than the UTF-8 byte count.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from twostep import agents
from twostep.core.recipe import Agent
from twostep.errors import ContextTooLarge
from twostep.sizing.tokens import PROSE_BYTES_PER_TOKEN
from twostep.tools.repomix import parse_repomix_summary

#: Override every CLI's own input limit (each adapter states it), e.g. for a CLI version that
#: lifts its limit, or a benchmark with stand-ins.
MAX_CHARS_ENV = "TWOSTEP_MAX_INPUT_CHARS"


def limit(chars: int) -> int:
    """A CLI's character limit, or the override."""
    return int(os.environ.get(MAX_CHARS_ENV) or chars)


def max_chars(agent: Agent) -> int:
    """The most characters of input `agent`'s CLI takes: its adapter's limit for the agent's
    model window, or the override."""
    return limit(agents.get(agent.cli).input_chars(agent))


@dataclass(frozen=True)
class Fit:
    tokens: int
    budget: int
    chars: int
    max_chars: int

    @property
    def ok(self) -> bool:
        return self.tokens <= self.budget and self.chars <= self.max_chars


def pack_tokens(logs: tuple[Path, ...], counted: tuple[Path, ...] = ()) -> int:
    """repomix's counts of the packs in a model's input, from their summaries. A pack cut after
    its count (trim-tiers) scales with what it keeps; a missing log (/dev/null: no pack) is 0."""
    tokens = 0
    for i, log in enumerate(logs):
        if not log.is_file():
            continue
        summary = parse_repomix_summary(log.read_text(errors="replace"))
        pack = counted[i] if i < len(counted) else None
        now = len(pack.read_text(errors="replace")) if pack and pack.exists() else None
        scale = min(1.0, now / summary.total_chars) if now is not None and summary.total_chars \
            else 1.0
        tokens += int(summary.total_tokens * scale)
    return tokens


def input_tokens(pack_tokens: int, files: list[Path], prompt_chars: int,
                 counted: list[Path] | None = None) -> int:
    """`pack_tokens`: repomix's count of the `counted` files (default: the last file, the pack);
    the rest of the input (spec, plan, a map, the prompt) is estimated as prose."""
    sizes = sum(f.stat().st_size for f in files if f.exists())
    packs = counted if counted is not None else files[-1:]
    pack_bytes = sum(f.stat().st_size for f in packs if f.exists())
    return pack_tokens + (sizes - pack_bytes + prompt_chars) // PROSE_BYTES_PER_TOKEN


def check(role: str, cli: str, budget: int, pack_tokens: int, files: list[Path],
          prompt_chars: int, counted: list[Path] | None = None, *, max_chars: int) -> Fit:
    """Refuse input over the model's token budget or the CLI's character limit (`max_chars`,
    the override applied)."""
    sizes = sum(f.stat().st_size for f in files if f.exists())
    fit = Fit(input_tokens(pack_tokens, files, prompt_chars, counted), budget,
              sizes + prompt_chars + 2, max_chars)
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
