"""Cut a markdown plan into path candidates, remembering where and how each one was written.

The plan is read as CommonMark (twostep.tasks.markdown): fences, headings, list items and
paragraphs come from markdown-it's line maps; code spans and links from its inline tokens, line
by line. How a token was written decides how much it is trusted: a files-section entry or a link
target is meant as a path; a word in prose may be anything; a token inside a code block counts
only when it is a full tracked path. That trust is the `kind` of a Candidate; resolve acts on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from twostep.planfiles.intent import HEADING, TREE_NOTE, says_create
from twostep.planfiles.paths import URL_RE, clean, is_known_name, is_url
from twostep.tasks.markdown import Doc, Fence, inline, lex
from twostep.tasks.section import NO_FILE_LINES, NO_SECTION, is_section, read_fence

#: The info string of the machine-readable files section the built-in recipes ask for.
SECTION_INFO = "twostep-files"

_HEADER_COMMENT = re.compile(r"^\s*(?://|#|--|;|/\*|<!--)\s*(?:file(?:name)?\s*:\s*)?(\S+)\s*"
                             r"(?:\*/|-->)?\s*$", re.IGNORECASE)
_PROSE_TOKEN = re.compile(r"[^\s|<>=—–→←⇒•]+")
_CODE_SPLIT = re.compile(r"[\s\"'`=;<>]+")
_TREE_GLYPHS = re.compile(r"^(?:[ \t│├└┃┣┗┬┼]|─+|[|`+]--+ ?|[|`] ?|[-*] )*")
_TREE_LINE = re.compile(r"^\s*\S+(?:\s{2,}.*|\s+(?:#|<-|←|//|\().*)?$")
_DIFF_HEADER = re.compile(r"^(---|\+\+\+|diff --git)\s")


@dataclass(frozen=True)
class Candidate:
    text: str
    line: int
    #: section | link | code | prose | tree | block (most to least trusted as a path)
    kind: str
    action: str | None = None  # the files-section action
    create: bool = False  # the line, its heading or its tree annotation says "create/new/add"
    heading: int = 0  # line of the heading this sits under: context for bare names
    parent: int = 0  # line of the enclosing list item: context too
    para: int = 0  # first line of its paragraph (a table row is one of its own)
    in_heading: bool = False
    diff: bool = False  # from a diff header: a/ and b/ prefixes are git's, not directories
    group: int = 0  # a code span with spaces: the whole (whole=True) and its parts share a group
    whole: bool = False


@dataclass
class Scan:
    candidates: list[Candidate] = field(default_factory=list)
    section_present: bool = False
    #: (line, text) of files-section lines that are not `ACTION: PATH`
    section_problems: list[tuple[int, str]] = field(default_factory=list)
    heading: int = 0
    heading_create: bool = False
    groups: int = 0
    parent: int = 0
    para: int = 0
    lead: str = ""  # the previous line's prose, when in the same paragraph: "(create" + newline

    @property
    def fallback(self) -> str:
        """Why the files come from the prose alone: "" when the files section lists some."""
        if any(c.kind == "section" for c in self.candidates):
            return ""
        return NO_FILE_LINES if self.section_present else NO_SECTION

    def add(self, text: str, line: int, kind: str, **kw) -> None:
        if text.strip():
            self.candidates.append(Candidate(text.strip(), line, kind, heading=self.heading,
                                             parent=self.parent, para=self.para or line, **kw))


def scan(plan_text: str) -> Scan:
    doc = lex(plan_text)
    out = Scan()
    fences = {f.first: f for f in doc.fences}
    heads = {h.index: h.text for h in doc.headings if h.level <= 6}
    for i, (para, parent) in enumerate(_context(doc)):
        if i in fences:
            out.parent = out.para = 0
            _scan_block(out, fences[i])
        elif not doc.code[i]:
            out.para, out.parent = para, parent
            if i in heads:
                out.heading, out.heading_create = i + 1, bool(HEADING.search(heads[i]))
            _scan_line(out, doc, i)
    return out


def _context(doc: Doc) -> list[tuple[int, int]]:
    """Per line, 1-based: the first line of its paragraph, the context of a bare name ("Add
    `V3.sql`" then "(in `db/`)"); a table row is a paragraph of its own. And the list item around
    it ("- `internal/x/`" above "  - `handler.go`"); for an item's own line, the one around that."""
    out = [(i + 1, 0) for i in range(len(doc.lines))]
    for b in doc.blocks:
        for i in range(b.first, b.end):
            starts = i == b.first or any(doc.lines[k].lstrip().startswith("|") for k in (i - 1, i))
            out[i] = (i + 1 if starts else out[i - 1][0],
                      next((p + 1 for p in reversed(b.items) if p != i), 0))
    return out


def _scan_block(out: Scan, fence: Fence) -> None:
    body, first = list(fence.body), fence.first + 2  # the 1-based line of body[0]
    filled = [ln for ln in body if ln.strip()]
    if is_section(fence):
        out.section_present = True
        for e in read_fence(fence):
            if e.kind == "file":
                out.add(e.text, e.line + 1, "section", action=e.action, create=e.action == "create")
            elif e.kind == "other":
                out.section_problems.append((e.line + 1, e.text))
    elif _looks_like_tree(filled):
        _scan_tree(out, body, first)
    else:
        _scan_code(out, fence.info, body, first)


def _scan_code(out: Scan, info: str, body: list[str], first: int) -> None:
    """Code counts through its label (```go title="x.go", a `// path/x.go` first line) and
    through full paths; planresolve ignores bare names here (`COPY go.mod ./` names no file)."""
    for tok in re.findall(r"[^\s=\"':{}]+", info)[1:]:
        if re.search(r"[./]", tok):
            out.add(tok, first - 1, "code")
    header = next((k for k, ln in enumerate(body) if ln.strip()), None)
    for k, ln in enumerate(body):
        label = _HEADER_COMMENT.match(ln) if k == header else None
        if label and (re.search(r"[./]", label.group(1)) or is_known_name(label.group(1))):
            out.add(label.group(1), first + k, "code")
        elif not ln.lstrip().startswith("#!"):  # a shebang's /usr/bin/env is no file of ours
            for tok in _CODE_SPLIT.split(ln):
                out.add(tok, first + k, "block", diff=bool(_DIFF_HEADER.match(ln)))


def _looks_like_tree(filled: list[str]) -> bool:
    if any(ch in ln for ln in filled for ch in "├└│"):
        return True
    dirs = sum(1 for ln in filled if ln.split()[0].endswith("/"))
    nested = any(ln[:1].isspace() for ln in filled)
    return dirs >= 1 and nested and all(_TREE_LINE.match(ln) for ln in filled)


def _scan_tree(out: Scan, body: list[str], first: int) -> None:
    """Rebuild full paths from an indented or box-drawn tree; `# new` marks a file to create."""
    stack: list[tuple[int, str]] = []
    for n, ln in enumerate(body, first):
        glyphs_match = _TREE_GLYPHS.match(ln)
        assert glyphs_match is not None  # the pattern is all optional: it always matches
        glyphs = glyphs_match.group(0)
        rest = ln[len(glyphs):]
        if not rest.strip():
            continue
        name = re.split(r"\s{2,}|\s+(?=#|<-|←|//|\()", rest.strip())[0]
        note = rest.strip()[len(name):]
        while stack and stack[-1][0] >= len(glyphs):
            stack.pop()
        if name in (".", "./"):
            continue
        path = (stack[-1][1] if stack else "") + name
        if name.endswith("/"):
            stack.append((len(glyphs), path))
        else:
            out.add(path, n, "tree", create=bool(TREE_NOTE.search(note)))


def _scan_line(out: Scan, doc: Doc, i: int) -> None:
    n = i + 1
    kw = {"in_heading": out.heading == n}
    if i in doc.refs:  # "[h]: path" defines a link target
        if not is_url(doc.refs[i]):
            out.add(doc.refs[i], n, "link", **kw)
        return
    prose, found = _cut(doc.lines[i])
    prose = URL_RE.sub(lambda m: " " * len(m.group(0)), prose)
    for m in _PROSE_TOKEN.finditer(prose):
        for part in split_commas(m.group(0)):
            if re.search(r"[./\\~$]", part) or is_known_name(clean(part), prose=True):
                found.append((m.start(), m.end(), part, "prose"))
    lead = out.lead if out.para != n else ""
    out.lead = prose
    under = out.heading_create and out.heading != n  # a "New files" heading above
    for start, end, text, kind in sorted(found):
        kw["create"] = under or says_create(prose, start, end, lead)
        if kind == "code":
            _take_code_span(out, text, n, kw)
        else:
            out.add(text, n, kind, **kw)


def _cut(line: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The line as prose, its links and code spans blanked out (the words before and after a
    mention are read for intent), and what was blanked: (start, end, text, kind). Links count by
    their target: the text of a link is the reader's label, unless it points inside the page."""
    prose, found, in_link = "", [], False
    for tok in inline(line):
        target = str(tok.attrGet("src" if tok.type == "image" else "href") or "")
        if in_link:
            in_link = tok.type != "link_close"
        elif tok.type == "code_inline":
            span = " " * (len(tok.content) + 2)
            found.append((len(prose), len(prose) + len(span), tok.content.strip(), "code"))
            prose += span
        elif tok.markup == "autolink":  # <https://x> or C++'s <std::string>: text as written
            prose += "<" if tok.type == "link_open" else ">"
        elif tok.type in ("link_open", "image") and target[:1] not in ("", "#"):
            span = " " * (len(target) + 4)
            if not is_url(target) and not target.lower().startswith("mailto:"):
                found.append((len(prose), len(prose) + len(span), target, "link"))
            prose += span
            in_link = tok.type == "link_open"
        elif tok.type not in ("link_open", "link_close", "image"):
            prose += tok.content if tok.type in ("text", "html_inline") else tok.markup
    return prose, found


def _take_code_span(out: Scan, span: str, n: int, kw: dict) -> None:
    if not span or is_url(span):
        return
    parts = [p for tok in _CODE_SPLIT.split(span) for p in split_commas(tok) if p]
    if len(parts) <= 1:
        out.add(span, n, "code", **kw)
        return
    out.groups += 1
    out.add(span, n, "code", group=out.groups, whole=True, **kw)
    for part in parts:
        if not is_url(part):
            out.add(part, n, "code", group=out.groups, **kw)


def split_commas(token: str) -> list[str]:
    """Split on commas and semicolons, but not inside {a,b} brace lists."""
    parts, depth, cur = [], 0, ""
    for ch in token:
        depth += (ch == "{") - (ch == "}")
        if ch in ",;" and depth <= 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur] if p]
