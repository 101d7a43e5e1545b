"""The planner's input in tiers, most valuable first, always within its budget.

(c) a map of every selected path with its size in tokens, paid for first, so the planner knows
    the whole codebase exists and can name any file in its plan; a file repomix will not pack
    (a symlink, a binary) is marked so, with the reason;
(a) the full text of the recipe's slice (the floor), the files the spec names, then the most
    relevant code;
(b) a compressed view (`repomix --compress`: signatures and structure) of the next files.
The `lean` fill (the default) stops adding full text where relevance falls off (LEAN_*); the
`full` fill fills the budget. Docs are ranked apart: they come after the code and never
displace it, the never-full ones (changelogs, release notes) only in the map unless named.
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

from twostep.sizing import fill as fills
from twostep.sizing.fill import Plan, Policy

COMPRESS_RATIO, COMPRESS_CHARS_RATIO = fills.COMPRESS_RATIO, fills.COMPRESS_CHARS_RATIO
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
            "-: not included, name it in the plan if it matters; x: not packed (why follows).\n")
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
    excluded: tuple[tuple[str, str], ...] = ()  # (path, why repomix does not pack it)
    stopped: str = ""              # why the full text stopped where it did


def render_map(paths_with_tokens: Iterable[tuple[str, int]],
               marks: Mapping[str, str] | None = None,
               notes: Mapping[str, str] | None = None) -> str:
    """The map the planner sees: paths grouped under their directory, each with its tokens.
    Without `marks` every row carries a placeholder mark of the same width, so the text's size
    (the map's cost) does not depend on which tier each file lands in. `notes`: why a file is
    not packed (marked x)."""
    lines, current = [MAP_HEAD], None
    notes = notes or {}
    # by directory, then name: each directory's files sit together under one header
    for path, tokens in sorted(paths_with_tokens, key=lambda r: (r[0].rpartition("/")[0], r[0])):
        head, _, name = path.rpartition("/")
        if head != current:
            current = head
            if head:
                lines.append(f"{head}/\n")
        mark = "x" if path in notes else (marks or {}).get(path, "-" if marks is not None else "F")
        note = f" (not packed: {notes[path]})" if path in notes else ""
        lines.append(f"{'  ' if head else ''}{mark} {name} {tokens}{note}\n")
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


def _map(sizes: Mapping[str, int], budget: int, map_cost: int | None,
         notes: Mapping[str, str]) -> tuple[str, int, bool]:
    """(placeholder map text, its tokens, whether it lists files) within MAP_SHARE."""
    text = render_map(sizes.items(), notes=notes)
    cost = map_cost if map_cost is not None else len(text) // MAP_CHARS_PER_TOKEN + 1
    depth = max((p.count("/") for p in sizes), default=0)
    while cost > budget * MAP_SHARE and depth >= 0:
        text = render_directory_map(sizes, depth)
        cost, depth = len(text) // MAP_CHARS_PER_TOKEN + 1, depth - 1
    return text, cost, text.startswith(MAP_HEAD)


def _whole(sizes: Mapping[str, int], chars: Mapping[str, int], budget: int,
           max_chars: int) -> tuple[int, int] | None:
    tokens = PACK_TOKENS + sum(fills.file_tokens(p, t) for p, t in sizes.items())
    size = PACK_CHARS + sum(fills.file_chars(p, c) for p, c in chars.items())
    return (tokens, size) if tokens <= budget and size <= max_chars else None


def plan_tiers(ranked: Sequence[RankedLike], sizes: Mapping[str, int], *, budget_tokens: int,
               max_chars: int, floor: Sequence[str] = (), map_cost: int | None = None,
               file_chars: Mapping[str, int] | None = None, allow_whole: bool = True,
               policy: Policy | None = None, excluded: Mapping[str, str] | None = None) -> Tiers:
    """Assign every selected path (the keys of `sizes`, estimated tokens) to a tier.

    `ranked`: the relevance ranking (anything with .path and .score), best first. `floor`: the
    files of the recipe's slice. `map_cost`: the map's tokens if counted, else estimated from its
    text. `file_chars`: characters per path (byte sizes bound them); else tokens × 4.
    `allow_whole=False`: the caller already knows the whole codebase does not fit (a real count).
    `policy`: the fill, the docs, the files the spec names. `excluded`: paths repomix will not
    pack, with the reason: in the map (marked x), in no tier."""
    notes, policy = dict(excluded or {}), policy or Policy()
    paths = sorted(p for p in sizes if p not in notes)
    chars = dict(file_chars) if file_chars is not None else {}
    chars = {p: chars.get(p, sizes[p] * CHARS_PER_TOKEN) for p in paths}
    packed = {p: sizes[p] for p in paths}
    whole = (None if floor or notes or not allow_whole
             else _whole(packed, chars, budget_tokens, max_chars))
    if whole is not None:
        return _all_of_it(paths, whole, budget_tokens)
    text, map_tokens, by_file = _map(sizes, budget_tokens, map_cost, notes)
    plan = Plan(packed, chars, fills.Room(budget_tokens - map_tokens - 2 * PACK_TOKENS,
                                          max_chars - len(text) - 2 * PACK_CHARS),
                spent=map_tokens + 2 * PACK_TOKENS)
    relevant = [r for r in ranked if r.path in packed]
    ranks = {r.path: i + 1 for i, r in enumerate(relevant)}
    order = fills.order([r.path for r in relevant], paths, policy)
    if policy.fill == "lean":
        fills.fill_lean(plan, order, floor, policy, ranks, {r.path: r.score for r in relevant})
    else:
        fills.fill_full(plan, order, floor, policy, ranks)
    for p in order:
        if p not in plan.tier:
            plan.tier[p], plan.why[p] = "left out", (
                "over the planner's budget; in the map" if policy.fill == "full"
                else "past the lean fill; in the map")
    return _result(plan, sizes, text, map_tokens, by_file, budget_tokens, notes, policy.fill)


def _all_of_it(paths: list[str], whole: tuple[int, int], budget: int) -> Tiers:
    reasons = tuple((p, "full", "the whole codebase fits the planner's budget") for p in paths)
    summary = (f"the whole codebase fits the planner's budget ({whole[0]:,} of {budget:,} "
               f"tokens): all {len(paths):,} files in full text")
    return Tiers(tuple(paths), (), (), (), reasons, whole[0], whole[1], whole=True,
                 summary=summary, by_tier={"full": whole[0]})


def _result(plan: Plan, sizes: Mapping[str, int], text: str, map_tokens: int, by_file: bool,
            budget: int, notes: Mapping[str, str], fill: str) -> Tiers:
    paths = sorted(plan.sizes)
    pick = {t: tuple(p for p in paths if plan.tier[p] == t) for t in ("full", "compressed",
                                                                        "left out")}
    marks = {p: {"full": "F", "compressed": "C"}.get(plan.tier[p], "-") for p in paths}
    map_text = render_map(sizes.items(), marks, notes) if by_file else text
    packs = [bool(pick["full"]), bool(pick["compressed"])]  # an empty tier is not packed
    by_tier = {"map": map_tokens,
               "full": packs[0] * PACK_TOKENS + sum(plan.full(p)[0] for p in pick["full"]),
               "compressed": packs[1] * PACK_TOKENS + sum(plan.compressed(p)[0]
                                                          for p in pick["compressed"])}
    tokens = sum(by_tier.values())
    chars = len(map_text) + sum(packs) * PACK_CHARS + sum(
        plan.full(p)[1] for p in pick["full"]) + sum(
        plan.compressed(p)[1] for p in pick["compressed"])
    head = (f"filled to {budget:,} tokens (the planner's budget less the spec, the prompt and "
            f"a margin for the estimate)" if fill == "full" else
            f"lean fill, {tokens:,} of {budget:,} tokens (full text stops where relevance "
            f"falls off)")
    summary = (f"{head}: {len(pick['full']):,} files in full text ({by_tier['full']:,} tokens), "
               f"{len(pick['compressed']):,} compressed ({by_tier['compressed']:,}), "
               f"{len(pick['left out']):,} left out" +
               (f", {len(notes):,} not packed (repomix skips them)" if notes else "") +
               f"; the map names all {len(sizes):,} ({map_tokens:,} tokens)" +
               ("" if by_file else " by directory") + f"; full text: {plan.stopped}")
    reasons = tuple(sorted([(p, plan.tier[p], plan.why[p]) for p in paths] +
                           [(p, "excluded", why) for p, why in notes.items()]))
    mapped = tuple(sorted(sizes)) if by_file else ()
    return Tiers(pick["full"], pick["compressed"], mapped, pick["left out"], reasons,
                 tokens, chars, map_text, False, summary, by_tier,
                 tuple(sorted(notes.items())), plan.stopped)
