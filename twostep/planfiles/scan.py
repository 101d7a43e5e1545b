"""Cut a markdown plan into path candidates, remembering where and how each one was written.

How a token was written decides how much it is trusted: a files-section entry or a link target is
meant as a path; a word in prose may be anything; a token inside a code block counts only when it
is a full tracked path. That trust is the `kind` of a Candidate; planresolve acts on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from twostep.planfiles.intent import HEADING, TREE_NOTE, says_create
from twostep.planfiles.paths import URL_RE, clean, is_known_name, is_url
from twostep.tasks.markdown import fence_end as _fence_end
from twostep.tasks.section import ACTIONS, is_task_line

#: The info string of the machine-readable files section the built-in recipes ask for.
SECTION_INFO = "twostep-files"

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^`]*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*)$")
_REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?")
# [text](target "title"); the target may hold balanced parentheses: src/routes/(marketing)/x.
_LINK = re.compile(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*(<[^>]*>|(?:[^()\s]|\([^()\s]*\))*)"
                   r"(?:\s+\"[^\"]*\"|\s+'[^']*')?\s*\)")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_SECTION_LINE = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?([A-Za-z]+)\s*:\s*(.*?)\s*$")
# "modify x.go"
_SECTION_LOOSE = re.compile(r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?([A-Za-z]+)\s+(\S.*?)\s*$")
_SECTION_ITEM = re.compile(r"^\s*[-*+]\s+(.+?)\s*$")  # YAML-ish: "modify:" then "- path" lines
_TRAILING_COMMENT = re.compile(r"\s+(?:(?:#|//|--|—|–)\s.*|\([^()]*\))$")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+")
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
    para: int = 0  # first line of the paragraph (a list item, a table row, lines between blanks)
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
    items: list[tuple[int, int]] = field(default_factory=list)  # open list items: (indent, line)

    def add(self, text: str, line: int, kind: str, **kw) -> None:
        if text.strip():
            self.candidates.append(Candidate(text.strip(), line, kind, heading=self.heading,
                                             parent=self.parent, para=self.para or line, **kw))


def scan(plan_text: str) -> Scan:
    out = Scan()
    lines = plan_text.splitlines()
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if fence and fence.group(2).strip().lower() in ("markdown", "md"):
            fence = None  # a plan wrapped in ```markdown is still markdown: read through it
        if not fence:
            _track_paragraph(out, lines[i - 1] if i else "", lines[i], i + 1)
            _scan_line(out, lines[i], i + 1)
            i += 1
            continue
        end = _fence_end(lines, i, fence.group(1))
        out.parent = out.para = 0
        _scan_block(out, fence.group(2), lines[i + 1: end], i + 2)
        i = end + 1
    return out


def _scan_block(out: Scan, info: str, body: list[str], first: int) -> None:
    tag = re.sub(r"[\s_]+", "-", info.strip().lower())
    filled = [ln for ln in body if ln.strip()]
    if tag.startswith(SECTION_INFO) or _section_like(filled):
        out.section_present = True
        _scan_section(out, body, first)
    elif _looks_like_tree(filled):
        _scan_tree(out, body, first)
    else:
        _scan_code(out, info, body, first)


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


def _action_of(line: str, *, loose: bool = False) -> str | None:
    m = _SECTION_LINE.match(line) or (_SECTION_LOOSE.match(line) if loose else None)
    return ACTIONS.get(m.group(1).lower()) if m else None


def _section_like(filled: list[str]) -> bool:
    """An unlabeled fence holding only `ACTION: PATH` lines is the files section all the same."""
    entries = [ln for ln in filled if not is_task_line(ln)]
    return bool(entries) and bool(_action_of(entries[0])) and all(
        _action_of(ln) or _SECTION_ITEM.match(ln) for ln in entries)


def _scan_section(out: Scan, body: list[str], first: int) -> None:
    current = None  # the action of a YAML-style group ("modify:" then "- path" lines)
    for n, ln in enumerate(body, first):
        if not ln.strip() or ln.lstrip().startswith("#"):
            continue
        if is_task_line(ln):  # `task N: TITLE` groups the entries below it (twostep.tasks)
            current = None
            continue
        m = _SECTION_LINE.match(ln) or _SECTION_LOOSE.match(ln)
        action, item = _action_of(ln, loose=True), _SECTION_ITEM.match(ln)
        if action:
            assert m is not None  # _action_of matched the same two patterns
            if not m.group(2):
                current = action
                continue
            path = m.group(2)
        elif current and item:
            action, path = current, item.group(1)
        else:
            out.section_problems.append((n, ln.strip()))
            continue
        out.add(_TRAILING_COMMENT.sub("", path), n, "section", action=action,
                create=action == "create")


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


def _scan_line(out: Scan, line: str, n: int) -> None:
    heading = _HEADING.match(line)
    if heading:
        out.heading, out.heading_create = n, bool(HEADING.search(heading.group(1)))
        out.items.clear()
    _track_list(out, line, n)
    kw = {"in_heading": bool(heading)}
    refdef = _REFDEF.match(line)
    if refdef:
        if not is_url(refdef.group(1)):
            out.add(refdef.group(1), n, "link", **kw)
        return
    # Blank out links, code spans and URLs keeping every column, so that each mention's words
    # before and after can be read (planintent); collect them on the way.
    found: list[tuple[int, int, str, str]] = []  # (start, end, text, kind)
    prose = _LINK.sub(lambda m: _take_link(m, found), line)
    prose = _CODE_SPAN.sub(lambda m: _blank(m, found, m.group(2).strip(), "code"), prose)
    prose = URL_RE.sub(lambda m: " " * len(m.group(0)), prose)
    for m in _PROSE_TOKEN.finditer(prose):
        for part in split_commas(m.group(0)):
            if re.search(r"[./\\~$]", part) or is_known_name(clean(part), prose=True):
                found.append((m.start(), m.end(), part, "prose"))
    lead = out.lead if out.para != n else ""
    out.lead = prose
    for start, end, text, kind in sorted(found):
        kw["create"] = says_create(prose, start, end, lead) or (out.heading_create and not heading)
        if kind == "code":
            _take_code_span(out, text, n, kw)
        else:
            out.add(text, n, kind, **kw)


def _blank(m: re.Match, found: list, text: str, kind: str) -> str:
    found.append((m.start(), m.end(), text, kind))
    return " " * len(m.group(0))


def _track_paragraph(out: Scan, prev: str, line: str, n: int) -> None:
    """Lines that belong together give each other context: "Add `V3.sql`" then "(in `db/`)"."""
    def starts(text: str) -> bool:
        return bool(_LIST_ITEM.match(text) or _HEADING.match(text) or text.lstrip().startswith("|"))

    after_block = bool(_HEADING.match(prev)) or prev.lstrip().startswith("|")
    if not prev.strip() or starts(line) or after_block or not out.para:
        out.para = n


def _track_list(out: Scan, line: str, n: int) -> None:
    """The enclosing list item of a line: "- `internal/x/`" above "  - `handler.go`"."""
    if not line.strip():
        return
    indent = len(line) - len(line.lstrip())
    item = _LIST_ITEM.match(line)
    if item or indent:
        while out.items and out.items[-1][0] >= indent:
            out.items.pop()
    elif not indent:
        out.items.clear()
    out.parent = out.items[-1][1] if out.items else 0
    if item:
        out.items.append((indent, n))


def _take_link(m: re.Match, found: list) -> str:
    """Links count by their target; the text of a link is the reader's label, not a path."""
    target = m.group(2).strip("<>")
    if target.startswith("#") or not target:  # an in-page anchor: the label may name a file
        return (" " + m.group(1)).ljust(len(m.group(0)))
    if not is_url(target) and not target.lower().startswith("mailto:"):
        found.append((m.start(), m.end(), target, "link"))
    return " " * len(m.group(0))


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
