"""Measure the codebase's tokens and choose the strategy.

A fast estimate from file sizes decides when no threshold lies inside its error band;
otherwise repomix packs the selection and its own o200k count decides. Either way the
strategy is the one repomix's exact count gives.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from twostep.core.recipe import Recipe
from twostep.core.values import RunPath
from twostep.pipeline import build, packstep
from twostep.pipeline.runner import Runner
from twostep.runs.store import state_dir
from twostep.sizing.estimate import estimate
from twostep.sizing.strategy import decide
from twostep.tools.repomix import parse_repomix_summary


@dataclass(frozen=True)
class Measurement:
    tokens: int
    exact: bool
    strategy: str
    files: int
    chars: int | None = None
    low: int | None = None
    high: int | None = None
    by_dir: tuple[tuple[str, int], ...] = ()
    suspicious: tuple[str, ...] = field(default=())
    #: Files repomix leaves out for sure (symlinks, binaries, ...), with why.
    unpacked: tuple[tuple[str, str], ...] = ()
    note: str = ""

    def to_json(self) -> dict:
        return {"tokens": self.tokens, "strategy": self.strategy, "exact": self.exact,
                "method": "repomix" if self.exact else "estimate",
                "band": None if self.exact else [self.low, self.high],
                "files": self.files, "chars": self.chars,
                "by_dir": [{"dir": d, "tokens": t} for d, t in self.by_dir],
                "excluded_by_security_check": list(self.suspicious),
                "security_check": "repomix's" if self.exact else
                "likely (a superset: each secretlint rule's literal and regex)",
                "not_packed": [{"path": p, "why": why} for p, why in self.unpacked],
                **({"note": self.note} if self.note else {})}


def exact(recipe: Recipe, repo: Path, pathspecs: tuple[str, ...] | None = None, *,
          store: bool = True) -> Measurement:
    """Pack with repomix in a scratch directory outside the repository and read its count.

    An identical earlier pack in .twostep/cache answers at once; `store=False` (dry-run) reads
    the cache but never adds to it.
    """
    scratch = Path(tempfile.mkdtemp(prefix="twostep-measure-"))
    cache = repo / ".twostep" / "cache"
    if store:
        (state_dir(repo) / "cache").mkdir(exist_ok=True)
    try:
        runner = Runner(repo, scratch, cache=cache if cache.is_dir() else None,
                        cache_readonly=not store)
        for step in (packstep.config_step(), *build.pack_steps(
                "codebase", pathspecs or recipe.codebase, RunPath("codebase.xml"))):
            runner.run_step(step)
        summary = parse_repomix_summary((scratch / "codebase.log").read_text(errors="replace"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    tokens = summary.total_tokens
    return Measurement(tokens, True, recipe.strategies.choose(tokens), summary.total_files,
                       summary.total_chars, suspicious=tuple(summary.suspicious))


def measure(recipe: Recipe, repo: Path, *, force_exact: bool = False,
            store: bool = True) -> Measurement:
    est = estimate(repo, recipe.codebase)
    strategy = None if force_exact else decide(est, recipe.strategies)
    if strategy is None:
        m = exact(recipe, repo, store=store)
        return Measurement(m.tokens, True, m.strategy, m.files, m.chars, by_dir=est.by_dir,
                           suspicious=m.suspicious, unpacked=est.unpacked)
    return Measurement(est.tokens, False, strategy, est.files, None, est.low, est.high, est.by_dir,
                       suspicious=est.secret, unpacked=est.unpacked)
