#!/usr/bin/env python3
"""Check twostep.sizing.estimate's byte band and decide() against real repomix counts.

Copies this Python's stdlib (minus site-packages and __pycache__) into a temp git repo, then for
each selection below links exactly its tracked files into a tree (as pipeline.build.pack_steps does)
and runs `repomix . <TREE_PACK_FLAGS> -o OUT` there (token cache off, so every pack is cold).
One row per selection: repomix's exact count, the bytes band, whether the band holds the count,
what decide() does (a strategy, or "exact": it defers to a repomix count), and whether the final
strategy (decide's, or the exact count's when deferred) is the one of the exact count. Then it
times `twostep measure`'s path (measure.measure with the default recipe, codebase ["."]) on the
whole stdlib against one full pack of it. Exit status 1 if a band misses or a strategy differs.

    .venv/bin/python scripts/calibrate_estimate.py [--work DIR] [--repomix PATH] [--only NAME...]

Constants it checks (twostep/sizing/tokens.py, estimate.py): MAX_BYTES_PER_TOKEN (band low),
HEADER_TOKENS and HEADER_SLACK (the "one file" row, a pack that is almost all header).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from twostep.core.recipe import Strategies
from twostep.pack.linktree import link_tree
from twostep.pipeline import measure
from twostep.pipeline.packstep import TREE_PACK_FLAGS
from twostep.recipe import load as recipe
from twostep.sizing import estimate as est
from twostep.sizing.strategy import decide
from twostep.tools.repomix import parse_repomix_summary

ROOT = Path(__file__).resolve().parents[1]

SELECTIONS: list[tuple[str, list[str]]] = [
    ("json", ["json"]),
    ("email", ["email"]),                      # ~88K: just under the small/medium threshold
    ("asyncio", ["asyncio"]),                  # ~104K: just over it
    ("unittest", ["unittest"]),
    ("encodings", ["encodings"]),              # dense code-point tables
    ("test/test_email", ["test/test_email"]),  # .py plus raw mail messages (non-ASCII)
    ("test/decimaltestdata", ["test/decimaltestdata"]),
    ("text mix", ["*.txt", "*.xml", "*.json", "*.toml", "*.html", "*.rst"]),
    ("C/misc mix", ["*.c", "*.h", "*.def", "*.in", "*.ps1", "*.bat", "*.sh", "*.pem", "Makefile"]),
    ("whole lib", []),
]
HEADER = ["selection", "files", "exact", "bytes low", "bytes high", "in", "decide", "final",
          "agree", "t_est", "t_pack"]
WIDTHS = [22, 5, 10, 10, 11, 4, 7, 7, 5, 6, 7]


def git_repo(repo: Path) -> Path:
    git = ["git", "-c", "user.email=cal@example.invalid", "-c", "user.name=cal"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "import"], cwd=repo, check=True)
    return repo


def build_repo(src: Path, repo: Path) -> Path:
    """A git repo holding a copy of src (no site-packages, __pycache__, nested .git or
    node_modules)."""
    shutil.copytree(src, repo, symlinks=True, ignore=shutil.ignore_patterns(
        "site-packages", "dist-packages", "__pycache__", ".git", "node_modules"))
    return git_repo(repo)


def exact_pack(repomix: str, repo: Path, specs: list[str], work: Path) -> tuple[int, float]:
    """repomix's Total Tokens for the selection, packed as twostep packs it; and the pack's time."""
    listed = subprocess.run(["git", "ls-files", "-z", "--", *specs], cwd=repo,
                            capture_output=True, check=True).stdout
    tree = work / "tree"
    link_tree(repo, tree, [os.fsdecode(p) for p in listed.split(b"\0") if p])
    t = time.perf_counter()
    run = subprocess.run([repomix, ".", *TREE_PACK_FLAGS, "-o", str(work / "out.xml")], cwd=tree,
                         env=dict(os.environ, REPOMIX_TOKEN_CACHE="0"), capture_output=True,
                         text=True, check=True)
    elapsed = time.perf_counter() - t
    shutil.rmtree(tree)
    return parse_repomix_summary(run.stdout).total_tokens, elapsed


def row(repo: Path, repomix: str, work: Path, name: str, specs: list[str],
        limits: Strategies) -> tuple[bool, float]:
    """One selection; (band holds the count and the strategy agrees, the pack's time)."""
    exact, t_pack = exact_pack(repomix, repo, specs, work)
    t = time.perf_counter()
    e = est.estimate(repo, specs)
    d = decide(e, limits)
    t_est = time.perf_counter() - t
    inside = e.low <= exact <= e.high
    want = limits.choose(exact)
    final = d if d is not None else want  # deferred: the caller uses repomix's exact count
    agree = final == want
    cells = [name, e.files, f"{exact:,}", f"{e.low:,}", f"{e.high:,}", "yes" if inside else "MISS",
             d if d is not None else "exact", final, "yes" if agree else "NO",
             f"{t_est:.2f}s", f"{t_pack:.2f}s"]
    print(" ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                   for i, (c, w) in enumerate(zip(cells, WIDTHS, strict=True))), flush=True)
    return inside and agree, t_pack


def header_row(repomix: str, work: Path, limits: Strategies) -> bool:
    """A one-file repo: its pack is the header plus a few tokens."""
    tiny = work / "one-file"
    tiny.mkdir()
    (tiny / "a.txt").write_text("x\n")
    return row(git_repo(tiny), repomix, work, "one file", [], limits)[0]


def measure_timing(repo: Path, t_pack: float) -> None:
    """`twostep measure`'s path on the whole lib against one full pack of it."""
    rec = dataclasses.replace(recipe.load("default"), codebase=(".",))
    # Should the band ever straddle a threshold, measure packs with the repomix found on PATH.
    os.environ["PATH"] = f"{ROOT / '.tools/node_modules/.bin'}{os.pathsep}{os.environ['PATH']}"
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        m = measure.measure(rec, repo)
        runs.append(time.perf_counter() - t)
    how = "repomix count" if m.exact else f"band {m.low:,}–{m.high:,}, decided"
    print(f"\nwhole lib via measure.measure (default recipe, codebase ['.']): {m.strategy} "
          f"({how}); by_dir top: {m.by_dir[:3]}")
    print(f"  measure best of 3 {min(runs):.2f}s | one full `repomix .` pack (cold token cache) "
          f"{t_pack:.2f}s | ratio measure/pack {min(runs) / t_pack:.3f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="scratch dir (default: a new temp dir, removed)")
    default_rx = ROOT / ".tools/node_modules/.bin/repomix"
    ap.add_argument("--repomix", default=str(default_rx) if default_rx.exists() else "repomix")
    ap.add_argument("--only", nargs="*", help="selection names to run (default: all)")
    ap.add_argument("--corpus", nargs="*", type=Path, default=[],
                    help="extra directories (e.g. .tools/node_modules/zod, /usr/include/linux), "
                         "each packed whole as one more row")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="twostep-cal-"))
    work.mkdir(parents=True, exist_ok=True)
    strategies = recipe.load("default").strategies
    limits = strategies
    try:
        t = time.perf_counter()
        repo = build_repo(Path(sysconfig.get_paths()["stdlib"]), work / "stdlib")
        print(f"stdlib copy: {repo} ({len(est._tracked(repo, []))} tracked files, "
              f"{time.perf_counter() - t:.0f}s); thresholds {limits}")
        print(" ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                       for i, (c, w) in enumerate(zip(HEADER, WIDTHS, strict=True))))
        ok = header_row(args.repomix, work, limits)
        t_whole = None
        for name, specs in SELECTIONS:
            if not args.only or name in args.only:
                good, t_pack = row(repo, args.repomix, work, name, specs, limits)
                ok = good and ok
                t_whole = t_pack if name == "whole lib" else t_whole
        for i, src in enumerate(args.corpus):
            extra = build_repo(src, work / f"corpus{i}")
            ok = row(extra, args.repomix, work, f"{src.name}/ (corpus)", [], limits)[0] and ok
        if t_whole is not None:
            measure_timing(repo, t_whole)
        print("\nall bands hold the exact count; every final strategy agrees" if ok
              else "\nA BAND MISSED OR A STRATEGY DIFFERS (see MISS/NO)")
        return 0 if ok else 1
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
