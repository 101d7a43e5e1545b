"""The large strategy's pack phase: rg finds what the spec concerns, `twostep relevant` ranks the
tracked selection, `twostep tiers` writes the tiers' listings and the map, repomix packs the
full-text tier plain and the next tier with `--compress`, and `cat` joins map and packs into the
planner's input. `twostep run` and the dry-run script run these very steps, so they agree.

The spec reaches rg through pattern files written by `twostep patterns`, so the script is fixed
and only the spec varies.
"""

from __future__ import annotations

from collections.abc import Sequence

from twostep.core.steps import IfNonEmpty, Learns, Pipe, Step, twostep
from twostep.core.values import Arg, Command, RunPath
from twostep.pipeline import packstep
from twostep.pipeline.job import Job
from twostep.sizing import rgsearch

SELECTED = RunPath("selected.files")
RANKED = RunPath("ranked.tsv")
MAP = RunPath("map.txt")
REPORT = RunPath("tiers.json")
#: Every file whose text the planner gets (full or compressed): the ledger's listing.
SENT = RunPath("slice.files")
TIERS = (("full", (), "the most relevant files (and the recipe's slice) in full text"),
         ("compressed", ("--compress",), "the next files compressed: signatures and structure"))
#: The packs the planner's fit counts (their repomix logs), in the order `cat` joins them.
PACK_LOGS = tuple(RunPath(f"{name}.log") for name, _, _ in TIERS)
PACKS = tuple(RunPath(f"{name}.xml") for name, _, _ in TIERS)
#: xargs exits 123 when an rg exits 1 (no match) or 2 (a file vanished since `git ls-files`).
NO_MATCH = (123,)


def _search(name: str, kind: str, argv: Sequence[Arg], title: str) -> Pipe:
    hits = RunPath(f"{kind}.hits")
    return Pipe(name, title, (Command(tuple(rgsearch.xargs_argv(argv)), ok_codes=NO_MATCH,
                                      runs=("rg",)),),
                stdin=(SELECTED,), stdout=hits)


def ranking_steps(job: Job, spec: Arg) -> tuple[Step, ...]:
    """Select, search with rg, rank: `ranked.tsv` (score, path, reasons) most relevant first."""
    language = rgsearch.language_for(job.recipe.name)
    definitions, mentions = RunPath("definitions.pat"), RunPath("mentions.pat")
    return (
        Pipe("tiers-select", "every tracked file the codebase pathspecs select",
             (Command(("git", "ls-files", "-z", "--", *job.recipe.codebase)),), stdout=SELECTED),
        twostep("patterns", spec, "--language", language, "--definitions", definitions,
                "--mentions", mentions, name="patterns",
                title="the spec's terms as rg pattern files: code names to find where they are "
                      "defined, names and words to find where they are mentioned"),
        _search("rg-definitions", "definitions",
                rgsearch.definition_search(language, definitions),
                f"rg: the files that define a name the spec uses ({language} definitions)"),
        _search("rg-mentions", "mentions", rgsearch.mention_search(mentions),
                "rg: the files that mention the spec's terms (whole words; longer words also "
                "inside identifiers)"),
        twostep("relevant", spec, "--language", language, "--definitions",
                RunPath("definitions.hits"), "--mentions", RunPath("mentions.hits"),
                stdin=(SELECTED,), stdout=RANKED, name="relevant",
                title="rank the files: definitions over mentions, rare terms over common ones, "
                      "files the spec names first (ties by path: no order or timing matters)"),
    )


def _pack(name: str, flags: tuple[str, ...], title: str,
          tree_flags: tuple[str, ...]) -> IfNonEmpty:
    """`repomix --stdin` of the tier's listing: tiers hold at most a few thousand files, where
    stdin mode is as fast as directory mode (it slows down only with many paths) and needs no
    tree of links."""
    listing, out = RunPath(f"{name}.files"), RunPath(f"{name}.xml")
    pack = Pipe(f"{name}-pack", "", (Command(packstep.repomix("--stdin", *tree_flags, *flags,
                                                       "-o", out)),), stdin=(listing,),
                stdout=RunPath(f"{name}.log"))
    return IfNonEmpty(f"{name}-pack", listing, then=pack, otherwise=out, learns=Learns.PACK,
                      title=f"repomix{' ' + ' '.join(flags) if flags else ''}: {title} "
                            f"(an empty tier packs nothing)")


def steps(job: Job, spec: Arg, out: RunPath, tree_flags: tuple[str, ...]) -> tuple[Step, ...]:
    """The whole tiered pack phase, ending with the planner's input in `out`."""
    floor = ("--floor-tokens", str(job.floor_tokens)) if job.floor_tokens else ()
    tiers = twostep(
        "tiers", *job.recipe.stage_args, "--spec", spec, "--ranked", RANKED, *floor,
        *(a for name, _, _ in TIERS for a in (f"--{name}", RunPath(f"{name}.files"))),
        "--map", MAP, "--sent", SENT, "--report", REPORT, stdin=(SELECTED,), name="tiers",
        learns=Learns.TIERS,
        title="the planner's input: the map of every path, full text while relevance holds up "
              "(strategies.large.fill), then compressed; docs after code (which file went "
              "where, and why, in tiers.json and on stderr)")
    packs = tuple(_pack(name, flags, title, tree_flags) for name, flags, title in TIERS)
    trim = twostep(
        "trim-tiers", *job.recipe.stage_args, "--spec", spec, "--map", MAP, "--report",
        REPORT, "--sent", SENT, *(a for log, pack in zip(PACK_LOGS, PACKS, strict=True)
                                  for a in (log, pack)), name="trim-tiers", learns=Learns.TIERS,
        title="check what repomix packed (a file it dropped is marked x in the map) and fit by "
              "the real size: if its counts are over the budget, take the least relevant files "
              "out of the compressed pack (they stay in the map)")
    join = Pipe("planner-input", "the planner's input: the map, the full-text pack, the "
                "compressed pack", (Command(("cat", "--", MAP, *PACKS)),), stdout=out)
    return (*ranking_steps(job, spec), tiers, *packs, trim, join)
