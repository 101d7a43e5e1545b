"""Which tracked files does a spec concern? Terms from the spec (sizing/terms.py), rg's hits over
the selection (sizing/rgsearch.py), a ranking: `rank` turns the two searches' outputs into a
stable order; `relevant` runs it all for one repository.

Each term weighs by its kind (a quoted message or hyphenated name over a code name over a plain
word; more in the title or in inline code) times its rarity in the codebase: the inverse
document frequency of the files rg finds it in. A file scores, per term, a definition (once)
and its mentions, saturating and normalised by the file's length (BM25), so that a changelog
that mentions everything does not win by size. A file named after a term, or in a directory
that is, and the files of a traceback's frames (the innermost most) score too. Test files count
a quarter unless the spec names them or a test they define.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from twostep.sizing import rgsearch
from twostep.sizing.terms import Terms, norm, terms

__all__ = ["Ranked", "Terms", "format_ranked", "is_test", "parse_ranked", "rank", "relevant",
           "terms"]

#: Weight of a term by its kind, and the boost of the title's and inline code's terms.
NAME, WORD, STRING, QUALIFIER, PART = 1.0, 0.35, 1.5, 0.5, 0.5
STRONG = 1.6
#: A file's score grows by up to this share for holding all of the strong terms.
COVERAGE = 1.0
#: A definition weighs this many mentions' worth; BM25's saturation and length normalisation.
DEFINITION, K1, B = 2.5, 1.2, 0.5
#: A definition of `Build` where the spec writes `css.Build`, in a file outside any `css`.
OTHER_OWNER = 0.3
#: A file named after a term, or in a directory that is (times the name's rarity); a file
#: whose name begins a longer term (transform.go for "transformations").
STEM, DIRECTORY, STEM_PREFIX = 3.0, 0.8, 1.5
#: The innermost stack frame's file, and any other frame's.
FRAME_INNER, FRAME = 25.0, 6.0
#: Files under a directory the spec names; a file whose bare name the spec writes.
NAMED_DIRECTORY, NAMED_FILE = 4.0, 12.0
#: Test files count this share, unless the spec names them or a test they define; so do
#: vendored copies of other projects' code.
TEST = 0.25
_VENDORED = re.compile(r"(?:^|/)(?:vendor|vendored|_vendor|third_party|thirdparty|typeshed|"
                       r"node_modules|extern)/")
_TEST = re.compile(r"(?:^|/)(?:tests?|testing|__tests__|testdata|test[-_]data|fixtures?|"
                   r"[\w.]+[-_]tests?|tests?[-_][\w.]+)/|(?:^|/)(?:test_[^/]*|conftest\.py)$|"
                   r"_test\.\w+$|(?:^|/)[^/]*_tests?\.py$|\.(?:spec|test)\.[cm]?[jt]sx?$")


@dataclass(frozen=True)
class Ranked:
    path: str
    score: float
    reasons: tuple[str, ...]
    explicit: bool = False  # the spec names this file: it comes first whatever its score


def is_test(path: str) -> bool:
    return _TEST.search(path) is not None


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


def weights(t: Terms) -> dict[str, float]:
    """Each searched term's weight: its kind, times STRONG in the title or inline code."""
    out = dict.fromkeys(t.words, WORD) | dict.fromkeys(t.qualifiers, QUALIFIER)
    out |= dict.fromkeys(t.names, NAME) | dict.fromkeys(t.strings, STRING)
    return {k: w * (STRONG if k in t.strong else 1.0) for k, w in out.items()}


class _Scores:
    def __init__(self, paths: Sequence[str], sizes: Mapping[str, int]) -> None:
        self.n = len(paths)
        self.sizes = sizes
        self.avg = sum(sizes.get(p, 1) for p in paths) / max(self.n, 1) or 1.0
        self.score: dict[str, float] = defaultdict(float)
        self.why: dict[str, list[str]] = defaultdict(list)
        self.terms: dict[str, set[str]] = defaultdict(set)

    def idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def add(self, path: str, points: float, why: str, term: str = "") -> None:
        self.score[path] += points
        self.why[path].append(why)
        if term:
            self.terms[path].add(term)

    def hits(self, defs: Mapping, mentions: Mapping, weight: Mapping[str, float],
             owners: Mapping[str, set[str]]) -> None:
        for term in sorted(set(defs) | set(mentions)):
            seen = set(defs.get(term, ())) | set(mentions.get(term, ()))
            w = weight.get(term, NAME) * self.idf(len(seen))
            for path in sorted(defs.get(term, ())):
                # `css.Build`: a Build defined outside anything named css is another Build
                owned = _owned(path, owners.get(term))
                self.add(path, DEFINITION * w * (1.0 if owned else OTHER_OWNER),
                         f"defines {term}", term)
            for path, n in sorted(mentions.get(term, {}).items()):
                norm_len = 1 - B + B * self.sizes.get(path, self.avg) / self.avg
                self.add(path, w * n * (K1 + 1) / (n + K1 * norm_len), f"mentions {term} x{n}",
                         term)

    def names(self, paths: Sequence[str], keys: Mapping[str, float],
              owners: Mapping[str, set[str]]) -> None:
        """A file named after a term (json/decoder.py for "decoder"), or in a directory so;
        for `css.Build`, a file named build counts only inside something named css."""
        stems: dict[str, list[str]] = defaultdict(list)
        dirs: dict[str, list[str]] = defaultdict(list)
        for path in paths:
            *parents, name = path.split("/")
            stems[norm(name.split(".", 1)[0])].append(path)
            for part in {norm(p) for p in parents}:
                dirs[part].append(path)
        for table, weight, what in ((stems, STEM, "file named"), (dirs, DIRECTORY, "in directory")):
            for key in sorted(keys.keys() & table.keys()):
                add = weight * keys[key] * self.idf(len(table[key]))
                for path in table[key]:
                    if _owned(path, owners.get(key)):
                        self.add(path, add, f"{what} {key}")
        for key in sorted(keys):
            stem = next((key[:n] for n in range(len(key) - 1, 4, -1) if key[:n] in stems), None)
            if stem is not None:
                add = STEM_PREFIX * keys[key] * self.idf(len(stems[stem]))
                for path in stems[stem]:
                    self.add(path, add, f"file named {stem}, as in {key}")


def _owned(path: str, owners: set[str] | None) -> bool:
    return not owners or bool(owners & {norm(p) for p in re.split(r"[/.]", path)})


def _path_keys(t: Terms) -> dict[str, float]:
    keys: dict[str, float] = {}
    weight = weights(t) | {p: PART for p in t.parts if p not in t.names}
    for term, w in sorted(weight.items()):
        key = norm(term)
        if len(key) >= 3:
            keys[key] = max(keys.get(key, 0.0), w)
    return keys


def _suffix(a: str, b: str) -> bool:
    """One path is the other, or ends with it after a slash."""
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def _spec_paths(spec_paths: Iterable[str], tracked: Sequence[str]
                ) -> tuple[set[str], set[str], set[str]]:
    """(files the spec names by path, files it names by bare name, files under directories it
    names); a name may be a path suffix."""
    files: set[str] = set()
    bare: set[str] = set()
    under: set[str] = set()
    for raw in spec_paths:
        name = raw.strip().removeprefix("./").rstrip("/")
        if not name:
            continue
        for path in tracked:
            if _suffix(path, name) and path.endswith(name.rsplit("/", 1)[-1]):
                (files if "/" in name else bare).add(path)
            elif path.startswith(name + "/") or f"/{name}/" in f"/{path}":
                under.add(path)
    return files, bare - files, under - files - bare


def _frames(s: _Scores, frames: Sequence[str], tracked: Sequence[str]) -> None:
    for i, frame in enumerate(frames):
        for path in tracked:
            if _suffix(frame, path) and frame.rsplit("/", 1)[-1] == path.rsplit("/", 1)[-1]:
                s.add(path, FRAME_INNER if i == 0 else FRAME,
                      "innermost stack frame" if i == 0 else "in a stack frame")


def rank(definition_output: bytes | str, mention_output: bytes | str, spec_paths: Sequence[str],
         tracked: Sequence[str], *, spec_terms: Terms | None = None,
         sizes: Mapping[str, int] | None = None) -> list[Ranked]:
    """Tracked files with any evidence, most relevant first: the files the spec names, then by
    score, then by path. Input order never matters: every table is walked in sorted order, so
    float sums come out bit-identical. `sizes`: bytes per path (length normalisation)."""
    t = spec_terms or Terms.of_matches(definition_output, mention_output)
    chosen = sorted(set(tracked))
    known = set(chosen)
    s = _Scores(chosen, sizes or {})
    weight = weights(t)
    defs = parse_hits(definition_output, t, known)
    owners: dict[str, set[str]] = defaultdict(set)
    for dotted in t.dotted:
        *heads, last = dotted.split(".")
        owners[last] |= {norm(h) for h in heads if h.islower()}
    owned = {k: v for k, v in owners.items() if v}
    s.hits(defs, parse_hits(mention_output, t, known), weight, owned)
    s.names(chosen, _path_keys(t), {norm(k): v for k, v in owned.items()})
    _frames(s, t.frames, chosen)
    strong = set(t.strong) & set(weight)
    if strong:  # a file holding more of the title's and inline code's terms is more on topic
        for path in sorted(s.score):
            s.score[path] *= 1 + COVERAGE * len(s.terms[path] & strong) / len(strong)
    named, bare, under = _spec_paths(sorted(set(spec_paths) | set(t.paths)), chosen)
    for path in sorted(under):
        s.add(path, NAMED_DIRECTORY, "under a directory the spec names")
    for path in sorted(bare):  # `__main__.py` may be the user's: as rare as the name is
        same = sum(p.rsplit("/", 1)[-1] == path.rsplit("/", 1)[-1] for p in chosen)
        s.add(path, NAMED_FILE / same, "its name is in the spec")
    tests = {p for term in t.tests for p in defs.get(term, ())} | named | bare
    for path in sorted(p for p in s.score if p not in tests):
        if is_test(path) or _VENDORED.search(path):
            s.score[path] *= TEST
            s.why[path].append("a test file" if is_test(path) else "vendored")
    for path in sorted(named):
        s.why[path].insert(0, "named in the spec")
    out = [Ranked(p, round(s.score[p], 6), tuple(s.why[p]), p in named)
           for p in chosen if p in named or s.score.get(p, 0) > 0]
    return sorted(out, key=lambda r: (not r.explicit, -r.score, r.path))


def file_sizes(repo: Path, paths: Iterable[str]) -> dict[str, int]:
    """Bytes per path (lstat; no file is read); a path gone since `git ls-files` is left out."""
    out, root = {}, os.fspath(repo)
    for p in paths:
        try:
            out[p] = os.lstat(f"{root}/{p}").st_size
        except OSError:
            continue
    return out


def relevant(repo: Path, spec_text: str, language: str, tracked: list[str]) -> list[Ranked]:
    """Rank the tracked selection of `repo` for a spec: both rg searches run side by side."""
    t = terms(spec_text)
    argvs = [rgsearch.definition_argv(t, language), rgsearch.mention_argv(t)]
    todo = [argv for argv in argvs if argv]
    outs = iter(rgsearch.run_many(repo, todo, tracked) if todo and tracked else [b""] * len(todo))
    defs, mentions = (next(outs) if argv else b"" for argv in argvs)
    return rank(defs, mentions, t.paths, tracked, spec_terms=t, sizes=file_sizes(repo, tracked))
