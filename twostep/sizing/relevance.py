"""Which tracked files does a spec concern? Terms from the spec, rg over the selection, a ranking.

The pipeline is data: `definition_argv` and `mention_argv` are rg command lines (ending in `--`)
to which the selected tracked paths are appended, e.g. in bash
`git ls-files -z -- PATHSPECS | xargs -0 rg …ARGV…`. Both print one `path NUL term` line per
match (`-o`, with `-r` keeping only the name a definition defines), so the ranking sees which term
hit which file; `--count-matches` would merge the terms and lose their rarity. `rank` turns the
two outputs into a stable order; `relevant` runs it all for one repository.

Paths are given to rg explicitly, so it searches exactly the tracked selection: rg applies no
ignore rules and no hidden-file filter to paths named on its command line (`--no-ignore` and
`--hidden` are passed anyway, to say so), and `--no-config` keeps RIPGREP_CONFIG_PATH out.
"""

from __future__ import annotations

import math
import re
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from twostep.errors import StepFailed, ToolMissing
from twostep.pipeline.steps import Arg
from twostep.sizing.terms import Terms, terms

__all__ = ["Ranked", "Terms", "definition_argv", "definition_patterns", "definition_search",
           "format_ranked", "mention_argv", "mention_patterns", "mention_search", "parse_ranked",
           "rank", "relevant", "terms", "xargs_argv"]

#: rg prints `path NUL text` per match: machine-readable, and safe for any path without a newline.
_RG = ("rg", "--no-config", "--no-ignore", "--hidden", "--null", "--no-heading",
       "--no-line-number", "--with-filename", "--only-matching", "--color", "never")
_H = r"[ \t]"
#: Per language: regexes with one NAMES slot each. A regex's only capture group is the name.
_DEFINITIONS: dict[str, tuple[str, ...]] = {
    "python": (rf"^{_H}*(?:async{_H}+)?(?:def|class){_H}+(NAMES)\b",
               rf"^(NAMES){_H}*(?::[^=\n]*)?={_H}*[^=]"),  # module-level constants, aliases
    "go": (rf"^func{_H}+(?:\([^)]*\){_H}*)?(NAMES)\b",
           rf"^{_H}*(?:type|const|var){_H}+(NAMES)\b",
           rf"^{_H}+(NAMES){_H}+(?:struct|interface)\b"),  # inside a `type (` block
    "typescript": (
        (rf"^{_H}*(?:(?:export|default|declare|abstract|async){_H}+)*"
         rf"(?:function\*?|class|interface|type|enum|namespace|const|let|var){_H}+(NAMES)\b"),
        (rf"^{_H}+(?:(?:public|private|protected|static|async|readonly|get|set){_H}+)*"
         rf"(NAMES){_H}*(?:<[^>]*>)?\(.*\){_H}*(?::.*)?\{{{_H}*$"),  # class methods
        rf"\b(NAMES){_H}*[:=]{_H}*(?:async{_H}*)?(?:function\b|\([^)]*\){_H}*=>)"),
    "default": (
        (rf"^{_H}*(?:(?:export|pub(?:\([^)]*\))?|public|private|protected|static|async|abstract"
         rf"|final|default){_H}+)*(?:def|class|func|function|fn|type|interface|struct|enum"
         rf"|trait|impl|module|const|let|var|namespace){_H}+(NAMES)\b"),
        rf"^func{_H}+\([^)]*\){_H}*(NAMES)\b"),
}
LANGUAGE_BY_RECIPE = {"python": "python", "go": "go", "typescript": "typescript"}

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
#: Rough ARG_MAX share per rg process; longer selections run in several processes.
ARGS_BYTES = 1_000_000


@dataclass(frozen=True)
class Ranked:
    path: str
    score: float
    reasons: tuple[str, ...]
    explicit: bool = False  # the spec names this file: it comes first whatever its score


def language_for(recipe_name: str) -> str:
    return LANGUAGE_BY_RECIPE.get(recipe_name, "default")


def _variants(word: str) -> list[str]:
    """A plain word as people write it: rg is several times slower with `(?i:…)` groups, which
    defeat its literal search, than with the three spellings as literals."""
    return sorted({word, word.capitalize(), word.upper()})


def definition_argv(t: Terms, language: str) -> list[str]:
    """rg printing `path NUL name` for each definition of a code name (the paths go after `--`).

    Plain words are not looked for as definitions: `def text` or `class Plain` somewhere says
    little about a spec that uses the word. [] when the spec has no code name: no step to run."""
    if not t.names:
        return []
    names = "|".join(re.escape(n) for n in t.names)
    regexes = _DEFINITIONS.get(language, _DEFINITIONS["default"])
    argv = [*_RG, "--replace", "".join(f"${i + 1}" for i in range(len(regexes)))]
    for regex in regexes:
        argv += ["--regexp", regex.replace("NAMES", names)]
    return [*argv, "--"]


def mention_argv(t: Terms) -> list[str]:
    """rg printing `path NUL term` for each whole-word occurrence of a term or quoted phrase.
    [] when there is nothing to look for."""
    literals = [*t.names, *t.qualifiers, *t.strings, *(v for w in t.words for v in _variants(w))]
    if not literals:
        return []
    argv = [*_RG, "--word-regexp", "--fixed-strings"]
    for literal in literals:
        argv += ["--regexp", literal]
    return [*argv, "--"]


def definition_patterns(t: Terms, language: str) -> list[str]:
    """The definition regexes of `definition_argv`, one per line of an rg `-f` pattern file, so
    that the script's rg stage is fixed and only the file written from the spec varies."""
    if not t.names:
        return []
    names = "|".join(re.escape(n) for n in t.names)
    return [r.replace("NAMES", names) for r in _DEFINITIONS.get(language, _DEFINITIONS["default"])]


def mention_patterns(t: Terms) -> list[str]:
    """The literals of `mention_argv`, one per line of an rg `-f` pattern file."""
    return [*t.names, *t.qualifiers, *t.strings, *(v for w in t.words for v in _variants(w))]


def definition_search(language: str, pattern_file: Arg) -> list[Arg]:
    """rg reading `definition_patterns` from a file; an empty file matches nothing (exit 1).
    `--replace` keeps only the defined name: one capture group per regex of the language."""
    count = len(_DEFINITIONS.get(language, _DEFINITIONS["default"]))
    return [*_RG, "--replace", "".join(f"${i + 1}" for i in range(count)), "--file",
            pattern_file, "--"]


def mention_search(pattern_file: Arg) -> list[Arg]:
    """rg reading `mention_patterns` from a file: whole words, fixed strings."""
    return [*_RG, "--word-regexp", "--fixed-strings", "--file", pattern_file, "--"]


def xargs_argv(argv: Sequence[Arg]) -> list[Arg]:
    """The same search as a bash stage reading the selection (`git ls-files -z -- SPECS | …`).
    `-r`: no paths must mean no search (rg alone would search the working directory). xargs
    exits 123 when an rg exits 1 (no match) or 2 (an unreadable file): both are not failures."""
    return ["xargs", "-0", "-r", *argv] if argv else []


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


def _chunks(paths: Sequence[str]) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for path in paths:
        if chunks[-1] and size + len(path) + 1 > ARGS_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(path)
        size += len(path.encode("utf-8", "surrogateescape")) + 1
    return chunks


def run_rg(repo: Path, argv: Sequence[str], paths: Sequence[str]) -> bytes:
    """Run one rg argv over `paths` (in ARG_MAX-sized groups, all at once) and join the output."""
    return b"".join(run_many(repo, [argv], paths))


def run_many(repo: Path, argvs: Sequence[Sequence[str]], paths: Sequence[str]) -> list[bytes]:
    """Run several rg argv side by side over the same paths; one output per argv.

    Exit 1 means no match; 2 means some file could not be read (deleted since `git ls-files`)
    while the others were searched, which the ranking survives."""
    try:
        procs = [[subprocess.Popen([*argv, *chunk], cwd=repo, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE) for chunk in _chunks(paths)]
                 for argv in argvs]
    except FileNotFoundError:
        raise ToolMissing("`rg` not found on PATH",
                          hint="pip install --only-binary :all: ripgrep==14.1.0") from None
    outs: list[bytes] = []
    for group in procs:
        parts = []
        for proc in group:
            out, err = proc.communicate()
            if proc.returncode not in (0, 1, 2):
                raise StepFailed(f"rg failed ({proc.returncode}): {err.decode(errors='replace')}",
                                 step="relevance", code=proc.returncode)
            parts.append(out)
        outs.append(b"".join(parts))
    return outs


def relevant(repo: Path, spec_text: str, language: str, tracked: list[str]) -> list[Ranked]:
    """Rank the tracked selection of `repo` for a spec: both rg searches run side by side."""
    t = terms(spec_text)
    argvs = [definition_argv(t, language), mention_argv(t)]
    todo = [argv for argv in argvs if argv]
    outs = iter(run_many(repo, todo, tracked) if todo and tracked else [b""] * len(todo))
    defs, mentions = (next(outs) if argv else b"" for argv in argvs)
    return rank(defs, mentions, t.paths, tracked, spec_terms=t)
