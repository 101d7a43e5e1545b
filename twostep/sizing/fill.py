"""How the tiers are filled (sizing/tiers.py): which file goes in full text, compressed, or in
the map only, within the room left after the map.

`full` fills the budget: full text up to FULL_SHARE of the room, the compressed tier with the
rest, then spare room upgrades compressed files to full text. `lean` fills to need: full text
for the relevant code while its score stays above FALLOFF of the best code file's, within
LEAN_TOKENS (with the map) and LEAN_FILES; the next relevant files compressed within
LEAN_COMPRESSED_TOKENS; the rest only in the map. Both say why the full text stopped.
Docs come after code in both; never-full docs go in full text only when the spec names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

#: Tokens of `repomix --compress` over tokens of the plain pack, both counted by repomix 1.18.1
#: (o200k) with TREE_PACK_FLAGS, on the corpus codebases (tests/corpora/relevance/build.py):
#:   every 4th tracked .py file of the stdlib copy (447 files): 885,942 / 1,947,000 = 0.455
#:   13 stdlib packages and modules, tests excluded (121 files): 287,385 / 509,736 = 0.564
#:   every 4th .py file of Django 5.1.4 (220 files):             145,213 /   292,390 = 0.497
#: The highest ratio is used: an estimate too high wastes budget, one too low overflows it.
COMPRESS_RATIO = 0.57
#: The same for characters (gemini's limit is in characters): 0.394, 0.484 and 0.416.
COMPRESS_CHARS_RATIO = 0.49
#: `full`: share of the room that relevant files may take in full text before the compressed
#: tier gets the rest; what the compressed tier leaves unused goes back to full text.
FULL_SHARE = 0.6
#: Past the TOP_UNCAPPED most relevant files, one file's compressed view may take at most this
#: share of the room (and at least COMPRESSED_FILE_MIN tokens): breadth is the point of the
#: compressed tier, and a data file (pydoc_data/topics.py: 189K tokens) barely compresses.
COMPRESSED_FILE_SHARE = 0.03
COMPRESSED_FILE_MIN = 2_000
TOP_UNCAPPED = 10
#: `lean`: the whole input (map included) within LEAN_TOKENS, under gemini 2.5 Pro's 200K
#: price step with room for the spec and prompt; full text for code scoring at least FALLOFF
#: of the best, at most LEAN_FILES files (a file that would overflow the full text's share is
#: compressed instead); compressed views of code scoring at least COMPRESSED_FALLOFF, within
#: LEAN_COMPRESSED_TOKENS. Tuned on tests/corpora/issues (scripts/eval_relevance.py).
FALLOFF, COMPRESSED_FALLOFF = 0.12, 0.05
LEAN_FILES = 40
LEAN_TOKENS, LEAN_COMPRESSED_TOKENS = 195_000, 15_000
#: Docs in full text besides the named ones: at most DOC_FILES, each at most DOC_TOKENS.
DOC_FILES, DOC_TOKENS = 2, 8_000


def file_tokens(path: str, tokens: int) -> int:
    # the <file path="…"> wrapper and the path's line in repomix's directory structure
    return tokens + 12 + len(path) // 2


def file_chars(path: str, chars: int) -> int:
    return chars + 30 + 2 * len(path)


@dataclass(frozen=True)
class Policy:
    """What the recipe and the spec say about filling: the fill, the docs, the named files."""

    fill: str = "full"
    docs: frozenset[str] = frozenset()
    never_full: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()


class Room:
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
class Plan:
    sizes: Mapping[str, int]
    chars: Mapping[str, int]
    room: Room
    tier: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    stopped: str = ""
    spent: int = 0  # tokens the map and the packs' wrappers take before any file

    def full(self, p: str) -> tuple[int, int]:
        return file_tokens(p, self.sizes[p]), file_chars(p, self.chars[p])

    def compressed(self, p: str) -> tuple[int, int]:
        return (file_tokens(p, int(self.sizes[p] * COMPRESS_RATIO + 1)),
                file_chars(p, int(self.chars[p] * COMPRESS_CHARS_RATIO + 1)))

    def put(self, p: str, tier: str, why: str, cost: tuple[int, int],
            cap: int | None = None) -> bool:
        if p in self.tier or not self.room.take(*cost, cap):
            return False
        self.tier[p], self.why[p] = tier, why
        return True


def order(ranked: Sequence[str], paths: Sequence[str], policy: Policy) -> list[str]:
    """Code by relevance, then files beside relevant code, then docs by relevance, then the
    rest by path."""
    known = set(paths)
    relevant = [p for p in ranked if p in known]
    code = [p for p in relevant if p not in policy.docs]
    seen = set(relevant)
    near = {p.rpartition("/")[0] for p in code[:50]}
    rest = sorted((p for p in paths if p not in seen),
                  key=lambda p: (p in policy.docs, p.rpartition("/")[0] not in near, p))
    docs = [p for p in relevant if p in policy.docs]
    return code + [p for p in rest if p not in policy.docs] + docs + [
        p for p in rest if p in policy.docs]


def _first(plan: Plan, order: Sequence[str], floor: Iterable[str], policy: Policy,
           ranks: Mapping[str, int]) -> None:
    """The floor (all of the room if need be), then the files the spec names."""
    floor_set = set(floor)
    for p in (p for p in order if p in floor_set):
        plan.put(p, "full", "the recipe's slice", plan.full(p))
    for p in (p for p in order if p in policy.named):
        plan.put(p, "full", "named in the spec", plan.full(p))


def fill_full(plan: Plan, order: Sequence[str], floor: Iterable[str], policy: Policy,
              ranks: Mapping[str, int]) -> None:
    _first(plan, order, floor, policy, ranks)
    full_cap = int(plan.room.tokens * FULL_SHARE)
    file_cap = max(int(plan.room.tokens * COMPRESSED_FILE_SHARE), COMPRESSED_FILE_MIN)
    for p in (p for p in order if p in ranks and p not in policy.never_full):
        tokens, chars = plan.full(p)
        if plan.put(p, "full", f"relevance rank {ranks[p]}", (tokens, chars), full_cap):
            full_cap -= tokens
    for p in (p for p in order if p not in policy.never_full):  # (b) the next, compressed
        tokens, chars = plan.compressed(p)
        capped = ranks.get(p, TOP_UNCAPPED + 1) > TOP_UNCAPPED and tokens > file_cap
        why = (f"relevance rank {ranks[p]}, no room in full text" if p in ranks
               else "no evidence of relevance")
        if not capped:
            plan.put(p, "compressed", why, (tokens, chars))
    for p in (p for p in order if plan.tier.get(p) == "compressed"):  # spare room: upgrade
        (ft, fc), (ct, cc) = plan.full(p), plan.compressed(p)
        if plan.room.take(ft - ct, fc - cc):
            plan.tier[p], plan.why[p] = "full", plan.why[p].split(",")[0] + ", room to spare"
    plan.stopped = "the fill is `full`: filled to the budget"


def fill_lean(plan: Plan, order: Sequence[str], floor: Iterable[str], policy: Policy,
              ranks: Mapping[str, int], scores: Mapping[str, float]) -> None:
    _first(plan, order, floor, policy, ranks)
    code = [p for p in order if p in ranks and p not in policy.docs]
    top = max((scores[p] for p in code), default=0.0)
    share = LEAN_TOKENS - plan.spent - LEAN_COMPRESSED_TOKENS
    left, taken, overflow = min(share, plan.room.tokens), 0, []
    plan.stopped = f"every relevant code file is in ({len(code):,})"
    for p in code:
        if p in plan.tier:
            continue
        if scores[p] < FALLOFF * top:
            plan.stopped = (f"relevance fell off at rank {ranks[p]}: it scores "
                            f"{scores[p] / top:.1%} of the top file, under {FALLOFF:.0%}")
            break
        if taken >= LEAN_FILES:
            plan.stopped = f"{LEAN_FILES} files, the most the lean fill takes in full text"
            break
        tokens, chars = plan.full(p)
        if plan.put(p, "full", f"relevance rank {ranks[p]}", (tokens, chars), left):
            left, taken = left - tokens, taken + 1
        else:
            overflow.append(p)
    if overflow:
        plan.stopped += (f"; {len(overflow):,} relevant files over the full text's share of "
                         f"{share:,} tokens compressed instead")
    left = _lean_compressed(plan, overflow + code, ranks, scores, top,
                            left + LEAN_COMPRESSED_TOKENS)
    _lean_docs(plan, order, policy, ranks, scores, top, left)  # code first: docs get the rest


def _lean_docs(plan: Plan, order: Sequence[str], policy: Policy, ranks: Mapping[str, int],
               scores: Mapping[str, float], top: float, left: int) -> None:
    docs = [p for p in order if p in ranks and p in policy.docs and p not in policy.never_full]
    for p in docs[:DOC_FILES]:
        cost = plan.full(p)
        if (scores[p] >= FALLOFF * top and cost[0] <= min(DOC_TOKENS, left)
                and plan.put(p, "full", f"docs relevance rank {ranks[p]}", cost)):
            left -= cost[0]


def _lean_compressed(plan: Plan, candidates: Sequence[str], ranks: Mapping[str, int],
                     scores: Mapping[str, float], top: float, left: int) -> int:
    """Compressed views of the next relevant code within `left` tokens; what is left over."""
    for p in dict.fromkeys(candidates):
        if p in plan.tier or scores[p] < COMPRESSED_FALLOFF * top or left <= 0:
            continue
        cost = plan.compressed(p)
        if plan.put(p, "compressed", f"relevance rank {ranks[p]}, past the full text",
                    cost, left):
            left -= cost[0]
    return left
