#!/usr/bin/env python3
"""Measure `twostep files` against the seed's regex on the plan corpus in tests/corpora/planfiles.

For every plan: recall and precision of the selected files against the hand-written truth, and
the number of forbidden selections (paths outside the repository, under .git/, ignored, untracked,
or symlinks leaving the repository). The seed is `rg -o '[a-zA-Z0-9_/]+\\.EXT' PLAN | sort -u` per
extension of the repository's language; it is run with the real rg when one is found
(`--rg PATH`, default .venv/bin/rg or rg on PATH), else emulated with Python's re.

    python scripts/eval_planfiles.py [--corpus DIR] [--rg PATH|--no-rg] [--verbose]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from twostep.planfiles import resolve
from twostep.planfiles.repoview import RepoView

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpora" / "planfiles"
FAKE_ROOT = "/corpus"  # where the in-memory repositories pretend to live


@dataclass
class Repo:
    view: RepoView
    spec: dict

    def forbidden(self, path: str) -> bool:
        """Would sending this path leak something the spec says must never be sent?"""
        if path.startswith(("/", "~")) or ".." in path.split("/") or ".git" in path.split("/"):
            return True
        ignored = self.spec.get("ignored") or []
        if any(path == e.rstrip("/") or (e.endswith("/") and path.startswith(e)) for e in ignored):
            return True
        if path in (self.spec.get("untracked") or []):
            return True
        return self.view.is_tracked(path) and self.view.unsafe_reason(path) is not None


@dataclass
class Score:
    """Micro-averaged counts: recall = tp/truth, precision = tp/selected (1.0 when empty)."""

    tp: int = 0
    selected: int = 0
    truth: int = 0
    forbidden: int = 0

    def add(self, chosen: set[str], truth: set[str], forbidden: int) -> Score:
        self.tp += len(chosen & truth)
        self.selected += len(chosen)
        self.truth += len(truth)
        self.forbidden += forbidden
        return self

    def merge(self, other: Score) -> Score:
        self.tp += other.tp
        self.selected += other.selected
        self.truth += other.truth
        self.forbidden += other.forbidden
        return self

    @property
    def recall(self) -> float:
        return self.tp / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.tp / self.selected if self.selected else 1.0


def load_corpus(corpus: Path = CORPUS) -> tuple[dict[str, Repo], list[dict]]:
    repos = {}
    for f in sorted((corpus / "repos").glob("*.yaml")):
        spec = yaml.safe_load(f.read_text())
        view = RepoView.from_paths(FAKE_ROOT, spec["tracked"], ignored=spec.get("ignored") or (),
                                   untracked=spec.get("untracked") or (),
                                   symlinks=spec.get("symlinks") or {}, name=spec.get("name"))
        repos[f.stem] = Repo(view, spec)
    plans = yaml.safe_load((corpus / "corpus.yaml").read_text())["plans"]
    return repos, plans


def seed_select(text: str, exts: list[str], rg: str | None, plan_file: Path) -> set[str]:
    """The seed: rg -o '[a-zA-Z0-9_/]+\\.EXT' PLAN | sort -u, once per extension."""
    out: set[str] = set()
    for ext in exts:
        pattern = r"[a-zA-Z0-9_/]+\." + re.escape(ext)
        if rg:
            res = subprocess.run([rg, "-o", "--no-filename", "--no-line-number", pattern,
                                  str(plan_file)], capture_output=True, text=True, check=False)
            out.update(x for x in res.stdout.splitlines() if x)
        else:
            out.update(re.findall(pattern, text))
    return out


def evaluate(rg: str | None, corpus: Path = CORPUS, *,
             verbose: bool = False) -> list[tuple[dict, Score, Score]]:
    repos, plans = load_corpus(corpus)
    rows = []
    for entry in plans:
        repo = repos[entry["repo"]]
        plan_file = corpus / "plans" / entry["plan"]
        text = plan_file.read_text()
        truth = set(entry.get("files") or [])
        ours = set(resolve(text, repo.view).files)
        seed = seed_select(text, repo.spec.get("seed_exts", []), rg, plan_file)
        rows.append((entry,
                     Score().add(ours, truth, sum(map(repo.forbidden, ours))),
                     Score().add(seed, truth, sum(map(repo.forbidden, seed)))))
        if verbose:
            for who, got in (("twostep", ours), ("seed", seed)):
                print(f"  {entry['plan']} {who}: missed {sorted(truth - got)}"
                      f" extra {sorted(got - truth)}"
                      f" forbidden {sorted(p for p in got if repo.forbidden(p))}")
    return rows


def _fmt(s: Score) -> str:
    return f"{s.recall:6.2f} {s.precision:6.2f} {s.forbidden:4d}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--rg", default=str(ROOT / ".venv" / "bin" / "rg"))
    ap.add_argument("--no-rg", action="store_true", help="emulate the seed with Python's re")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="list missed, extra, forbidden files")
    args = ap.parse_args(argv)
    rg = None if args.no_rg else (args.rg if Path(args.rg).exists() else shutil.which("rg"))
    rows = evaluate(rg, args.corpus, verbose=args.verbose)
    head = (f"{'plan':32} {'repo':11} {'truth':>5} | {'twostep R':>9} {'P':>6} {'forb':>4} | "
            f"{'seed R':>6} {'P':>6} {'forb':>4}")
    print(head)
    print("-" * len(head))
    total_ours, total_seed = Score(), Score()
    for entry, ours, seed in rows:
        print(f"{entry['plan'][:32]:32} {entry['repo'][:11]:11} {ours.truth:5d} |    "
              f"{_fmt(ours)} | {_fmt(seed)}")
        total_ours.merge(ours)
        total_seed.merge(seed)
    print("-" * len(head))
    print(f"{'TOTAL (micro)':32} {len(rows):3d} plans {total_ours.truth:5d} |    "
          f"{_fmt(total_ours)} | {_fmt(total_seed)}")
    print(f"seed: {'rg ' + rg if rg else 'emulated with re'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
