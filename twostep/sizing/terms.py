"""The terms a spec uses, from an issue's own signals.

* code names: identifiers in backticks, code blocks, called with `()`, CamelCase, snake_case,
  dotted (`Session.request`: both parts), searched as written; their CamelCase and snake_case
  parts (`FuzzyWordCount`: fuzzy, word, count) are matched against file and directory names;
* hyphenated names (`nested-min-max`, `--header-down`): searched as written, and their
  snake_case and camelCase spellings as code names (`nested_min_max`, `headerDown`);
* stack frames: the paths and line numbers of tracebacks and panics (`File "a/b.py", line 3,
  in f`, `a/b.go:238`), innermost first, and the functions they name;
* paths: file or directory paths in prose, and those of links to a repository's files;
* quoted error messages and output lines, cut into the literal fragments a format string keeps
  (`Constant name "x" doesn't conform to ...` → `doesn't conform to`), found where code raises them;
* test names (`test_foo`, `TestFoo`): a test file that defines one counts as named;
* plain words, searched in any case, weighing least. Stop words and the words every spec uses
  are dropped; so are links and long opaque tokens (base64, hashes).
Terms in the title (the first line) or in inline code are `strong`. The result is sorted, so
the same spec always gives the same rg command lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twostep.sizing.words import EXTENSIONS, STOP_WORDS, without_boilerplate, without_opaque

MIN_WORD = 3
#: Where a piece of text comes from: prose, inline code (backticks) or a fenced block.
PROSE, INLINE, BLOCK = "prose", "inline", "block"
MAX_PHRASE = 120
#: At most this many terms of a kind are searched: a long traceback must not make rg slow.
MAX_NAMES, MAX_WORDS, MAX_STRINGS = 80, 40, 30

_URL = re.compile(r"\bhttps?://[^\s<>()\[\]\"'`]+")
_REPO_FILE = re.compile(r"/(?:blob|tree|raw)/[^/\s]+/([^#?\s]+)")
_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)", re.S | re.M)
_BACKTICK = re.compile(r"`([^`\n]+)`")
_QUOTED = re.compile(rf"\"([^\"\n]{{2,{MAX_PHRASE}}})\"|(?<!\w)'([^'\n]{{2,{MAX_PHRASE}}})'(?!\w)")
_PY_FRAME = re.compile(r'File "([^"\n]+)", line (\d+)(?:, in (\w+))?')
_FILE_LINE = re.compile(r"([\w.@+-]*(?:/[\w.@+-]+)*\.[A-Za-z]{1,5}):(\d+)")
_CALL_FRAME = re.compile(r"^\s*(?:at\s+)?(?:[\w.$/@-]*[./])?([A-Za-z_$][\w$]*)\s*\(", re.M)
_PATH = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)+[\w.-]*|[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{1,5})"
                   r"(?![\w/])")
_NAME = re.compile(r"(?<![\w.$-])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(\(\))?")
_HYPHENED = re.compile(r"(?<![\w-])-{0,2}([a-z][a-z0-9]*(?:-[a-z0-9]+)+)(?![\w-])")
_TEST_NAME = re.compile(r"\b(test_\w+|Test[A-Z]\w*)")
_MESSAGE = re.compile(r"(?:^|\s)(?:[\w.]*(?:Error|Exception|Warning|error|panic)|[A-Z]\d{4}|"
                      r"E|W):\s+(.{10,})$", re.M)
_SENTENCE_END = re.compile(r"(?:^|[.!?:;]\s|^[ \t]*[-*#>\d.]+)[\s\"'(]*\Z", re.M)
_EXAMPLE_DEF = re.compile(r"^[ \t]*(?:(?:export|async|pub)\s+)*(?:def|class|function|func|type|"
                          r"interface|const|let|var)\s+([A-Za-z_$][\w$]*)|"
                          r"^[ \t]*([A-Za-z_$][\w$]*)\s*(?::[^=\n]*)?=(?!=)", re.M)
_HUMPS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True)
class Terms:
    names: tuple[str, ...] = ()    # code names, case-sensitive
    words: tuple[str, ...] = ()    # plain words, lower case, matched in any case
    dotted: tuple[str, ...] = ()   # dotted names as written (their parts are names too)
    paths: tuple[str, ...] = ()    # file or directory paths the spec names
    strings: tuple[str, ...] = ()  # literal phrases: messages, hyphenated names
    qualifiers: tuple[str, ...] = ()  # lower-case prefixes of dotted names: `json` in json.dumps
    parts: tuple[str, ...] = ()    # lower-case parts of names, for file and directory names
    frames: tuple[str, ...] = ()   # stack-frame paths, innermost first
    tests: tuple[str, ...] = ()    # test names the spec mentions
    strong: tuple[str, ...] = ()   # terms of the title or of inline code

    def key(self, matched: str) -> str | None:
        """The term an rg match stands for (plain words match in any case)."""
        if matched in self.names or matched in self.qualifiers or matched in self.strings:
            return matched
        low = matched.lower()
        return low if low in self.words else None

    def path_keys(self) -> tuple[str, ...]:
        """Terms a file or directory name may equal, normalised (`nested-min-max`,
        `NestedMinMax` and `nested_min_max` are all `nestedminmax`)."""
        keys = {*self.names, *self.qualifiers, *self.words, *self.parts, *self.strings}
        return tuple(sorted({norm(k) for k in keys if len(norm(k)) >= MIN_WORD}))

    @staticmethod
    def of_matches(*outputs: bytes | str) -> Terms:
        """Terms read back from rg outputs, all as code names (when the spec is not at hand)."""
        found = set()
        for out in outputs:
            text = out.decode("utf-8", "replace") if isinstance(out, bytes) else out
            found |= {line.partition("\0")[2].strip() for line in text.split("\n") if "\0" in line}
        return Terms(names=tuple(sorted(found - {""})))


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _is_path(token: str, quoted: bool) -> bool:
    if "://" in token or token.startswith("//"):
        return False
    ext = token.rsplit(".", 1)[-1].lower() if "." in token.rsplit("/", 1)[-1] else ""
    if ext in EXTENSIONS:
        return True
    # `and/or` is prose; `internal/command/` or a quoted `json/decoder` is a path
    return "/" in token and (quoted or token.endswith("/") or token.count("/") >= 2)


def _code_like(name: str, called: bool, mode: str, sentence_start: bool) -> bool:
    if called or "_" in name.strip("_") or any(c.isdigit() for c in name):
        return True
    if any(c.isupper() for c in name[1:]) and not name.isupper():
        return True  # camelCase, PascalCase with humps: JSONDecoder, getUser
    if mode == INLINE:
        return not name.islower() or len(name) >= MIN_WORD
    # a capitalised word in a block is most often output (`Term: one`), not code
    return name[0].isupper() and not name.isupper() and mode == PROSE and not sentence_start


def fragments(message: str) -> list[str]:
    """The literal pieces of a message that a format string would keep: quoted values,
    numbers and placeholders cut it; a piece needs two words and ten characters."""
    pieces = re.split(r"\"[^\"]*\"|'[^']*'|`[^`]*`|\{[^}]*\}|%\w|\(.*?\)|\[.*?\]|"
                      r"\b\d[\w./:-]*|[\w./-]*/[\w./-]*|[<>=|;]", message)
    out = []
    for piece in pieces:
        piece = piece.strip(" .,:;!?-")
        if len(piece) >= 10 and len(re.findall(r"[A-Za-z]{2,}", piece)) >= 2:
            out.append(piece[:MAX_PHRASE])
            words = piece.split()
            if len(words) > 4:  # a value may sit inside: its first and last three words too
                out += [" ".join(words[:3]), " ".join(words[-3:])]
    return out


class _Collector:
    def __init__(self) -> None:
        self.names: dict[str, None] = {}   # ordered sets: first mentions first
        self.words: dict[str, None] = {}
        self.strings: dict[str, None] = {}
        self.dotted: set[str] = set()
        self.qualifiers: set[str] = set()
        self.parts: set[str] = set()
        self.paths: set[str] = set()
        self.frames: list[str] = []
        self.tests: set[str] = set()
        self.strong: set[str] = set()
        self.local: set[str] = set()  # names the spec's examples define

    def name(self, name: str, code: bool, strong: bool = False, block: bool = False) -> None:
        if code and len(name) >= 2 and (len(name) >= MIN_WORD or name.isupper()):
            self.names[name] = None
            self.parts |= {p.lower() for p in _HUMPS.findall(name) if len(p) >= MIN_WORD}
            key = name
        elif len(name) >= MIN_WORD and name.lower() not in STOP_WORDS:
            key = name.lower()
            self.words[key] = None
        else:
            if block and len(name) >= MIN_WORD:
                self.parts.add(name.lower())  # `where` in a template: a file may be named so
            return
        if strong:
            self.strong.add(key)

    def hyphened(self, token: str, strong: bool) -> None:
        head, *rest = token.split("-")
        self.strings[token] = None
        for variant in ("_".join([head, *rest]), head + "".join(r.capitalize() for r in rest)):
            self.name(variant, True, strong)
        if strong:
            self.strong.add(token)

    def text(self, text: str, mode: str, strong: bool = False) -> None:
        """Paths first (they contain dots and slashes), then names in what is left."""
        for m in _PATH.finditer(text):
            token = m.group(1).rstrip(".")  # a sentence may end right after a path
            if _is_path(token, mode != PROSE):
                self.paths.add(token)
                text = text.replace(token, " ")
        for m in _HYPHENED.finditer(text):
            if mode != PROSE or m.group(1).count("-") >= 2:
                self.hyphened(m.group(1), strong)
        for m in _NAME.finditer(text):
            token, called = m.group(1), bool(m.group(2))
            before = text[:m.start()]
            line = before[before.rfind("\n") + 1:].lstrip()
            start = mode == PROSE and (line.startswith(("#", "**", "__"))  # a heading
                                       or bool(_SENTENCE_END.search(before)))
            parts = token.split(".")
            if len(parts) > 1:
                self.dotted.add(token)
            # a module prefix (`json` in json.dumps) is looked for in paths and mentions only:
            # `def json` elsewhere says nothing about json/
            for part in parts[:-1]:
                if part.islower() and len(part) >= 2:
                    self.qualifiers.add(part)
                    if strong:
                        self.strong.add(part)
                else:
                    self.name(part, True, strong)
            self.name(parts[-1], len(parts) > 1 or _code_like(parts[-1], called, mode, start),
                      strong, mode == BLOCK)

    def message(self, message: str) -> None:
        for piece in fragments(message):
            self.strings[piece] = None

    def result(self) -> Terms:
        names = [n for n in self.names if n not in self.local][:MAX_NAMES]
        qualifiers = self.qualifiers - set(names)
        lower = {n.lower() for n in [*names, *qualifiers] if n.islower()}
        local = {n.lower() for n in self.local}
        words = [w for w in self.words if w not in lower and w not in local][:MAX_WORDS]
        strings = list(self.strings)[:MAX_STRINGS]
        kept = {*names, *words, *strings, *qualifiers}
        return Terms(tuple(sorted(names)), tuple(sorted(words)), tuple(sorted(self.dotted)),
                     tuple(sorted(self.paths)), tuple(sorted(strings)),
                     tuple(sorted(qualifiers)), tuple(sorted(self.parts)),
                     tuple(dict.fromkeys(self.frames)), tuple(sorted(self.tests)),
                     tuple(sorted(self.strong & kept)))


def _links(text: str, c: _Collector) -> str:
    """Links give the repository paths they point at; the rest of them is noise."""
    def link(m: re.Match[str]) -> str:
        found = _REPO_FILE.search(m.group(0))
        if found and "." in found.group(1).rsplit("/", 1)[-1]:
            c.paths.add(found.group(1))
        return " "
    return without_opaque(_URL.sub(link, text))


def _frames(text: str, c: _Collector) -> None:
    """Stack frames: the paths (innermost first) and the functions they name."""
    found = [(m.start(), m.group(1), m.group(3)) for m in _PY_FRAME.finditer(text)]
    found += [(m.start(), m.group(1), None) for m in _FILE_LINE.finditer(text)
              if not any(s <= m.start() < s + len(p) + 8 for s, p, _ in found)]
    found.sort()
    if "most recent call last" in text:
        found.reverse()  # Python prints the innermost frame last; Go and JS print it first
    lines = text.splitlines()
    for start, path, function in found:
        c.frames.append(path.removeprefix("./"))
        row = text.count("\n", 0, start)
        calls = [m.group(1) for line in lines[max(0, row - 1):row + 1]
                 for m in _CALL_FRAME.finditer(line)]  # `pkg.fn(...)` above `file.go:12`
        for name in ([function] if function else []) + calls:
            if name.lower() not in STOP_WORDS and len(name) >= MIN_WORD:
                c.names[name] = None


def _example_names(text: str) -> set[str]:
    """Names the spec's own code blocks define (`class Foo`, `bar = 1`): the example's, not
    the codebase's."""
    found = set()
    for block in _FENCE.finditer(text):
        found |= set(_EXAMPLE_DEF.findall(block.group(2)))
    return found


def terms(spec_text: str) -> Terms:
    """The searchable terms of a spec, deterministic for a given text."""
    c = _Collector()
    text = without_boilerplate(_links(spec_text, c))
    c.local = {n for pair in _example_names(text) for n in pair if n}
    _frames(text, c)
    c.tests |= set(_TEST_NAME.findall(text))

    def fenced(m: re.Match[str]) -> str:
        body = m.group(2)
        for found in _MESSAGE.finditer(body):
            c.message(found.group(1))
        c.text(_PY_FRAME.sub(" ", body), BLOCK)
        return "\n;\n"

    def inline(m: re.Match[str]) -> str:
        inner = m.group(1)
        if len(inner.split()) >= 3 and re.fullmatch(r"[A-Za-z' ,.:!?-]+", inner):
            c.strings[inner.strip()] = None  # a sentence in backticks: a message, not code
            c.text(inner, PROSE, strong=True)
        else:
            c.text(inner, INLINE, strong=True)
        return " ; "  # keeps the sentence apart: what follows is not at a sentence start

    def quoted(m: re.Match[str]) -> str:
        inner = (m.group(1) or m.group(2)).strip()
        if re.fullmatch(r"[\w./-]+", inner):
            c.text(inner, INLINE)   # a quoted name or path
        elif len(inner) >= 4:
            c.strings[inner] = None  # a phrase, e.g. an error message
            c.message(inner)
            c.text(inner, PROSE)
        return " ; "

    title, _, _ = text.strip().partition("\n")
    c.text(_BACKTICK.sub(lambda m: m.group(1), title), PROSE, strong=True)
    prose = _QUOTED.sub(quoted, _BACKTICK.sub(inline, _FENCE.sub(fenced, text)))
    for found in _MESSAGE.finditer(prose):
        c.message(found.group(1))
    c.text(prose, PROSE)
    return c.result()
