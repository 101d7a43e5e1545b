"""Fit the tiers by their real size, once repomix has packed and counted them.

The tiers were planned from estimates; `--compress` shrinks code well but not data (a long
string literal stays whole), so the compressed pack can come out larger than planned. When the
real counts (the packs' repomix logs) with the map and the spec are over the planner's budget,
the least relevant compressed files are taken out of the compressed pack, whole `<file>` blocks
at a time, until it fits; they stay named in the map (marked `-`), and tiers.json says why.
A pack's tokens after the cut are its count scaled by the characters it keeps (fit does the
same), so nothing is decided on an estimate the real count contradicts.

Before that, what repomix really packed is checked: a file planned in a tier whose pack lacks
it (its secret scan dropped it, or it found binary content) is marked x in the map with the
reason, and leaves the tier's listing, so the map claims no file the request does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from twostep.sizing.tiers import MAP_CHARS_PER_TOKEN, render_map

_BLOCK = re.compile(r'<file path="([^"]*)">\n.*?\n</file>\n', re.S)
WHY = "left out: its compressed view was larger than estimated; over the planner's budget"


@dataclass(frozen=True)
class Pack:
    text: str
    tokens: int   # repomix's count of the pack as written
    chars: int    # repomix's character count of the pack as written

    @property
    def per_char(self) -> float:
        return self.tokens / self.chars if self.chars else 0.0


@dataclass(frozen=True)
class Trimmed:
    text: str
    dropped: tuple[str, ...]
    tokens: int   # the codebase part after the cut: packs (scaled) and map


def _unescape(path: str) -> str:
    return (path.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
            .replace("&apos;", "'").replace("&amp;", "&"))


def _order(report: Mapping[str, Any]) -> list[str]:
    """Compressed files, least relevant first: no evidence (largest first), then by rank."""
    why: Mapping[str, str] = report.get("why", {})
    sizes: Mapping[str, int] = report.get("tokens", {})

    def rank(path: str) -> int:
        found = re.search(r"relevance rank (\d+)", why.get(path, ""))
        return int(found.group(1)) if found else 10**9
    return sorted(report.get("compressed", []),
                  key=lambda p: (-rank(p), -sizes.get(p, 0), p))


def trim(full: Pack, compressed: Pack, map_text: str, report: Mapping[str, Any], *,
         budget_tokens: int, budget_chars: int) -> Trimmed | None:
    """The compressed pack with enough of its least relevant files removed, or None when the
    tiers fit as packed."""
    map_tokens = len(map_text) // MAP_CHARS_PER_TOKEN + 1
    tokens = full.tokens + compressed.tokens + map_tokens
    chars = len(full.text) + len(compressed.text) + len(map_text)
    if tokens <= budget_tokens and chars <= budget_chars:
        return None
    blocks = {_unescape(m.group(1)): m for m in _BLOCK.finditer(compressed.text)}
    dropped: list[str] = []
    for path in _order(report):
        if tokens <= budget_tokens and chars <= budget_chars:
            break
        block = blocks.get(path)
        if block is None:
            continue
        size = block.end() - block.start()
        tokens -= int(size * compressed.per_char)
        chars -= size
        dropped.append(path)
    gone = set(dropped)
    text = _BLOCK.sub(lambda m: "" if _unescape(m.group(1)) in gone else m.group(0),
                      compressed.text)
    return Trimmed(text, tuple(sorted(dropped)), tokens)


def packed(text: str) -> set[str]:
    """The paths of a pack's `<file>` blocks."""
    return {_unescape(m.group(1)) for m in _BLOCK.finditer(text)}


def unpacked(report: Mapping[str, Any], packs: Mapping[str, str], suspicious: Sequence[str],
             binary: Sequence[str]) -> dict[str, str]:
    """{path: why} for the files planned in a tier (`packs`: tier -> its pack's text) that the
    pack does not hold; repomix's logs name why (suspicious, binary content)."""
    reasons = (dict.fromkeys(binary, "repomix found binary content") |
               dict.fromkeys(suspicious, "repomix's secret scan flagged it"))
    out = {}
    for tier, text in packs.items():
        held = packed(text)
        for path in report.get(tier, []):
            if path not in held:
                out[path] = reasons.get(path, "repomix did not pack it")
    return out


def excluded_report(report: dict[str, Any], gone: Mapping[str, str]) -> dict[str, Any]:
    """The report with the files repomix did not pack out of their tiers, marked excluded."""
    for tier in ("full", "compressed"):
        report[tier] = [p for p in report[tier] if p not in gone]
    report["excluded"] = {**report.get("excluded", {}), **gone}
    for path, why in gone.items():
        report["why"][path] = f"excluded: {why}"
    report["summary"] = _recount(report) + (
        f"; after packing, {len(gone):,} planned files turned out not packed (marked x)")
    return report


def _recount(report: Mapping[str, Any]) -> str:
    """The summary with its file counts as the listings now stand: what is sent."""
    text = re.sub(r"[\d,]+ files in full text", f"{len(report['full']):,} files in full text",
                  report["summary"], count=1)
    return re.sub(r"[\d,]+ compressed \(", f"{len(report['compressed']):,} compressed (", text,
                  count=1)


def counts(report: Mapping[str, Any]) -> str:
    """What the request holds, counted from the listings as they stand."""
    return (f"{len(report['full']):,} files in full text, {len(report['compressed']):,} "
            f"compressed, {len(report.get('excluded', {})):,} not packed")


def updated_report(report: dict[str, Any], dropped: Sequence[str]) -> dict[str, Any]:
    gone = set(dropped)
    report["compressed"] = [p for p in report["compressed"] if p not in gone]
    report["left_out"] = sorted(set(report["left_out"]) | gone)
    for path in dropped:
        report["why"][path] = WHY
    report["summary"] = _recount(report) + (f"; after packing, {len(dropped):,} compressed "
                                            f"files were taken out to fit the real count")
    return report


def updated_map(report: Mapping[str, Any], map_text: str) -> str:
    """The map with the tiers' marks as they now stand (a directory map has no marks)."""
    sizes: Mapping[str, int] = report.get("tokens", {})
    if not report.get("mapped") or not sizes:
        return map_text
    marks = dict.fromkeys(report["full"], "F") | dict.fromkeys(report["compressed"], "C")
    return render_map(sizes.items(), marks, report.get("excluded", {}))
