"""Tiers: full text of what matters, a compressed view of what follows, a map that always fits."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from twostep.sizing.fill import LEAN_TOKENS, Policy
from twostep.sizing.tiers import (
    COMPRESS_RATIO,
    MAP_SHARE,
    plan_tiers,
    render_directory_map,
    render_map,
)


@dataclass(frozen=True)
class R:
    path: str
    score: float


def codebase(n: int, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    return {f"pkg{i % 7}/sub{i % 3}/m{i:04}.py": rng.randint(50, 20_000) for i in range(n)}


def test_everything_in_full_when_it_fits_and_no_floor() -> None:
    sizes = {"a.py": 100, "b/c.py": 200}
    tiers = plan_tiers([R("b/c.py", 3.0)], sizes, budget_tokens=10_000, max_chars=100_000)
    assert tiers.whole and tiers.full == ("a.py", "b/c.py")
    assert tiers.compressed == tiers.left_out == tiers.mapped == ()
    assert "the whole codebase fits the planner's budget" in tiers.summary
    assert tiers.tokens <= 10_000


def test_a_floor_turns_off_the_whole_codebase_shortcut() -> None:
    sizes = {"a.py": 100, "b/c.py": 200}
    tiers = plan_tiers([], sizes, budget_tokens=10_000, max_chars=100_000, floor=["a.py"])
    assert not tiers.whole and "a.py" in tiers.full and tiers.mapped == ("a.py", "b/c.py")
    assert {p: why for p, _, why in tiers.reasons}["a.py"] == "the recipe's slice"


@pytest.mark.parametrize("budget", [3_000, 20_000, 80_000, 300_000, 1_000_000])
def test_budget_always_respected_and_map_always_present(budget: int) -> None:
    sizes = codebase(400)
    ranked = [R(p, float(i)) for i, p in enumerate(sorted(sizes)[::5])]
    tiers = plan_tiers(ranked, sizes, budget_tokens=budget, max_chars=budget * 3)
    assert tiers.tokens <= budget and tiers.chars <= budget * 3
    assert tiers.map_text.startswith("<codebase_map>")
    assert tiers.by_tier["map"] <= budget * MAP_SHARE
    named = set(tiers.full) | set(tiers.compressed) | set(tiers.left_out)
    assert named == set(sizes)  # every path has a tier
    assert not set(tiers.full) & set(tiers.compressed)


def test_the_character_limit_binds_too() -> None:
    sizes = codebase(200)
    chars = {p: t * 10 for p, t in sizes.items()}  # files with long lines: chars bind first
    tiers = plan_tiers([], sizes, budget_tokens=10**9, max_chars=300_000, file_chars=chars)
    assert not tiers.whole and tiers.chars <= 300_000 and tiers.left_out


def test_most_relevant_files_go_in_full_then_compressed() -> None:
    sizes = {f"m/f{i:02}.py": 1_000 for i in range(40)}
    ranked = [R(f"m/f{i:02}.py", 100.0 - i) for i in range(40)]
    tiers = plan_tiers(ranked, sizes, budget_tokens=20_000, max_chars=10**9)
    full = [r.path for r in ranked if r.path in tiers.full]
    assert full and full == [r.path for r in ranked[:len(full)]]  # a prefix of the ranking
    assert tiers.compressed and tiers.left_out
    assert max(ranked.index(R(p, 100.0 - int(p[3:5]))) for p in tiers.compressed) < min(
        ranked.index(R(p, 100.0 - int(p[3:5]))) for p in tiers.left_out)


def test_a_big_relevant_file_is_compressed_while_smaller_ones_stay_whole() -> None:
    sizes = {"big.py": 30_000, "small.py": 500, "other.py": 400}
    ranked = [R("big.py", 9.0), R("small.py", 5.0)]
    tiers = plan_tiers(ranked, sizes, budget_tokens=25_000, max_chars=10**9)
    assert tiers.full[:1] == ("small.py",) or "small.py" in tiers.full
    assert "big.py" in tiers.compressed
    assert 30_000 * COMPRESS_RATIO < 25_000


def test_deterministic_whatever_the_input_order() -> None:
    sizes = codebase(300, seed=3)
    ranked = [R(p, 1.0) for p in sorted(sizes)[:30]]
    first = plan_tiers(ranked, sizes, budget_tokens=150_000, max_chars=10**9,
                       floor=sorted(sizes)[100:103])
    rng = random.Random(5)
    items = list(sizes.items())
    for _ in range(5):
        rng.shuffle(items)
        floor = sorted(sizes)[100:103]
        rng.shuffle(floor)
        again = plan_tiers(ranked, dict(items), budget_tokens=150_000, max_chars=10**9, floor=floor)
        assert again == first


def test_map_falls_back_to_directories_when_files_do_not_fit() -> None:
    sizes = {f"d{i // 100}/f{i}.py": 10 for i in range(5_000)}
    tiers = plan_tiers([], sizes, budget_tokens=20_000, max_chars=10**9, map_cost=None)
    assert tiers.tokens <= 20_000
    assert "Every selected directory" in tiers.map_text and tiers.mapped == ()
    assert "d7/ 100 files 1000" in tiers.map_text


def test_given_map_cost_is_charged() -> None:
    sizes = codebase(50)
    cheap = plan_tiers([], sizes, budget_tokens=100_000, max_chars=10**9, map_cost=10)
    dear = plan_tiers([], sizes, budget_tokens=100_000, max_chars=10**9, map_cost=20_000)
    assert dear.by_tier["map"] == 20_000 and dear.tokens <= 100_000
    assert len(dear.full) + len(dear.compressed) < len(cheap.full) + len(cheap.compressed)


def test_render_map_groups_by_directory_and_marks_tiers() -> None:
    text = render_map([("b/x.py", 5), ("a.py", 7), ("b/c/y.py", 9)],
                      {"a.py": "F", "b/x.py": "C"})
    body = text.splitlines()[2:-1]
    assert body == ["F a.py 7", "b/", "  C x.py 5", "b/c/", "  - y.py 9"]
    unmarked = render_map([("b/x.py", 5), ("a.py", 7), ("b/c/y.py", 9)])
    assert len(unmarked) == len(text)  # the cost does not depend on the tiers


def test_directory_map_counts_files_and_tokens() -> None:
    text = render_directory_map({"a/b/c.py": 3, "a/b/d.py": 4, "e.py": 1}, depth=1)
    assert "a/ 2 files 7\n" in text and "./ 1 files 1\n" in text


def test_a_tiny_budget_still_holds_the_map_and_nothing_else() -> None:
    sizes = codebase(30)
    tiers = plan_tiers([R(p, 1.0) for p in sizes], sizes, budget_tokens=900, max_chars=10**9)
    assert tiers.full == tiers.compressed == () and set(tiers.left_out) == set(sizes)
    assert tiers.map_text and tiers.tokens <= 900


def test_a_huge_file_far_down_the_ranking_does_not_eat_the_compressed_tier() -> None:
    sizes = {f"m/f{i:02}.py": 3_000 for i in range(60)} | {"data/topics.py": 150_000}
    ranked = [R(f"m/f{i:02}.py", 100.0 - i) for i in range(20)] + [R("data/topics.py", 50.0)]
    ranked += [R(f"m/f{i:02}.py", 40.0 - i) for i in range(20, 60)]
    tiers = plan_tiers(ranked, sizes, budget_tokens=100_000, max_chars=10**9)
    assert "data/topics.py" in tiers.left_out  # 150K tokens would compress to over 85K
    assert len(tiers.compressed) >= 15 and tiers.tokens <= 100_000


def test_lean_fill_stops_where_relevance_falls_off_and_says_why() -> None:
    sizes = {f"m/f{i:02}.py": 1_000 for i in range(40)}
    ranked = [R(f"m/f{i:02}.py", s) for i, s in enumerate([10.0, 9.0, 8.0, 1.0, 0.6, 0.1])]
    tiers = plan_tiers(ranked, sizes, budget_tokens=800_000, max_chars=10**9, allow_whole=False,
                       policy=Policy("lean"))
    assert tiers.full == ("m/f00.py", "m/f01.py", "m/f02.py")  # 1.0 is under 12% of 10
    assert tiers.compressed == ("m/f03.py", "m/f04.py")         # 0.1 is under 5%
    assert "relevance fell off at rank 4" in tiers.stopped and tiers.stopped in tiers.summary
    assert tiers.tokens < 60_000 and len(tiers.mapped) == 40    # far under the budget


def test_lean_fill_compresses_a_file_over_its_share_and_keeps_going() -> None:
    sizes = {"huge.py": LEAN_TOKENS, "a.py": 500, "b.py": 500}
    ranked = [R("huge.py", 9.0), R("a.py", 8.0), R("b.py", 7.0)]
    tiers = plan_tiers(ranked, sizes, budget_tokens=900_000, max_chars=10**9, allow_whole=False,
                       policy=Policy("lean"))
    assert tiers.full == ("a.py", "b.py") and "over the full text's share" in tiers.stopped


def test_docs_come_after_code_and_never_full_ones_only_when_named() -> None:
    sizes = {"CHANGES.rst": 100_000, "docs/guide.md": 2_000, "src/a.py": 1_000,
             "src/b.py": 1_000, "README.md": 500}
    ranked = [R("CHANGES.rst", 50.0), R("docs/guide.md", 40.0), R("src/a.py", 10.0),
              R("src/b.py", 9.0)]
    policy = Policy("lean", frozenset({"CHANGES.rst", "docs/guide.md", "README.md"}),
                    frozenset({"CHANGES.rst"}))
    tiers = plan_tiers(ranked, sizes, budget_tokens=900_000, max_chars=10**9, policy=policy,
                       allow_whole=False)
    assert set(tiers.full) == {"src/a.py", "src/b.py", "docs/guide.md"}
    assert "CHANGES.rst" in tiers.left_out and "CHANGES.rst" in tiers.map_text
    full = plan_tiers(ranked, sizes, budget_tokens=900_000, max_chars=10**9, allow_whole=False,
                      policy=Policy("full", policy.docs, policy.never_full))
    assert "CHANGES.rst" not in full.full and "CHANGES.rst" not in full.compressed
    named = plan_tiers(ranked, sizes, budget_tokens=900_000, max_chars=10**9, allow_whole=False,
                       policy=Policy("lean", policy.docs, policy.never_full,
                                     frozenset({"CHANGES.rst"})))
    assert "CHANGES.rst" in named.full


def test_files_repomix_will_not_pack_are_marked_in_the_map_with_why() -> None:
    sizes = {"a.py": 100, "link.py": 10, "b.py": 100}
    tiers = plan_tiers([R("link.py", 9.0), R("a.py", 5.0)], sizes, budget_tokens=100_000,
                       max_chars=10**9, excluded={"link.py": "a symlink"})
    assert not tiers.whole and "link.py" not in tiers.full + tiers.compressed + tiers.left_out
    assert "x link.py 10 (not packed: a symlink)" in tiers.map_text
    assert tiers.excluded == (("link.py", "a symlink"),) and "1 not packed" in tiers.summary
