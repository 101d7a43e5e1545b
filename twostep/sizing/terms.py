"""The terms a spec uses: code names, plain words, paths and quoted phrases.

Code names (`Session.request`, `get_body`, `JSONDecoder`, anything in backticks or called with
`()`, a capitalised word inside a sentence) are searched as written. Plain words (`decoder`,
`unterminated`) are searched in any case and weigh less. English stop words, short words and
the words every spec uses ("add", "function", "support") are dropped. The result is sorted, so
the same spec always gives the same rg command lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Extensions that make a dotted token a file name (`decoder.py`) rather than a dotted name.
EXTENSIONS = _words(
    "py pyi go mod ts tsx js jsx mjs cjs json md rst txt toml cfg ini yaml yml c h cc cpp hpp rs "
    "java kt rb php sh bash html css scss sql proto xml lock")
#: Weight of a plain word against a code name (1.0).
WORD_STRENGTH = 0.35
MIN_WORD = 3
MAX_PHRASE = 80

STOP_WORDS = _words("""
a about above after again against all also am an and any are aren as at be because been before
being below between both but by can cannot could did didn do does doesn doing don down during each
either else etc even ever every few for from further had has hasn have haven having he her here
hers herself him himself his how however i if in into is isn it its itself just least less let like
ll may me might more most much must mustn my myself neither no nor not now of off often on once only
or other others otherwise our ours ourselves out over own per rather same shall she should shouldn
since so some such than that the their theirs them themselves then there these they this those
though through thus to too under until up upon us very via was wasn we were weren what when where
whether which while who whom whose why will with within without won would wouldn yet you your yours
yourself yourselves
add adds added adding allow allows allowed already always another anything around available avoid
based become becomes behave behaves behaviour behavior better call called calls calling case cases
change changes changed code correct correctly currently default does done ensure ensures error
errors example existing expected fail fails failing feature file files fix fixes fixed following
function functions get gets give given gives implement instead keep keeps kind lets make makes
making method methods module modules need needs new now old one ones option optional options part
possible properly raise raises rather return returns returned right same see set sets should show
shows small something still support supports supported take takes test tests that thing things
two use used uses using value way ways well work works wrong
""")

_BACKTICK = re.compile(r"`([^`\n]+)`")
_QUOTED = re.compile(rf"\"([^\"\n]{{2,{MAX_PHRASE}}})\"|(?<!\w)'([^'\n]{{2,{MAX_PHRASE}}})'(?!\w)")
_PATH = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)+[\w.-]*|[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{1,5})"
                   r"(?![\w/])")
_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(\(\))?")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n]|^[ \t]*[-*#>\d.]+)[\s\"'(]*$")


@dataclass(frozen=True)
class Terms:
    names: tuple[str, ...] = ()    # code names, case-sensitive
    words: tuple[str, ...] = ()    # plain words, lower case, matched in any case
    dotted: tuple[str, ...] = ()   # dotted names as written (their parts are elsewhere)
    paths: tuple[str, ...] = ()    # file or directory paths the spec names
    strings: tuple[str, ...] = ()  # quoted phrases, matched as written
    qualifiers: tuple[str, ...] = ()  # lower-case prefixes of dotted names: `json` in json.dumps

    def key(self, matched: str) -> str | None:
        """The term an rg match stands for (plain words match in any case)."""
        if matched in self.names or matched in self.qualifiers or matched in self.strings:
            return matched
        low = matched.lower()
        return low if low in self.words else None

    def strength(self, term: str) -> float:
        return WORD_STRENGTH if term in self.words and term not in self.names else 1.0

    def path_keys(self) -> tuple[str, ...]:
        """Terms a file or directory name may equal: names, words and dotted parts."""
        return tuple(sorted(set(self.names) | set(self.qualifiers) | set(self.words)))

    @staticmethod
    def of_matches(*outputs: bytes | str) -> Terms:
        """Terms read back from rg outputs, all as code names (when the spec is not at hand)."""
        found = set()
        for out in outputs:
            text = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
            found |= {line.partition("\0")[2].strip() for line in text.split("\n") if "\0" in line}
        return Terms(names=tuple(sorted(found - {""})))


def _is_path(token: str, quoted: bool) -> bool:
    if "://" in token or token.startswith("//"):
        return False
    ext = token.rsplit(".", 1)[-1].lower() if "." in token.rsplit("/", 1)[-1] else ""
    if ext in EXTENSIONS:
        return True
    # `and/or` is prose; `internal/command/` or a quoted `json/decoder` is a path
    return "/" in token and (quoted or token.endswith("/") or token.count("/") >= 2)


def _code_like(name: str, called: bool, quoted: bool, sentence_start: bool) -> bool:
    if quoted or called or "_" in name.strip("_") or any(c.isdigit() for c in name):
        return True
    inner_upper = any(c.isupper() for c in name[1:])
    if inner_upper and not name.isupper():
        return True  # camelCase, PascalCase with humps: JSONDecoder, getUser
    return name[0].isupper() and not name.isupper() and not sentence_start


class _Collector:
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.words: set[str] = set()
        self.dotted: set[str] = set()
        self.qualifiers: set[str] = set()
        self.paths: set[str] = set()
        self.strings: set[str] = set()

    def name(self, name: str, code: bool) -> None:
        if code and len(name) >= 2 and (len(name) >= MIN_WORD or not name.islower()):
            self.names.add(name)
        elif len(name) >= MIN_WORD and name.lower() not in STOP_WORDS:
            self.words.add(name.lower())

    def text(self, text: str, quoted: bool) -> None:
        """Paths first (they contain dots and slashes), then names in what is left."""
        for m in _PATH.finditer(text):
            token = m.group(1).rstrip(".")  # a sentence may end right after a path
            if _is_path(token, quoted):
                self.paths.add(token)
                text = text.replace(token, " ")
        for m in _NAME.finditer(text):
            token, called = m.group(1), bool(m.group(2))
            start = bool(_SENTENCE_END.search(text[:m.start()]))
            parts = token.split(".")
            if len(parts) > 1:
                self.dotted.add(token)
            # a module prefix (`json` in json.dumps) is looked for in paths and mentions only:
            # `def json` elsewhere says nothing about json/
            for part in parts[:-1]:
                if part.islower() and len(part) >= 2:
                    self.qualifiers.add(part)
                else:
                    self.name(part, True)
            self.name(parts[-1], len(parts) > 1 or _code_like(parts[-1], called, quoted, start))

    def result(self) -> Terms:
        qualifiers = self.qualifiers - self.names
        words = self.words - {n.lower() for n in self.names | qualifiers if n.islower()}
        return Terms(tuple(sorted(self.names)), tuple(sorted(words)), tuple(sorted(self.dotted)),
                     tuple(sorted(self.paths)), tuple(sorted(self.strings)),
                     tuple(sorted(qualifiers)))


def terms(spec_text: str) -> Terms:
    """The searchable terms of a spec, deterministic for a given text."""
    c = _Collector()

    def code(m: re.Match[str]) -> str:
        c.text(m.group(1), True)
        return " ; "  # keeps the sentence apart: what follows is not at a sentence start


    def quoted(m: re.Match[str]) -> str:
        inner = (m.group(1) or m.group(2)).strip()
        if re.fullmatch(r"[\w./-]+", inner):
            c.text(inner, True)   # a quoted name or path
        elif len(inner) >= 4:
            c.strings.add(inner)  # a phrase, e.g. an error message
            c.text(inner, False)
        return " ; "

    c.text(_QUOTED.sub(quoted, _BACKTICK.sub(code, spec_text)), False)
    return c.result()
