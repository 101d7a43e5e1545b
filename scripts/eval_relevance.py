#!/usr/bin/env python3
"""Evaluate the large strategy's planner input on the relevance corpus (issue 11).

For each spec of tests/corpora/relevance/corpus.yaml: rank the codebase with rg
(twostep.sizing.relevance), plan the tiers (twostep.sizing.tiers) against the planner's budget,
and put beside it today's smallest-first slice (slicing.choose). Prints, per codebase and in all:
  * the share of specs whose defining file reaches the planner in full text (target: all);
  * the share of the codebase's paths named in the planner's input (target: >= 0.99);
  * the largest planner input against the limits (target: it fits);
  * how long ranking a spec takes (target: <= 0.5 s on the stdlib copy).
`--exact` packs the largest new input with the real repomix (full tier plain, compressed tier
with --compress) and reports its own token count. Run:
  .venv/bin/python scripts/eval_relevance.py [--dest DIR] [--budget N] [--max-chars N]
      [--codebase NAME] [--reps N] [--exact]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import median
from typing import Any

import yaml

from twostep.recipe import load as recipes
from twostep.sizing import estimate, largeview, relevance, slicing
from twostep.sizing.tokens import tokens_of

ROOT = Path(__file__).resolve().parent.parent
os.environ["PATH"] = os.pathsep.join([str(ROOT / ".venv/bin"),
                                      str(ROOT / ".tools/node_modules/.bin"),
                                      os.environ.get("PATH", "")])
CORPUS = ROOT / "tests/corpora/relevance/corpus.yaml"
TREE_FLAGS = ["--no-gitignore", "--no-dot-ignore", "--no-default-patterns",
              "--no-git-sort-by-changes", "--style", "xml"]


def _load_builder():
    """tests/corpora/relevance/build.py by its path: `build` is also a PyPI package's name."""
    spec = importlib.util.spec_from_file_location("relevance_corpus_build",
                                                  CORPUS.parent / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus_build = _load_builder()


@dataclass
class Row:
    spec: str
    codebase: str
    rank_s: float
    rank_of_truth: int | None
    new_hit: bool
    new_named: float
    new_tokens: int
    new_chars: int
    old_hit: bool
    old_named: float
    old_tokens: int
    tiers: Any = field(repr=False, default=None)


def git_files(repo: Path, pathspecs: tuple[str, ...]) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--", *pathspecs], cwd=repo, check=True,
                         capture_output=True).stdout
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def sizes_of(repo: Path, paths: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Estimated tokens (the estimate's bytes per token) and characters (bytes bound them)."""
    tokens, chars = {}, {}
    for p in paths:
        size = os.lstat(repo / p).st_size
        tokens[p], chars[p] = tokens_of(p, size), size
    return tokens, chars


def old_budget(recipe: Any, budget: int) -> Any:
    """The recipe with a planner window that gives today's slice a target of `budget` tokens
    (slicing.target keeps a margin of its own): the default 835,000 is what it aims at today."""
    window = round(budget / slicing.MARGIN) + recipe.planner.output_tokens
    return replace(recipe, planner=replace(recipe.planner, context_tokens=window))


def old_slice(recipe, repo: Path, by_dir, spec: str) -> tuple[set[str], int]:
    chosen = slicing.choose(recipe, by_dir, spec)
    return set(git_files(repo, chosen.pathspecs)), sum(t for _, t in chosen.kept)


def evaluate(args: argparse.Namespace) -> list[Row]:
    corpus = yaml.safe_load(CORPUS.read_text())
    wanted = tuple(corpus["codebases"]) if not args.codebase else tuple(args.codebase)
    repos = corpus_build.build(Path(args.dest), wanted)
    rows = []
    for name, repo in repos.items():
        meta = corpus["codebases"][name]
        recipe = old_budget(recipes.load(meta["recipe"]), args.budget)
        tracked = git_files(repo, recipe.codebase)
        tokens, chars = sizes_of(repo, tracked)
        by_dir = estimate.estimate(repo, recipe.codebase).by_dir
        print(f"eval: {name}: {len(tracked):,} files, ~{sum(tokens.values()):,} tokens",
              file=sys.stderr)
        for case in (c for c in corpus["specs"] if c["codebase"] == name):
            rows.append(one(case, repo, recipe, meta["language"], tracked, tokens, chars, by_dir,
                            args))
    return rows


def one(case: dict, repo: Path, recipe, language: str, tracked: list[str], tokens: dict,
        chars: dict, by_dir, args: argparse.Namespace) -> Row:
    spec, truth = case["spec"], set(case["defining"])
    times = []
    for _ in range(args.reps):  # the median of a few runs: the machine may be busy
        started = time.perf_counter()
        ranked = relevance.relevant(repo, spec, language, tracked)
        times.append(time.perf_counter() - started)
    rank_s = median(times)
    # The pipeline's own functions: `twostep tiers` calls largeview.plan with this recipe.
    new_recipe = replace(recipe, planner=replace(recipe.planner, context_tokens=args.budget
                                                 + recipe.planner.output_tokens))
    os.environ["TWOSTEP_MAX_INPUT_CHARS"] = str(args.max_chars)
    prose = largeview.planner_budget(new_recipe, len(spec)).prose_tokens
    tiers = largeview.plan(repo, new_recipe, ranked, tracked, len(spec))
    named = set(tiers.full) | set(tiers.compressed) | set(tiers.mapped)
    positions = [i + 1 for i, r in enumerate(ranked) if r.path in truth]
    kept, old_tokens = old_slice(recipe, repo, by_dir, spec)
    return Row(case["id"], case["codebase"], rank_s, min(positions, default=None),
               truth <= set(tiers.full), len(named & set(tracked)) / len(tracked),
               tiers.tokens + prose, tiers.chars + 4 * prose, truth <= kept,
               len(kept) / len(tracked), old_tokens + prose, tiers)


def repomix_tokens(repo: Path, paths: tuple[str, ...], compress: bool) -> tuple[int, int]:
    """(tokens, characters) of repomix's pack of exactly `paths`, as twostep packs a tree."""
    if not paths:
        return 0, 0
    with tempfile.TemporaryDirectory(prefix="eval-relevance-") as tmp:
        tree = Path(tmp) / "tree"
        for p in paths:
            (tree / p).parent.mkdir(parents=True, exist_ok=True)
            os.link(repo / p, tree / p)
        out = Path(tmp) / "out.xml"
        log = subprocess.run(["repomix", ".", *TREE_FLAGS, *(["--compress"] if compress else []),
                              "-o", str(out)], cwd=tree, check=True, capture_output=True, text=True)
        line = next(ln for ln in log.stdout.splitlines() if "Total Tokens:" in ln)
        return int(line.split(":")[1].split()[0].replace(",", "")), out.stat().st_size


def summarize(rows: list[Row]) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for name in [*sorted({r.codebase for r in rows}), "all"]:
        sel = [r for r in rows if name in ("all", r.codebase)]
        summary[name] = {
            "specs": len(sel),
            "new": {"defining_in_full": sum(r.new_hit for r in sel) / len(sel),
                    "paths_named_min": min(r.new_named for r in sel),
                    "largest_tokens": max(r.new_tokens for r in sel),
                    "largest_chars": max(r.new_chars for r in sel)},
            "old": {"defining_in_full": sum(r.old_hit for r in sel) / len(sel),
                    "paths_named_min": min(r.old_named for r in sel),
                    "largest_tokens": max(r.old_tokens for r in sel)},
            "rank_s": {"median": round(median(r.rank_s for r in sel), 3),
                       "max": round(max(r.rank_s for r in sel), 3)}}
    return summary


def print_report(rows: list[Row], args: argparse.Namespace, exact: dict) -> None:
    print(f"{'spec':30} {'rank':>5} {'new full':>8} {'new named':>9} {'new tokens':>10} "
          f"{'old full':>8} {'old named':>9} {'old tokens':>10} {'rank s':>6}")
    for r in rows:
        print(f"{r.spec:30} {r.rank_of_truth or '-':>5} {r.new_hit!s:>8} {r.new_named:9.3f} "
              f"{r.new_tokens:10,} {r.old_hit!s:>8} {r.old_named:9.3f} {r.old_tokens:10,} "
              f"{r.rank_s:6.3f}")
    summary = summarize(rows)
    print()
    for name, s in summary.items():
        new, old = s["new"], s["old"]
        print(f"{name}: {s['specs']} specs\n"
              f"  defining file in full text: new {new['defining_in_full']:.2f}, "
              f"old {old['defining_in_full']:.2f}\n"
              f"  paths named, worst spec: new {new['paths_named_min']:.3f}, "
              f"old {old['paths_named_min']:.3f}\n"
              f"  largest input: new {new['largest_tokens']:,} tokens / "
              f"{new['largest_chars']:,} chars, old {old['largest_tokens']:,} tokens; "
              f"limits {args.budget:,} tokens / {args.max_chars:,} chars\n"
              f"  ranking: median {s['rank_s']['median']} s, max {s['rank_s']['max']} s")
    for name, e in exact.items():
        print(f"{name}: repomix's count of the largest new input ({e['spec']}): {e['tokens']:,} "
              f"tokens, {e['chars']:,} chars (estimate {e['estimate']:,}); fits: {e['fits']}")
    print(json.dumps({"summary": summary, "exact": exact}, sort_keys=True))


def check_exact(rows: list[Row], args: argparse.Namespace) -> dict:
    repos = corpus_build.build(Path(args.dest), tuple(sorted({r.codebase for r in rows})))
    exact = {}
    for name, repo in repos.items():
        top = max((r for r in rows if r.codebase == name), key=lambda r: r.new_tokens)
        t = top.tiers
        full_t, full_c = repomix_tokens(repo, t.full, False)
        comp_t, comp_c = repomix_tokens(repo, t.compressed, True)
        prose = top.new_tokens - t.tokens
        tokens = full_t + comp_t + t.by_tier["map"] + prose
        chars = full_c + comp_c + len(t.map_text) + 4 * prose
        exact[name] = {"spec": top.spec, "tokens": tokens, "chars": chars,
                       "estimate": top.new_tokens,
                       "fits": tokens <= args.budget and chars <= args.max_chars}
    return exact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", help="where the corpus codebases are built (cached)",
                        default=str(Path(tempfile.gettempdir()) / "twostep-relevance-corpus"))
    parser.add_argument("--budget", type=int, default=835_000, help="planner budget in tokens")
    parser.add_argument("--max-chars", type=int, default=4_150_000,
                        help="the planner CLI's character limit")
    parser.add_argument("--codebase", action="append", help="only this codebase (repeatable)")
    parser.add_argument("--reps", type=int, default=3, help="ranking runs per spec (median)")
    parser.add_argument("--exact", action="store_true",
                        help="count the largest new input with repomix")
    args = parser.parse_args()
    rows = evaluate(args)
    print_report(rows, args, check_exact(rows, args) if args.exact else {})
    return 0


if __name__ == "__main__":
    sys.exit(main())
