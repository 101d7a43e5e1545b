"""The planner's input in tiers, most valuable first, always within its budget.

(c) a map of every selected path with its size in tokens, paid for first, so the planner knows
    the whole codebase exists and can name any file in its plan;
(a) the full text of the recipe's slice (the floor), then of the most relevant files;
(b) a compressed view (`repomix --compress`: signatures and structure) of the next files.
When the whole selection fits in full and there is no floor, all of it goes in full text and
the map is left out: repomix's own directory structure already names every file.

Everything here is arithmetic on estimates (tokens per path, characters per path): no file is
read. The order is the ranking's, then the path, so the same inputs give the same tiers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

#: Tokens of `repomix --compress` over tokens of the plain pack, both counted by repomix 1.18.1
#: (o200k) with TREE_PACK_FLAGS, on the corpus codebases (tests/corpora/relevance/build.py):
#:   every 4th tracked .py file of the stdlib copy (447 files): 885,942 / 1,947,000 = 0.455
#:   13 stdlib packages and modules, tests excluded (121 files): 287,385 / 509,736 = 0.564
#:   every 4th .py file of Django 5.1.4 (220 files):             145,213 /   292,390 = 0.497
#: The highest ratio is used: an estimate too high wastes budget, one too low overflows it.
COMPRESS_RATIO = 0.57
#: The same for characters (gemini's limit is in characters): 0.394, 0.484 and 0.416.
COMPRESS_CHARS_RATIO = 0.49
#: Share of the room (after the map) that relevant files may take in full text before the
#: compressed tier gets the rest; what the compressed tier leaves unused goes back to full text.
FULL_SHARE = 0.6
#: Past the TOP_UNCAPPED most relevant files, one file's compressed view may take at most this
#: share of the room (and at least COMPRESSED_FILE_MIN tokens): breadth is the point of the
#: compressed tier, and a data file (pydoc_data/topics.py: 189K tokens) barely compresses.
COMPRESSED_FILE_SHARE = 0.03
COMPRESSED_FILE_MIN = 2_000
TOP_UNCAPPED = 10
#: The map may take at most this share of the budget; past it, it lists directories instead.
MAP_SHARE = 0.25
#: Conservative characters per token of the map (paths and numbers tokenize poorly).
MAP_CHARS_PER_TOKEN = 3
#: Characters per token when the caller gives no character sizes (Python measured 4.6).
CHARS_PER_TOKEN = 4
#: One pack's fixed cost (repomix's file summary and wrappers: estimate.HEADER_TOKENS + slack).
PACK_TOKENS, PACK_CHARS = 400, 2_000
MAP_HEAD = ("<codebase_map>\nEvery selected file of the codebase with its size in tokens. "
            "F: in full text below; C: compressed (signatures and structure); "
            "-: not included, name it in the plan if it matters.\n")
MAP_TAIL = "</codebase_map>\n"


class RankedLike(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def score(self) -> float: ...


@dataclass(frozen=True)
class Tiers:
    full: tuple[str, ...]
    compressed: tuple[str, ...]
    mapped: tuple[str, ...]        # the paths the map lists (every selected path); () if whole
    left_out: tuple[str, ...]      # neither full nor compressed (still named in the map)
    reasons: tuple[tuple[str, str, str], ...]  # (path, tier, why), in path order
    tokens: int                    # estimated planner input of the codebase, map included
    chars: int
    map_text: str = ""
    whole: bool = False
    summary: str = ""
    by_tier: Mapping[str, int] = field(default_factory=dict)  # estimated tokens per tier


def _file_tokens(path: str, tokens: int) -> int:
    # the <file path="…"> wrapper and the path's line in repomix's directory structure
    return tokens + 12 + len(path) // 2


def _file_chars(path: str, chars: int) -> int:
    return chars + 30 + 2 * len(path)


def render_map(paths_with_tokens: Iterable[tuple[str, int]],
               marks: Mapping[str, str] | None = None) -> str:
    """The map the planner sees: paths grouped under their directory, each with its tokens.
    Without `marks` every row carries a placeholder mark of the same width, so the text's size
    (the map's cost) does not depend on which tier each file lands in."""
    lines, current = [MAP_HEAD], None
    # by directory, then name: each directory's files sit together under one header
    for path, tokens in sorted(paths_with_tokens, key=lambda r: (r[0].rpartition("/")[0], r[0])):
        head, _, name = path.rpartition("/")
        if head != current:
            current = head
            if head:
                lines.append(f"{head}/\n")
        mark = (marks or {}).get(path, "-" if marks is not None else "F")
        lines.append(f"{'  ' if head else ''}{mark} {name} {tokens}\n")
    lines.append(MAP_TAIL)
    return "".join(lines)


def render_directory_map(sizes: Mapping[str, int], depth: int) -> str:
    """A coarser map for selections too large to list file by file: directories `depth` deep."""
    dirs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, tokens in sizes.items():
        parts = path.split("/")[:-1][:depth]
        row = dirs["/".join(parts) + "/" if parts else "./"]
        row[0] += 1
        row[1] += tokens
    body = "".join(f"{d} {n} files {t}\n" for d, (n, t) in sorted(dirs.items()))
    return MAP_HEAD.replace("Every selected file", "Every selected directory") + body + MAP_TAIL


def _map(sizes: Mapping[str, int], budget: int, map_cost: int | None) -> tuple[str, int, bool]:
    """(placeholder map text, its tokens, whether it lists files) within MAP_SHARE."""
    text = render_map(sizes.items())
    cost = map_cost if map_cost is not None else len(text) // MAP_CHARS_PER_TOKEN + 1
    depth = max((p.count("/") for p in sizes), default=0)
    while cost > budget * MAP_SHARE and depth >= 0:
        text = render_directory_map(sizes, depth)
        cost, depth = len(text) // MAP_CHARS_PER_TOKEN + 1, depth - 1
    return text, cost, text.startswith(MAP_HEAD)


def _order(ranked: Sequence[RankedLike], paths: Sequence[str], floor: Iterable[str]) -> list[str]:
    """Floor first, then by relevance, then files beside relevant ones, then by path."""
    known = set(paths)
    relevant = [r.path for r in ranked if r.path in known]
    seen = set(relevant)
    near = {p.rpartition("/")[0] for p in relevant[:50]}
    rest = sorted((p for p in paths if p not in seen),
                  key=lambda p: (p.rpartition("/")[0] not in near, p))
    floor_set = set(floor) & known
    ordered = relevant + rest
    return [p for p in ordered if p in floor_set] + [p for p in ordered if p not in floor_set]


class _Room:
    """What is left of the budget, in tokens and characters; tiers take from it."""

    def __init__(self, tokens: int, chars: int) -> None:
        self.tokens, self.chars = tokens, chars

    def take(self, tokens: int, chars: int, cap: int | None = None) -> bool:
        if tokens > self.tokens or chars > self.chars or (cap is not None and tokens > cap):
            return False
        self.tokens -= tokens
        self.chars -= chars
        return True


@dataclass
class _Plan:
    sizes: Mapping[str, int]
    chars: Mapping[str, int]
    room: _Room
    tier: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)

    def full(self, p: str) -> tuple[int, int]:
        return _file_tokens(p, self.sizes[p]), _file_chars(p, self.chars[p])

    def compressed(self, p: str) -> tuple[int, int]:
        return (_file_tokens(p, int(self.sizes[p] * COMPRESS_RATIO + 1)),
                _file_chars(p, int(self.chars[p] * COMPRESS_CHARS_RATIO + 1)))


def _fill(plan: _Plan, order: list[str], floor: set[str], ranks: Mapping[str, int]) -> None:
    full_cap = int(plan.room.tokens * FULL_SHARE)
    file_cap = max(int(plan.room.tokens * COMPRESSED_FILE_SHARE), COMPRESSED_FILE_MIN)
    for p in (p for p in order if p in floor):  # (a) the floor: all of the room if needed
        if plan.room.take(*plan.full(p)):
            plan.tier[p], plan.why[p] = "full", "the recipe's slice"
    for p in (p for p in order if p in ranks and p not in plan.tier):  # (a) relevant files
        tokens, chars = plan.full(p)
        if plan.room.take(tokens, chars, full_cap):
            full_cap -= tokens
            plan.tier[p], plan.why[p] = "full", f"relevance rank {ranks[p]}"
    for p in (p for p in order if p not in plan.tier):  # (b) the next files, compressed
        tokens, chars = plan.compressed(p)
        capped = ranks.get(p, TOP_UNCAPPED + 1) > TOP_UNCAPPED and tokens > file_cap
        if not capped and plan.room.take(tokens, chars):
            plan.tier[p] = "compressed"
            plan.why[p] = (f"relevance rank {ranks[p]}, no room in full text" if p in ranks
                           else "no evidence of relevance" + (", the recipe's slice over the budget"
                                                             if p in floor else ""))
    for p in (p for p in order if plan.tier.get(p) == "compressed"):  # spare room: upgrade
        (ft, fc), (ct, cc) = plan.full(p), plan.compressed(p)
        if plan.room.take(ft - ct, fc - cc):
            plan.tier[p], plan.why[p] = "full", plan.why[p].split(",")[0] + ", room to spare"
    for p in order:
        if p not in plan.tier:
            plan.tier[p], plan.why[p] = "left out", "over the planner's budget; in the map"


def _whole(sizes: Mapping[str, int], chars: Mapping[str, int], budget: int,
           max_chars: int) -> tuple[int, int] | None:
    tokens = PACK_TOKENS + sum(_file_tokens(p, t) for p, t in sizes.items())
    size = PACK_CHARS + sum(_file_chars(p, c) for p, c in chars.items())
    return (tokens, size) if tokens <= budget and size <= max_chars else None


def plan_tiers(ranked: Sequence[RankedLike], sizes: Mapping[str, int], *, budget_tokens: int,
               max_chars: int, floor: Sequence[str] = (), map_cost: int | None = None,
               file_chars: Mapping[str, int] | None = None, allow_whole: bool = True) -> Tiers:
    """Assign every selected path (the keys of `sizes`, estimated tokens) to a tier.

    `ranked`: the relevance ranking (anything with .path and .score), best first. `floor`: the
    files of the recipe's slice. `map_cost`: the map's tokens if counted, else estimated from its
    text. `file_chars`: characters per path (byte sizes bound them); else tokens × 4.
    `allow_whole=False`: the caller already knows the whole codebase does not fit (a real count)."""
    paths = sorted(sizes)
    chars = dict(file_chars) if file_chars is not None else {p: sizes[p] * CHARS_PER_TOKEN
                                                               for p in paths}
    chars = {p: chars.get(p, sizes[p] * CHARS_PER_TOKEN) for p in paths}
    whole = None if floor or not allow_whole else _whole(sizes, chars, budget_tokens, max_chars)
    if whole is not None:
        reasons = tuple((p, "full", "the whole codebase fits the planner's budget") for p in paths)
        summary = (f"the whole codebase fits the planner's budget ({whole[0]:,} of "
                   f"{budget_tokens:,} tokens): all {len(paths):,} files in full text")
        return Tiers(tuple(paths), (), (), (), reasons, whole[0], whole[1], whole=True,
                     summary=summary, by_tier={"full": whole[0]})
    text, map_tokens, by_file = _map(sizes, budget_tokens, map_cost)
    room = _Room(budget_tokens - map_tokens - 2 * PACK_TOKENS,
                 max_chars - len(text) - 2 * PACK_CHARS)
    plan = _Plan(sizes, chars, room)
    ranks = {r.path: i + 1 for i, r in enumerate(r for r in ranked if r.path in sizes)}
    _fill(plan, _order(ranked, paths, floor), set(floor), ranks)
    return _result(plan, paths, text, map_tokens, by_file, budget_tokens)


def _result(plan: _Plan, paths: list[str], text: str, map_tokens: int, by_file: bool,
            budget: int) -> Tiers:
    pick = {t: tuple(p for p in paths if plan.tier[p] == t) for t in ("full", "compressed",
                                                                        "left out")}
    marks = {p: {"full": "F", "compressed": "C"}.get(plan.tier[p], "-") for p in paths}
    map_text = render_map(((p, plan.sizes[p]) for p in paths), marks) if by_file else text
    packs = [bool(pick["full"]), bool(pick["compressed"])]  # an empty tier is not packed
    by_tier = {"map": map_tokens,
               "full": packs[0] * PACK_TOKENS + sum(plan.full(p)[0] for p in pick["full"]),
               "compressed": packs[1] * PACK_TOKENS + sum(plan.compressed(p)[0]
                                                          for p in pick["compressed"])}
    tokens = sum(by_tier.values())
    chars = len(map_text) + sum(packs) * PACK_CHARS + sum(
        plan.full(p)[1] for p in pick["full"]) + sum(
        plan.compressed(p)[1] for p in pick["compressed"])
    summary = (f"filled to {budget:,} tokens (the planner's budget less the spec, the prompt "
               f"and a margin for the estimate): "
               f"{len(pick['full']):,} files in full text ({by_tier['full']:,} tokens), "
               f"{len(pick['compressed']):,} compressed ({by_tier['compressed']:,}), "
               f"{len(pick['left out']):,} left out; the map names all {len(paths):,} "
               f"({map_tokens:,} tokens)" + ("" if by_file else " by directory"))
    reasons = tuple((p, plan.tier[p], plan.why[p]) for p in paths)
    mapped = tuple(paths) if by_file else ()
    return Tiers(pick["full"], pick["compressed"], mapped, pick["left out"], reasons,
                 tokens, chars, map_text, False, summary, by_tier)
