"""Count words, most frequent first."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def count(text: str) -> list[tuple[str, int]]:
    """Words of `text`, lower-cased, with their counts: most frequent first, then A→Z."""
    counts = Counter(w.lower() for w in WORD.findall(text))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def render(rows: Iterable[tuple[str, int]]) -> str:
    return "".join(f"{n:>7} {word}\n" for word, n in rows)
