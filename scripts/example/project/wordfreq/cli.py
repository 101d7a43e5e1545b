"""Command line: read stdin, print the counts."""

from __future__ import annotations

import argparse
import sys

from wordfreq import count, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wordfreq",
                                     description="Count words, most frequent first.")
    parser.parse_args(argv)
    sys.stdout.write(render(count(sys.stdin.read())))
    return 0
