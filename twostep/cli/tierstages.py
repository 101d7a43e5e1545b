"""The large strategy's stages (pipeline/tiersteps.py) and the executor's callers: `patterns`
writes the spec's terms as rg pattern files, `relevant` ranks rg's hits, `tiers` writes the
tiers' listings and the map, `callers` lists the files that use what the plan changes."""

from __future__ import annotations

from pathlib import Path

import click

from twostep.cli import choosing, stage
from twostep.cli.env import pass_env, path, root
from twostep.pipeline.inprocess import Env

spec_arg = click.argument("spec", type=path(exists=True, dir_okay=False))


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


def _write_list(path: Path, paths: tuple[str, ...] | list[str]) -> None:
    """One path a line, as `repomix --stdin` reads them (git quotes no name in a listing)."""
    path.write_bytes(b"".join(p.encode("utf-8", "surrogateescape") + b"\n" for p in paths))


def _stdin_paths(env: Env) -> list[str]:
    from twostep.pack.linktree import read_paths

    return read_paths(env.stdin)


@stage()
@spec_arg
@click.option("--language", default="default", help="Definition patterns of this language.")
@click.option("--definitions", type=path(), required=True,
              help="Write the definition regexes here (rg -f).")
@click.option("--mentions", type=path(), required=True,
              help="Write the mention literals here (rg -F -w -f).")
def patterns(spec: Path, language: str, definitions: Path, mentions: Path):
    """Write the SPEC's terms as rg pattern files, one pattern a line (empty: nothing to find)."""
    from twostep.sizing import relevance, rgsearch

    t = relevance.terms(_read(spec))
    definitions.write_text("".join(f"{p}\n" for p in rgsearch.definition_patterns(t, language)))
    mentions.write_text("".join(f"{p}\n" for p in rgsearch.mention_patterns(t)))


@stage()
@spec_arg
@click.option("--recipe", "recipe_arg", metavar="RECIPE", help="The codebase and language.")
@click.option("--language", help="Definition patterns of this language (default: the recipe's).")
@click.option("--definitions", type=path(exists=True),
              help="rg's definition hits (`path NUL name` lines); without it rg runs here.")
@click.option("--mentions", type=path(exists=True),
              help="rg's mention hits (`path NUL term` lines).")
@pass_env
def relevant(env: Env, spec: Path, recipe_arg: str | None, language: str | None,
             definitions: Path | None, mentions: Path | None):
    """Rank tracked files for SPEC: score, path and reasons per line, most relevant first.

    With --definitions/--mentions it is a filter: the tracked selection on stdin (NUL- or
    line-separated), rg's hits from those files. Without them it runs rg itself over the
    recipe's codebase."""
    from twostep.errors import InputError
    from twostep.recipe import load as recipes
    from twostep.sizing import relevance, rgsearch

    text = _read(spec)
    recipe = recipes.load(recipe_arg, cwd=env.cwd) if recipe_arg else None
    lang = language or rgsearch.language_for(recipe.name if recipe else "")
    if definitions is not None or mentions is not None:
        t = relevance.terms(text)
        hits = [p.read_bytes() if p else b"" for p in (definitions, mentions)]
        paths = _stdin_paths(env)  # the stage runs at the repository's root
        ranked = relevance.rank(hits[0], hits[1], t.paths, paths, spec_terms=t,
                                sizes=relevance.file_sizes(env.cwd, paths))
    elif recipe is None:
        raise InputError("give --recipe (rg runs over its codebase) or rg's hits",
                         hint="twostep relevant SPEC --recipe python")
    else:
        from twostep.sizing import largeview

        repo = root(env)
        ranked = relevance.relevant(repo, text, lang, largeview.selection(repo, recipe))
    env.write(relevance.format_ranked(ranked))


@stage()
@click.option("--recipe", "recipe_arg", required=True, metavar="RECIPE")
@choosing.agents_of_stage
@click.option("--spec", type=path(exists=True), required=True)
@click.option("--ranked", type=path(exists=True), required=True,
              help="`twostep relevant`'s output.")
@click.option("--floor-tokens", type=int, help="The recipe slice's size as repomix counted it.")
@click.option("--full", type=path(), required=True)
@click.option("--compressed", type=path(), required=True)
@click.option("--map", "map_path", type=path(), required=True)
@click.option("--sent", type=path(), required=True,
              help="Every file whose text the planner gets (full and compressed).")
@click.option("--report", type=path(), required=True,
              help="tiers.json: which file went where, and why.")
@pass_env
def tiers(env: Env, recipe_arg: str, planner_cli: str | None, executor_cli: str | None, spec: Path,
          ranked: Path, floor_tokens: int | None, full: Path,
          compressed: Path, map_path: Path, sent: Path, report: Path):
    """Split the tracked selection on stdin into the planner's tiers, within its budget."""
    import json

    from twostep.sizing import largeview, relevance

    recipe = choosing.load(recipe_arg, planner_cli, executor_cli, env.cwd)
    spec_chars = len(_read(spec))
    order = relevance.parse_ranked(_read(ranked))
    chosen, sizes = largeview.plan_sized(root(env), recipe, order, _stdin_paths(env), spec_chars,
                                         floor_tokens=floor_tokens)
    _write_list(full, chosen.full)
    _write_list(compressed, chosen.compressed)
    _write_list(sent, chosen.full + chosen.compressed)
    map_path.write_text(chosen.map_text, encoding="utf-8", errors="surrogateescape")
    data = largeview.report(chosen, largeview.planner_budget(recipe, spec_chars), sizes)
    report.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    largeview.log(chosen)


@stage(name="trim-tiers")
@click.option("--recipe", "recipe_arg", required=True, metavar="RECIPE")
@choosing.agents_of_stage
@click.option("--spec", type=path(exists=True), required=True)
@click.option("--map", "map_path", type=path(exists=True), required=True)
@click.option("--report", type=path(exists=True), required=True)
@click.option("--sent", type=path(), required=True)
@click.argument("full_log", type=path())
@click.argument("full", type=path(exists=True))
@click.argument("compressed_log", type=path())
@click.argument("compressed", type=path(exists=True))
@pass_env
def trim_tiers(env: Env, recipe_arg: str, planner_cli: str | None, executor_cli: str | None,
               spec: Path, map_path: Path, report: Path, sent: Path, full_log: Path, full: Path,
               compressed_log: Path, compressed: Path):
    """Fit the packed tiers by repomix's real count: take the least relevant files out of the
    COMPRESSED pack until map, packs, spec and prompt fit the planner (nothing when they do)."""
    import json

    from twostep.log import LOG
    from twostep.sizing import largeview
    from twostep.sizing import trim as t
    from twostep.sizing.budget import max_chars
    from twostep.tools.repomix import parse_repomix_summary

    recipe = choosing.load(recipe_arg, planner_cli, executor_cli, env.cwd)
    budget = largeview.planner_budget(recipe, len(_read(spec)))
    summaries = [parse_repomix_summary(_read(log)) for log in (full_log, compressed_log)
                 if log.exists()]  # an empty tier has no log: nothing packed

    def pack(text: Path, log: Path) -> t.Pack:
        if not log.exists():
            return t.Pack(_read(text), 0, 0)
        summary = parse_repomix_summary(_read(log))
        return t.Pack(_read(text), summary.total_tokens, summary.total_chars)
    packs = [pack(full, full_log), pack(compressed, compressed_log)]
    data = json.loads(_read(report))
    gone = _unpacked(data, packs, summaries)
    cut = t.trim(packs[0], packs[1], _read(map_path), data,
                 budget_tokens=recipe.planner.input_budget - budget.prose_tokens,
                 budget_chars=max_chars(recipe.planner) - budget.prose_chars)
    if cut is not None:
        compressed.write_text(cut.text, encoding="utf-8")
        data = t.updated_report(data, cut.dropped)
        LOG.warn(f"the compressed pack came out larger than estimated: {len(cut.dropped):,} of "
                 f"its least relevant files taken out to fit (still named in the map), e.g. "
                 f"{', '.join(cut.dropped[:5])}")
    if not gone and cut is None:
        LOG.detail("the packed tiers fit the planner's budget by repomix's count")
        return
    map_path.write_text(t.updated_map(data, _read(map_path)), encoding="utf-8")
    report.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    _write_list(sent, data["full"] + data["compressed"])
    LOG.info(f"the planner's input as packed: {t.counts(data)}")


def _unpacked(data: dict, packs: list, summaries: list) -> dict[str, str]:
    """The planned files repomix did not pack, taken out of their tiers (tiers.json's `data`)."""
    from twostep.log import LOG
    from twostep.sizing import trim as t

    gone = t.unpacked(data, {"full": packs[0].text, "compressed": packs[1].text},
                      [p for s in summaries for p in s.suspicious],
                      [p for s in summaries for p in s.binary_content])
    if gone:
        t.excluded_report(data, gone)
        LOG.warn(f"repomix did not pack {len(gone):,} planned files (the map marks them x): "
                 f"{', '.join(f'{p} ({why})' for p, why in list(gone.items())[:5])}")
    return gone


@stage()
@click.argument("plan_file", metavar="PLAN", type=path(exists=True))
@click.option("--recipe", "recipe_arg", required=True, metavar="RECIPE")
@choosing.agents_of_stage
@click.option("--files", "files_list", type=path(exists=True),
              required=True, help="The planned files (`twostep files`' output).")
@click.option("--pack-log", type=path(), help="Their pack's repomix summary.")
@pass_env
def callers(env: Env, plan_file: Path, recipe_arg: str, planner_cli: str | None,
            executor_cli: str | None, files_list: Path, pack_log: Path | None):
    """Print the tracked files that use a symbol PLAN changes, ranked and cut to the executor's
    budget: read-only context, kept apart from the planned files."""
    from twostep.sizing import callers as c
    from twostep.tools.repomix import parse_repomix_summary

    recipe = choosing.load(recipe_arg, planner_cli, executor_cli, env.cwd)
    with files_list.open("rb") as handle:
        from twostep.pack.linktree import read_paths

        planned = read_paths(handle)
    used = 0
    if pack_log is not None and pack_log.exists():
        used = parse_repomix_summary(pack_log.read_text(errors="replace")).total_tokens
    found = c.find(root(env), recipe, _read(plan_file), planned, used_tokens=used)
    c.log(found)
    env.write("".join(f"{p}\n" for p in found.added))


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (patterns, relevant, tiers, trim_tiers, callers)
