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
#: The spec, the plan and the prompts, which no pack counts: English prose, a round 4.
PROSE_BYTES_PER_TOKEN = 4


def tokens_of(path: str, size: int) -> int:
    """The point estimate of a file's tokens from its size in bytes."""
    return round(size / BYTES_PER_TOKEN.get(os.path.splitext(path)[1], DEFAULT_BYTES_PER_TOKEN))
