"""How rg is asked what a spec concerns: per language, the definition regexes and the mention
literals, as rg pattern files (the script's stages) or command lines (in-process), and running
rg over a selection too long for one command line.

Each search is a command line ending in `--` to which the selected tracked paths are appended,
e.g. in bash `git ls-files -z -- PATHSPECS | xargs -0 rg …ARGV…`. Both print one `path NUL term`
line per match (`-o`, with `-r` keeping only the name a definition defines), so the ranking sees
which term hit which file; `--count-matches` would merge the terms and lose their rarity.

Paths are given to rg explicitly, so it searches exactly the tracked selection: rg applies no
ignore rules and no hidden-file filter to paths named on its command line (`--no-ignore` and
`--hidden` are passed anyway, to say so), and `--no-config` keeps RIPGREP_CONFIG_PATH out.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from twostep.errors import StepFailed, ToolMissing
from twostep.sizing.terms import Terms

#: A pattern file's path: a plain string in-process, a run-directory path in a pipeline step.
P = TypeVar("P")

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
#: Plain words this long are also found inside identifiers (sub-words).
SUBWORD = 5
#: Rough ARG_MAX share per rg process; longer selections run in several processes.
ARGS_BYTES = 1_000_000


def language_for(recipe_name: str) -> str:
    return LANGUAGE_BY_RECIPE.get(recipe_name, "default")


def _literal(text: str) -> str:
    """A literal as a whole-word regex (a `$name` or `--flag` has no word boundary before)."""
    head = r"\b" if text[:1].isalnum() or text[:1] == "_" else ""
    tail = r"\b" if text[-1:].isalnum() or text[-1:] == "_" else ""
    return head + re.escape(text) + tail


def _word(word: str) -> list[str]:
    """A plain word as code writes it too: at a word's start or a camelCase hump, and longer
    words as a prefix (`modifier` in `withModifiers`, `transform` in `transformations`).
    Literal spellings, not `(?i:…)`: rg is several times slower with case-folding groups."""
    if len(word) < SUBWORD or not word.isalpha():
        return [_literal(v) for v in sorted({word, word.capitalize(), word.upper()})]
    return [rf"\b{re.escape(word)}", re.escape(word.capitalize()), rf"\b{re.escape(word.upper())}"]


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
    """rg printing `path NUL term` for each occurrence of a term or quoted phrase (the paths go
    after `--`). [] when there is nothing to look for."""
    patterns = mention_patterns(t)
    return [*_RG, *(a for p in patterns for a in ("--regexp", p)), "--"] if patterns else []


def definition_patterns(t: Terms, language: str) -> list[str]:
    """The definition regexes of `definition_argv`, one per line of an rg `-f` pattern file, so
    that the script's rg stage is fixed and only the file written from the spec varies."""
    if not t.names:
        return []
    names = "|".join(re.escape(n) for n in t.names)
    return [r.replace("NAMES", names) for r in _DEFINITIONS.get(language, _DEFINITIONS["default"])]


def mention_patterns(t: Terms) -> list[str]:
    """The regexes of `mention_argv`, one per line of an rg `-f` pattern file."""
    return list(dict.fromkeys([*(_literal(x) for x in (*t.names, *t.qualifiers, *t.strings)),
                               *(p for w in t.words for p in _word(w))]))


def definition_search(language: str, pattern_file: P) -> list[str | P]:
    """rg reading `definition_patterns` from a file; an empty file matches nothing (exit 1).
    `--replace` keeps only the defined name: one capture group per regex of the language."""
    count = len(_DEFINITIONS.get(language, _DEFINITIONS["default"]))
    return [*_RG, "--replace", "".join(f"${i + 1}" for i in range(count)), "--file",
            pattern_file, "--"]


def mention_search(pattern_file: P) -> list[str | P]:
    """rg reading `mention_patterns` from a file."""
    return [*_RG, "--file", pattern_file, "--"]


def xargs_argv(argv: Sequence[P]) -> list[str | P]:
    """The same search as a bash stage reading the selection (`git ls-files -z -- SPECS | …`).
    `-r`: no paths must mean no search (rg alone would search the working directory). xargs
    exits 123 when an rg exits 1 (no match) or 2 (an unreadable file): both are not failures."""
    return ["xargs", "-0", "-r", *argv] if argv else []


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
