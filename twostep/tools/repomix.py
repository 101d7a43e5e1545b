"""repomix, as twostep reads it: the summary it prints after packing (totals, secret-scan and
binary exclusions). The pack itself is a pipeline step (pipeline/build.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RepomixSummary:
    total_files: int
    total_tokens: int
    total_chars: int
    suspicious: tuple[str, ...] = ()      # excluded by the security check (paths as printed)
    binary_content: tuple[str, ...] = ()  # excluded as binary by content (not by extension)


# CSI sequences (colours, the spinner's cursor moves) and OSC ones (links), as picocolors and
# picospinner emit them when stdout is a TTY or FORCE_COLOR is set.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_TOTAL = re.compile(r"^\s*Total (Files|Tokens|Chars):\s*([\d.,\u00a0\u202f' ]+?)\s+\w+\s*$")
_ENTRY = re.compile(r"^(\d+)\.(.*)$")
_SUSPICIOUS = re.compile(r"^\d[\d,.]* suspicious file\(s\) detected and excluded from the output:$")
_BINARY = re.compile(r"^(?:1 file|[\d,.]+ files) detected as binary by content inspection:$")


def _lines(text: str) -> list[str]:
    """Plain lines: escapes removed, and of a line the spinner rewrote with \\r only the last
    state."""
    text = _ANSI.sub("", text)
    return [line.rsplit("\r", 1)[-1].rstrip() for line in text.split("\n")]


def _entries(lines: list[str], start: int) -> tuple[str, ...]:
    """The numbered list after a block header. repomix pads "N." to 3 characters, so "1. a.py"
    but "10.b.py"; the "   - N security issue(s)" lines under an entry are skipped."""
    paths = []
    for line in lines[start:]:
        m = _ENTRY.match(line)
        if m:
            rest = m.group(2)
            paths.append(rest[1:] if len(m.group(1)) == 1 and rest.startswith(" ") else rest)
        elif not line.startswith("   - "):
            break
    return tuple(paths)


def parse_repomix_summary(text: str) -> RepomixSummary:
    """Parse the stdout of `repomix` in normal mode (not --quiet/--stdout).

    Raises ValueError if a Total line is missing, e.g. when repomix failed before packing.
    """
    lines = _lines(text)
    totals: dict[str, int] = {}
    suspicious: tuple[str, ...] = ()
    binary: tuple[str, ...] = ()
    for i, line in enumerate(lines):
        m = _TOTAL.match(line)
        if m:  # the number is locale-formatted (toLocaleString): keep the digits only
            totals[m.group(1)] = int(re.sub(r"\D", "", m.group(2)))
        elif _SUSPICIOUS.match(line):
            suspicious = _entries(lines, i + 1)
        elif _BINARY.match(line):
            binary = _entries(lines, i + 1)
    missing = {"Files", "Tokens", "Chars"} - totals.keys()
    if missing:
        raise ValueError(f"repomix summary lacks Total {', '.join(sorted(missing))}")
    return RepomixSummary(totals["Files"], totals["Tokens"], totals["Chars"], suspicious, binary)
