"""A failing verify command, read for a fix round: its bounded tail, and its fingerprint.

The fix loop stops early when a round leaves the same failure as the round before. "The same"
cannot mean byte-equal output: timings, temp dirs, addresses, PIDs, dates, random seeds, ports,
colours and the passing tests around the failure change from run to run. `fingerprint` hashes the
command and the output after `normalise` has replaced those with placeholders and dropped the
lines that report passing tests or progress. The remaining lines are sorted before hashing,
because parallel runners (go test over packages, pytest-xdist) print the same failures in a
varying order. Line numbers in `file.ext:LINE` and `line N` are normalised too: a fix that only
moves the failing assertion down the file has not fixed it. What stays is what tells failures
apart: the failing test's name, the assertion, the values compared, the error message.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Sequence

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_TMP_ROOTS = [r"/tmp", r"/var/tmp", r"/dev/shm", r"/var/folders/[^/\s]+/[^/\s]+/[A-Z]",
              r"[A-Za-z]:\\(?:Users\\[^\\\s]+\\AppData\\Local\\Temp|Windows\\Temp)"]
_SYSTEM_TMP = tempfile.gettempdir()
if _SYSTEM_TMP not in ("/tmp", "/var/tmp"):
    _TMP_ROOTS.append(re.escape(_SYSTEM_TMP))
_TMP = re.compile(r"(?:file://)?(?:/private)?(?:" + "|".join(_TMP_ROOTS)
                  + r")(?:[/\\][^\s'\"`:,;()\[\]{}<>]*)?")

#: (pattern, replacement), applied in this order; none of them crosses a line end.
_RULES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, f), r) for p, r, f in [
    (rf"\b{_DAY} {_MONTH} +\d{{1,2}} \d\d:\d\d:\d\d(?: [A-Z]{{2,5}})? \d{{4}}\b", "<date>", 0),
    (rf"\b{_DAY}, \d{{1,2}} {_MONTH} \d{{4}} \d\d:\d\d:\d\d(?: (?:GMT|UTC|[+-]\d{{4}}))?",
     "<date>", 0),
    (r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?", "<time>", 0),
    (r"\b\d{4}[-/]\d\d[-/]\d\d\b", "<date>", 0),
    (r"\b\d{1,2}:\d\d:\d\d(?:[.,]\d+)?\b", "<time>", 0),
    (r"\b1[5-9]\d{8}(?:\d{3})?(?:\.\d+)?\b", "<ts>", 0),  # Unix time, 2017-2033, s or ms
    (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<uuid>", re.IGNORECASE),
    (r"\b0x[0-9a-f]+\b", "0x<hex>", re.IGNORECASE),
    (r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,}\b", "<hex>", 0),
    (r"\b(seed|random-seed|randomly-seed|test\.shuffle|shuffle)([ \t]*[=:(]?[ \t]*)\d+", r"\1\2<n>",
     re.IGNORECASE),
    (r"\b(pid|process|thread|goroutine|worker)([ \t]*[=:#]?[ \t]*)\d+", r"\1\2<n>", re.IGNORECASE),
    (r"\(node:\d+\)", "(node:<pid>)", 0),
    (r"\[gw\d+\]", "[gw]", 0),  # pytest-xdist worker: which one ran the test varies
    (r"\b(127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\]):\d{2,5}\b", r"\1:<port>", 0),
    (r"\bduration_ms\b[ \t:=]*[\d.]+", "duration_ms <dur>", 0),
    (r"\b(?:\d+(?:\.\d+)?(?:h|m|s|ms|µs|us|ns)){2,}\b", "<dur>", 0),  # Go: 1m2.5s
    (r"\b\d+(?:\.\d+)?[ \t]?(?:ns|µs|us|ms|s|sec|secs|seconds?|min|mins|minutes?)\b", "<dur>", 0),
    (r"\[[ \t]*\d+%\]", "[<pct>]", 0),
    (r"(\.[A-Za-z][A-Za-z0-9]{0,5})(?::\d+){1,2}\b", r"\1:<n>", 0),  # x_test.go:17:5
    (r"(<tmp>)(?::\d+){1,2}\b", r"\1:<n>", 0),
    (r"(,[ \t]*line[ \t]+)\d+", r"\1<n>", 0),  # Python: File "x.py", line 42, in f
    (r"\b\d+ (passed|skipped|deselected|xfailed|xpassed|warnings?|total|todo|pending)\b",
     r"<n> \1", 0),
    (r"\bcollected \d+ items?\b", "collected <n> items", 0),
    (r"([=_*~-])\1{2,}", r"\1\1\1", 0),  # pytest centres headers in runs of "=" and "_"
]]

# Lines that report a passing test, a skipped one, or progress: noise for the fingerprint.
_NOISE_PATTERNS = [  # matched against the raw line (colours removed), before any rule
    r"^\s*(?:\S+\.py\s+)?[.sSxXFE]+(?:\s*\[\s*\d+%\])?\s*$",  # pytest: "t.py ..F. [ 40%]"
    r"\b(?:PASSED|SKIPPED|XFAIL|XPASS)\b(?:\s*\[\s*\d+%\])?\s*$",  # pytest -v
    r"^=== (?:RUN|PAUSE|CONT|NAME)\b", r"^\s*--- (?:PASS|SKIP):", r"^ok\s+\S+", r"^PASS\s*$",
    r"^\?\s+\S+\s+\[no test files\]",  # go test
    r"^\s*(?:✔|✓|√|○|﹣)\s", r"^\s*ℹ (?:tests|suites|pass|skipped|todo|cancelled|duration_ms)\b",
    r"^\s*ok \d+ - ", r"^\s*# (?:Subtest|tests|suites|pass|skipped|todo|cancelled|duration_ms)\b",
    r"^TAP version", r"^\s*1\.\.\d+\s*$", r"^\s*duration_ms:?\s*[\d.]+\s*$",  # node, TAP
    r"^\s*PASS\s", r"^\s*(?:Time|Duration):\s",  # jest, vitest
]
_NOISE = re.compile("|".join(_NOISE_PATTERNS))


#: At most this many lines (after the passing ones are dropped), the last ones, are normalised:
#: about 0.6 s per MB of dense failure output; a runaway log must not stall the fix loop.
_MAX_LINES = 20_000


def tail(text: str, lines: int = 200, *, max_chars: int = 16_000) -> str:
    """The last `lines` lines of a command's output, without colours or overprinted progress,
    at most `max_chars` characters, saying how much was left out."""
    rows = _plain_lines(text)
    while rows and not rows[-1].strip():
        rows.pop()
    kept = rows[-lines:] if lines > 0 else []
    body = "\n".join(kept)
    notes = []
    if len(rows) > len(kept):
        notes.append(f"[… {len(rows) - len(kept)} earlier line(s) left out]")
    if len(body) > max_chars:
        body = body[-max_chars:]
        newline = body.find("\n")
        body = body[newline + 1:] if 0 <= newline < len(body) - 1 else body
        notes.append(f"[… cut to the last {len(body)} characters]")
    return "\n".join([*notes, body]) if notes else body


def normalise(output: str) -> str:
    """The failing output with everything that varies between runs replaced, and the lines about
    passing tests and progress dropped; in the original order."""
    # Passing-test lines go first (most of a long log), then each rule runs once over what is
    # left (no rule crosses a line end): far cheaper than every rule on every line.
    kept = [ln for ln in _plain_lines(output) if ln.strip() and not _NOISE.search(ln)]
    text = _TMP.sub("<tmp>", "\n".join(kept[-_MAX_LINES:]))
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def fingerprint(argv: Sequence[str], output: str) -> str:
    """A stable hash of the command and its normalised failing output (16 hex digits)."""
    lines = sorted(normalise(output).split("\n"))
    blob = json.dumps([list(argv), lines], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _plain_lines(text: str) -> list[str]:
    """Lines without ANSI escapes; of a line rewritten with `\\r` (a progress bar), its last
    state."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    return [ln.rstrip("\r").rsplit("\r", 1)[-1] for ln in text.split("\n")]
