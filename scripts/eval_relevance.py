#!/usr/bin/env python3
"""Evaluate the large strategy's planner input on a relevance corpus (issues 11 and 24).

The corpus is tests/corpora/issues/corpus.yaml (real issues: title and body as the spec, the
repository at the fix's parent, the file the fix changed as gold), or any file of that form:
`issues: [{id, repo: owner/name, base: COMMIT, title, body, gold: [paths]}]`, with the built-in
recipe per repository under `repositories: {owner/name: {recipe: go}}` (else guessed from the
checkout); tests/corpora/relevance/corpus.yaml (synthetic specs over the stdlib and Django)
works too. Checkouts come from git mirrors (`--mirrors`, /work/.mirror) or clones, cached.
For each spec it ranks the checkout with rg and plans the tiers with the built-in recipe, as
`twostep tiers` does, and reports per codebase and in all:
  * full-text recall: the share of specs whose gold files are all in the full-text tier;
  * rank@1/5/10/20 of the gold file in the ranking;
  * the planner request's characters and tokens (median, p90), and its price at the planner
    model's built-in price (input only);
  * the time to rank a spec and to plan its tiers.
`--exact` runs the pack phase's own steps (the stages, repomix, trim-tiers) per spec and measures
the request as sent; it also checks that no map entry claims a file the request does not hold.
    PYTHONPATH=. .venv/bin/python scripts/eval_relevance.py [--corpus FILE] [--cache DIR]
        [--mirrors DIR] [--codebase NAME]... [--reps N] [--exact] [--json FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Any

import yaml

from twostep.core.cost import price_for
from twostep.pipeline import build, packstep, tiersteps
from twostep.pipeline.job import Job
from twostep.pipeline.runner import Runner
from twostep.recipe import load as recipes
from twostep.sizing import largeview, relevance, rgsearch
from twostep.sizing.budget import pack_tokens

ROOT = Path(__file__).resolve().parent.parent
os.environ["PATH"] = os.pathsep.join([str(ROOT / ".venv/bin"),
                                      str(ROOT / ".tools/node_modules/.bin"),
                                      os.environ.get("PATH", "")])
CORPORA = ROOT / "tests/corpora"


def _module(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"corpus_{path.parent.name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Case:
    id: str
    codebase: str
    recipe: str
    spec: str
    gold: tuple[str, ...]
    repo: Path


@dataclass
class Row:
    id: str
    codebase: str
    rank: int | None
    full: bool
    compressed: bool
    tokens: int
    chars: int
    price: float
    rank_s: float
    plan_s: float
    full_files: int
    compressed_files: int
    stopped: str
    map_lies: int | None = None


def cases(args: argparse.Namespace) -> list[Case]:
    data = yaml.safe_load(Path(args.corpus).read_text(encoding="utf-8"))
    wanted = set(args.codebase or ())
    out = []
    if "issues" in data:  # the real-issue form
        checkout = _module(CORPORA / "issues/checkout.py").checkout
        mirrors = Path(args.mirrors) if args.mirrors else None
        for issue in data["issues"]:
            name = issue["repo"]
            if wanted and name not in wanted and name.split("/")[-1] not in wanted:
                continue
            repo = checkout(name, issue["base"], Path(args.cache), mirrors)
            known = data.get("repositories", {}).get(name, {})
            recipe = issue.get("recipe") or known.get("recipe") or _recipe_of(repo)
            gold = issue.get("gold") or issue.get("gold_files") or ()
            out.append(Case(str(issue["id"]), name, recipe,
                            f"{issue['title']}\n\n{issue.get('body') or ''}",
                            tuple(gold), repo))
        return out
    build = _module(CORPORA / "relevance/build.py").build
    names = tuple(n for n in data["codebases"] if not wanted or n in wanted)
    repos = build(Path(args.cache), names)
    return [Case(s["id"], s["codebase"], data["codebases"][s["codebase"]]["recipe"], s["spec"],
                 tuple(s["defining"]), repos[s["codebase"]])
            for s in data["specs"] if s["codebase"] in repos]


def _recipe_of(repo: Path) -> str:
    """The built-in recipe for a checkout the corpus gives none for: by its manifest files."""
    if (repo / "go.mod").is_file():
        return "go"
    if (repo / "package.json").is_file() and not (repo / "pyproject.toml").is_file():
        return "typescript"
    return "python"


def _stopped(tiers: Any) -> str:
    return str(getattr(tiers, "stopped", "") or tiers.summary.split(":")[0])


def one(case: Case, args: argparse.Namespace) -> Row:
    recipe = recipes.load(case.recipe)
    selected = largeview.selection(case.repo, recipe)
    language = rgsearch.language_for(recipe.name)
    times = []
    for _ in range(args.reps):  # the median of a few runs: the machine may be busy
        started = time.perf_counter()
        ranked = relevance.relevant(case.repo, case.spec, language, selected)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    tiers = largeview.plan(case.repo, recipe, ranked, selected, len(case.spec))
    plan_s = time.perf_counter() - started
    budget = largeview.planner_budget(recipe, len(case.spec))
    tokens, chars = tiers.tokens + budget.prose_tokens, tiers.chars + budget.prose_chars
    lies = None
    if args.exact:
        tokens, chars, lies = exact(case, recipe, budget)
    docs = getattr(largeview, "doc_files", lambda *a: ((), ()))(case.repo, recipe, selected)[0]
    code = [r for r in ranked if r.path not in docs]  # docs are ranked apart
    positions = [i + 1 for i, r in enumerate(code) if r.path in case.gold]
    price = price_for(recipe.planner.model, recipe.planner.price).cost(tokens, 0)
    return Row(case.id, case.codebase, min(positions, default=None),
               set(case.gold) <= set(tiers.full),
               set(case.gold) <= set(tiers.full) | set(tiers.compressed), tokens, chars,
               round(price, 4), round(median(times), 3), round(plan_s, 3), len(tiers.full),
               len(tiers.compressed), _stopped(tiers), lies)


def exact(case: Case, recipe: Any, budget: Any) -> tuple[int, int, int]:
    """Run the pack phase's own steps; (tokens, characters, map entries the request lacks)."""
    with tempfile.TemporaryDirectory(prefix="eval-relevance-") as tmp:
        run = Path(tmp)
        (run / "spec.md").write_text(case.spec, encoding="utf-8")
        runner = Runner(case.repo, run)
        for step in (packstep.config_step(), *tiersteps.steps(
                Job(recipe), build.SPEC, build.SLICE, packstep.TREE_PACK_FLAGS)):
            runner.run_step(step)
        text = (run / "slice.xml").read_text(encoding="utf-8", errors="replace")
        logs = tuple(run / p.rel for p in tiersteps.PACK_LOGS)
        packs = tuple(run / p.rel for p in tiersteps.PACKS)
        map_chars = (run / "map.txt").stat().st_size
        tokens = pack_tokens(logs, packs) + (map_chars + budget.prose_chars) // 4
        return tokens, len(text) + budget.prose_chars, map_lies(text)


def map_lies(text: str) -> int:
    """Map entries marked F or C whose file the request does not hold."""
    head, _, packed = text.partition("</codebase_map>")
    held = set(re.findall(r'<file path="([^"]*)">', packed))
    lies, directory = 0, ""
    for line in head.splitlines()[1:]:
        if line.endswith("/") and not line.startswith(" "):
            directory = line
            continue
        parts = line.split()
        if len(parts) >= 3 and parts[0] in ("F", "C"):
            path = directory + " ".join(parts[1:-1])
            lies += path not in held
    return lies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarize(rows: list[Row]) -> dict[str, dict[str, Any]]:
    summary = {}
    for name in [*sorted({r.codebase for r in rows}), "all"]:
        sel = [r for r in rows if name in ("all", r.codebase)]
        n = len(sel)
        summary[name] = {
            "specs": n, "full_recall": round(sum(r.full for r in sel) / n, 3),
            "in_input": round(sum(r.compressed for r in sel) / n, 3),
            **{f"rank@{k}": round(sum(r.rank is not None and r.rank <= k for r in sel) / n, 3)
               for k in (1, 5, 10, 20)},
            "chars_median": int(median(r.chars for r in sel)),
            "chars_p90": int(_pct([r.chars for r in sel], 0.9)),
            "tokens_median": int(median(r.tokens for r in sel)),
            "tokens_p90": int(_pct([r.tokens for r in sel], 0.9)),
            "price_median": round(median(r.price for r in sel), 3),
            "price_mean": round(sum(r.price for r in sel) / n, 3),
            "rank_s_median": round(median(r.rank_s for r in sel), 3),
            "rank_s_max": round(max(r.rank_s for r in sel), 3),
            "plan_s_median": round(median(r.plan_s for r in sel), 3),
            **({"map_lies": sum(r.map_lies or 0 for r in sel)}
               if any(r.map_lies is not None for r in sel) else {})}
    return summary


def print_report(rows: list[Row]) -> dict[str, dict[str, Any]]:
    print(f"{'spec':16} {'rank':>5} {'full':>5} {'chars':>10} {'tokens':>9} {'$':>6} "
          f"{'F':>4} {'C':>4} {'rank s':>6}  stopped")
    for r in rows:
        print(f"{r.id:16} {r.rank or '-':>5} {'yes' if r.full else 'no':>5} {r.chars:10,} "
              f"{r.tokens:9,} {r.price:6.3f} {r.full_files:4} {r.compressed_files:4} "
              f"{r.rank_s:6.3f}  {r.stopped[:60]}")
    summary = summarize(rows)
    for name, s in summary.items():
        print(f"\n{name}: {s['specs']} specs; gold in full text {s['full_recall']:.0%} "
              f"(in the input {s['in_input']:.0%}); rank@1/5/10/20 {s['rank@1']:.0%} / "
              f"{s['rank@5']:.0%} / {s['rank@10']:.0%} / {s['rank@20']:.0%}\n"
              f"  request: median {s['chars_median']:,} chars, {s['tokens_median']:,} tokens "
              f"(p90 {s['chars_p90']:,} / {s['tokens_p90']:,}); ${s['price_median']:.3f} a plan "
              f"(mean ${s['price_mean']:.3f}); rank {s['rank_s_median']} s (max "
              f"{s['rank_s_max']} s), tiers {s['plan_s_median']} s"
              + (f"; map entries the request lacks: {s['map_lies']}" if "map_lies" in s else ""))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPORA / "issues/corpus.yaml"))
    parser.add_argument("--cache", help="where checkouts are built (reused)",
                        default=str(Path(tempfile.gettempdir()) / "twostep-issues-corpus"))
    parser.add_argument("--mirrors", help="git mirrors as DIR/owner+name/repo (else cloned)")
    parser.add_argument("--codebase", action="append", help="only this repository (repeatable)")
    parser.add_argument("--reps", type=int, default=3, help="ranking runs per spec (median)")
    parser.add_argument("--exact", action="store_true", help="pack each request for real")
    parser.add_argument("--json", help="also write the rows and the summary here")
    args = parser.parse_args()
    rows = []
    for case in cases(args):
        rows.append(one(case, args))
        print(f"eval: {case.id}: rank {rows[-1].rank}, {rows[-1].chars:,} chars",
              file=sys.stderr)
    summary = print_report(rows)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [asdict(r) for r in rows],
                                               "summary": summary}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
