"""twostep.sizing.strategy: strategy from a band, and parsing repomix 1.18.1's normal-mode
summary."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from twostep.core.recipe import Strategies
from twostep.sizing.estimate import Estimate
from twostep.sizing.strategy import decide
from twostep.tools.repomix import RepomixSummary, parse_repomix_summary

T = Strategies(100_000, 200_000)
REPOMIX = Path(__file__).resolve().parents[3] / ".tools/node_modules/.bin/repomix"


def band(low: int, high: int) -> Estimate:
    return Estimate(tokens=(low + high) // 2, low=low, high=high, files=1, bytes=1, by_dir=())


@pytest.mark.parametrize("tokens,want", [(0, "small"), (99_999, "small"), (100_000, "medium"),
                                         (200_000, "medium"), (200_001, "large")])
def test_classify_boundaries(tokens, want):
    assert T.choose(tokens) == want


@pytest.mark.parametrize("low,high,want", [
    (80_000, 99_999, "small"), (100_000, 200_000, "medium"),
    (200_001, 10**9, "large"), (99_999, 100_000, None), (150_000, 200_001, None),
    (50_000, 500_000, None)])
def test_decide(low, high, want):
    assert decide(band(low, high), T) == want


def test_exact_count_always_decides():
    assert decide(band(104_098, 104_098), T) == "medium"


def test_thresholds_are_validated():
    with pytest.raises(ValueError):
        Strategies(200_000, 100_000)


# Captured from repomix 1.18.1 (`repomix . --no-gitignore --no-default-patterns -o OUT`, stdout
# redirected to a file, FORCE_COLOR=1), trimmed: spinner redraws, colours, "10." without a space.
REAL = (
    "\n\U0001f4e6 Repomix v1.18.1\n\n"
    "\r\x1b[K\x1b[?25l\u2820 Collect file... (1/7) img.png\n"
    "\r\x1b[K\x1b[1A\r\x1b[K\x1b[?25l\u2834 Calculating metrics... (4/4) u16.txt\n"
    "\r\x1b[K\x1b[1A\r\x1b[K\x1b[?25l\u2714 Packing completed successfully!\n\x1b[?25h\n"
    "\U0001f50e Security Check:\n\x1b[2m\u2500\u2500\u2500\u2500\x1b[22m\n"
    "\x1b[33m11 suspicious file(s) detected and excluded from the output:\x1b[39m\n"
    + "".join(f"{i}.{' ' if i < 10 else ''}certs/k{i}.pem\n\x1b[2m   - 1 security issue detected"
              "\x1b[22m\n" for i in range(1, 11))
    + "11.a b/[x].py\n   - 2 security issues detected\n"
    "\x1b[33m\nThese files have been excluded from the output for security reasons.\x1b[39m\n\n"
    "\U0001f4c4 Binary Files Detected:\n\u2500\u2500\u2500\n"
    "\x1b[33m1 file detected as binary by content inspection:\x1b[39m\n1. nul.txt\n"
    "\x1b[33m\nThese files have been excluded from the output.\x1b[39m\n\n"
    "\U0001f4ca Pack Summary:\n\x1b[2m\u2500\u2500\u2500\x1b[22m\n"
    "  Total Files: 2,252 files\n Total Tokens: 9,984,448 tokens\n"
    "  Total Chars: 37,140,540 chars\n       Output: /tmp/out.xml\n"
    "     Security: \x1b[33m11 suspicious file(s) detected and excluded\x1b[39m\n\n"
    "\x1b[32m\U0001f389 All Done!\x1b[39m\n")


def test_parse_real_summary():
    s = parse_repomix_summary(REAL)
    assert (s.total_files, s.total_tokens, s.total_chars) == (2252, 9_984_448, 37_140_540)
    assert s.suspicious == (*(f"certs/k{i}.pem" for i in range(1, 11)), "a b/[x].py")
    assert s.binary_content == ("nul.txt",)


def test_parse_clean_summary_other_locale():
    text = ("\U0001f50e Security Check:\n\u2714 No suspicious files detected.\n\n"
            "  Total Files: 3 files\n Total Tokens: 1.234.567 tokens\n"
            "  Total Chars: 9\u202f999 chars\n")
    assert parse_repomix_summary(text) == RepomixSummary(3, 1_234_567, 9_999)


def test_parse_rejects_incomplete_output():
    with pytest.raises(ValueError, match="Tokens"):
        parse_repomix_summary("\u2716 No valid file paths found in stdin input.\n"
                              "  Total Files: 1 files\n")


@pytest.mark.realcli
@pytest.mark.skipif(not REPOMIX.exists(), reason="repomix not installed (scripts/setup)")
def test_parse_live_repomix(tmp_path):
    (tmp_path / "a.py").write_text("print('hi')\n")
    (tmp_path / "secret.py").write_text("TOKEN = 'ghp_" + "x" * 36 + "'\n")
    (tmp_path / "nul.txt").write_bytes(b"x\0y")
    (tmp_path / "img.png").write_bytes(b"\x89PNG")
    run = subprocess.run([str(REPOMIX), ".", "--no-gitignore", "--no-default-patterns", "-o",
                          str(tmp_path / "out.xml")], cwd=tmp_path, capture_output=True,
                         text=True, check=True, env=dict(os.environ, FORCE_COLOR="1"))
    s = parse_repomix_summary(run.stdout)
    assert (s.total_files, s.suspicious, s.binary_content) == (1, ("secret.py",), ("nul.txt",))
    assert s.total_tokens > 300 and s.total_chars > 1000
