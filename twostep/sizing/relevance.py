"""Which tracked files does a spec concern? Terms from the spec, rg's hits over the selection
(sizing/rgsearch.py), a ranking: `rank` turns the two searches' outputs into a stable order;
`relevant` runs it all for one repository.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from twostep.sizing import rgsearch
from twostep.sizing.terms import Terms, terms

__all__ = ["Ranked", "Terms", "format_ranked", "parse_ranked", "rank", "relevant", "terms"]


#: A definition of a term counts for far more than any number of mentions of it: one hit weighs
#: DEFINITION, mentions at most MENTION * MENTION_CAP, both scaled by the term's rarity.
DEFINITION = 8.0
MENTION = 1.0
MENTION_CAP = 3.0
#: A file whose name (without extension) is a term, or a directory on its path that is.
STEM = 5.0
DIRECTORY = 1.5
#: Files under a directory the spec names by path.
NAMED_DIRECTORY = 4.0


@dataclass(frozen=True)
class Ranked:
    path: str
    score: float
    reasons: tuple[str, ...]
    explicit: bool = False  # the spec names this file: it comes first whatever its score


def format_ranked(ranked: Sequence[Ranked]) -> str:
    """One line per file, as a ranking filter prints it: score, path, reasons (tab-separated)."""
    return "".join(f"{r.score:.3f}\t{r.path}\t{'; '.join(r.reasons)}\n" for r in ranked)


def parse_ranked(text: str) -> list[Ranked]:
    """The ranking filter's output read back (`format_ranked`); the path is the middle field."""
    out = []
    for line in text.splitlines():
        score, _, rest = line.partition("\t")
        path, _, reasons = rest.rpartition("\t")
        if path:
            out.append(Ranked(path, float(score), tuple(r for r in reasons.split("; ") if r)))
    return out


def parse_hits(output: bytes | str, t: Terms, tracked: set[str]) -> dict[str, dict[str, int]]:
    """{term: {path: matches}} from rg's `path NUL text` lines; untracked paths are ignored."""
    raw = output.encode("utf-8", "surrogateescape") if isinstance(output, str) else output
    hits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in raw.split(b"\n"):
        path_b, sep, text_b = line.partition(b"\0")
        if not sep:
            continue
        path = path_b.decode("utf-8", "surrogateescape").removeprefix("./")
        key = t.key(text_b.decode("utf-8", "replace").strip())
        if key is not None and path in tracked:
            hits[key][path] += 1
    return hits


def _rarity(total: int, files: int) -> float:
    """Inverse document frequency: a term found in few files says more about them."""
    return math.log(1 + total / max(files, 1))


def _add_hits(scores: dict[str, float], reasons: dict[str, list[str]], hits: Mapping,
              t: Terms, total: int, definition: bool) -> None:
    for term in sorted(hits):
        per_file = hits[term]
        weight = t.strength(term) * _rarity(total, len(per_file))
        for path in sorted(per_file):
            n = per_file[path]
            if definition:
                scores[path] += DEFINITION * weight
                reasons[path].append(f"defines {term}")
            else:
                scores[path] += MENTION * weight * min(1 + math.log(n), MENTION_CAP)
                reasons[path].append(f"mentions {term} x{n}")


def _add_path_matches(scores: dict[str, float], reasons: dict[str, list[str]],
                      tracked: Sequence[str], t: Terms) -> None:
    """A file named after a term (json/decoder.py for "decoder"), or in a directory that is."""
    keys = {k.lower(): k for k in t.path_keys()}
    stems: dict[str, list[str]] = defaultdict(list)
    dirs: dict[str, list[str]] = defaultdict(list)
    for path in tracked:
        parts = path.lower().split("/")
        stem = parts[-1].split(".", 1)[0]
        if stem in keys:
            stems[stem].append(path)
        for part in set(parts[:-1]) & keys.keys():
            dirs[part].append(path)
    for table, weight, what in ((stems, STEM, "file named"), (dirs, DIRECTORY, "in directory")):
        for key in sorted(table):
            paths = table[key]
            add = weight * t.strength(keys[key]) * _rarity(len(tracked), len(paths))
            for path in paths:
                scores[path] += add
                reasons[path].append(f"{what} {key}")


def _spec_paths(spec_paths: Iterable[str], tracked: Sequence[str]) -> tuple[set[str], set[str]]:
    """(files the spec names, files under directories it names); a name may be a path suffix."""
    files, under = set(), set()
    for raw in spec_paths:
        name = raw.strip().removeprefix("./").rstrip("/")
        if not name:
            continue
        for path in tracked:
            if path == name or path.endswith("/" + name):
                files.add(path)
            elif path.startswith(name + "/") or f"/{name}/" in f"/{path}":
                under.add(path)
    return files, under - files


def rank(definition_output: bytes | str, mention_output: bytes | str, spec_paths: Sequence[str],
         tracked: Sequence[str], *, spec_terms: Terms | None = None) -> list[Ranked]:
    """Tracked files with any evidence, most relevant first: the files the spec names, then by
    score (definitions far above mentions), then by path. Input order never matters: every
    table is walked in sorted order, so float sums come out bit-identical."""
    t = spec_terms or Terms.of_matches(definition_output, mention_output)
    chosen = sorted(set(tracked))
    known = set(chosen)
    scores: dict[str, float] = defaultdict(float)
    reasons: dict[str, list[str]] = defaultdict(list)
    _add_hits(scores, reasons, parse_hits(definition_output, t, known), t, len(chosen), True)
    _add_hits(scores, reasons, parse_hits(mention_output, t, known), t, len(chosen), False)
    _add_path_matches(scores, reasons, chosen, t)
    named, under = _spec_paths(sorted(set(spec_paths) | set(t.paths)), chosen)
    for path in sorted(under):
        scores[path] += NAMED_DIRECTORY
        reasons[path].append("under a directory the spec names")
    for path in sorted(named):
        reasons[path].insert(0, "named in the spec")
    out = [Ranked(p, round(scores[p], 6), tuple(reasons[p]), p in named)
           for p in chosen if p in named or scores.get(p, 0) > 0]
    return sorted(out, key=lambda r: (not r.explicit, -r.score, r.path))


def relevant(repo: Path, spec_text: str, language: str, tracked: list[str]) -> list[Ranked]:
    """Rank the tracked selection of `repo` for a spec: both rg searches run side by side."""
    t = terms(spec_text)
    argvs = [rgsearch.definition_argv(t, language), rgsearch.mention_argv(t)]
    todo = [argv for argv in argvs if argv]
    outs = iter(rgsearch.run_many(repo, todo, tracked) if todo and tracked else [b""] * len(todo))
    defs, mentions = (next(outs) if argv else b"" for argv in argvs)
    return rank(defs, mentions, t.paths, tracked, spec_terms=t)
