"""Bytes per o200k token: the one table every size estimate uses.

Calibrated with scripts/calibrate_estimate.py on the CPython stdlib, node_modules and
/usr/include. Only repomix counts tokens exactly; these ratios bound and estimate.
"""

from __future__ import annotations

import os

BYTES_PER_TOKEN = {".py": 4.0, ".js": 3.0, ".ts": 3.9, ".h": 3.8, ".md": 3.9, ".json": 3.3,
                   ".map": 2.0, ".txt": 2.7, ".html": 3.4, ".c": 3.6}
DEFAULT_BYTES_PER_TOKEN = 3.5
MAX_BYTES_PER_TOKEN = 8.0     # the floor: worst file ≥4 KB seen was 6.3 (tokens ≤ bytes is exact)
#: Per-file bands of bytes per token for the common source types, for files of at least
#: BAND_MIN_BYTES: repomix 1.18.1's counts of 9,277 files of the issue corpus's checkouts
#: (scripts/eval_relevance.py's repositories) put files of 4 KB and more at .go 2.19-4.56,
#: .py 2.80-5.19, .pyi 2.74-4.51, .ts 2.98-5.09, .md 2.43-7.04, .rst 3.39-5.71; the band keeps a
#: margin past each. Other files keep the exact ceiling (tokens ≤ bytes) and the floor above.
BAND_BYTES_PER_TOKEN = {".go": (1.8, 6.0), ".py": (2.2, 6.5), ".pyi": (2.2, 6.5),
                        ".ts": (2.4, 6.5), ".tsx": (2.4, 6.5), ".md": (2.0, MAX_BYTES_PER_TOKEN),
                        ".rst": (2.6, MAX_BYTES_PER_TOKEN)}
BAND_MIN_BYTES = 4096
#: The spec, the plan and the prompts, which no pack counts: English prose, a round 4.
PROSE_BYTES_PER_TOKEN = 4


def tokens_of(path: str, size: int) -> int:
    """The point estimate of a file's tokens from its size in bytes."""
    return round(size / BYTES_PER_TOKEN.get(os.path.splitext(path)[1], DEFAULT_BYTES_PER_TOKEN))
