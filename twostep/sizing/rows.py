"""`twostep measure`'s per-directory rows: disjoint, and adding up to the total shown.

`by_dir` lists each top-level directory and, for a big one, its subdirectories too (the
planner's slice chooses among both); a table must not count a file twice.
"""

from __future__ import annotations


def units(by_dir: tuple[tuple[str, int], ...]) -> list[tuple[str, int]]:
    """The finest breakdown available: a directory split one level down is replaced by its parts."""
    split = {d.split("/")[0] for d, _ in by_dir if "/" in d}
    return [(d, t) for d, t in by_dir if d not in split]


def rows(by_dir: tuple[tuple[str, int], ...], total: int, limit: int = 10
         ) -> list[tuple[str, int]]:
    """(label, tokens) rows whose sum is `total`: the largest directories, the rest in one row,
    and what the pack adds beyond the files' contents (its tree and per-file headers)."""
    disjoint = sorted(units(by_dir), key=lambda kv: (-kv[1], kv[0]))
    shown = disjoint[:limit]
    out = list(shown)
    rest = disjoint[limit:]
    if rest:
        out.append((f"({len(rest)} more director{'y' if len(rest) == 1 else 'ies'})",
                    sum(t for _, t in rest)))
    remainder = total - sum(t for _, t in out)
    if remainder:
        out.append(("(pack structure: directory tree, file headers; estimate rounding)", remainder))
    return out


def table(by_dir: tuple[tuple[str, int], ...], total: int, limit: int = 10) -> list[str]:
    lines = [f"  {t:>12,}  {label}" for label, t in rows(by_dir, total, limit)]
    return [*lines, f"  {'─' * 12}", f"  {total:>12,}  total"]
