"""Progress and diagnostics on stderr (stdout is reserved for data). Honours -q, -v, NO_COLOR."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TextIO


@dataclass
class Log:
    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose
    stream: TextIO | None = None
    #: The first line of the last error printed (a stage's, run in this process).
    last_error: str | None = None

    @property
    def out(self) -> TextIO:
        return self.stream or sys.stderr

    @property
    def color(self) -> bool:
        # https://no-color.org: any non-empty NO_COLOR disables colour.
        return not os.environ.get("NO_COLOR") and hasattr(self.out, "isatty") and self.out.isatty()

    def _paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def paint(self, text: str, code: str) -> str:
        return self._paint(text, code)

    def info(self, message: str) -> None:
        if self.verbosity >= 1:
            print(f"{self._paint('twostep:', '1')} {message}", file=self.out, flush=True)

    def detail(self, message: str) -> None:
        if self.verbosity >= 2:
            print(self._paint(f"twostep: {message}", "2"), file=self.out, flush=True)

    def warn(self, message: str) -> None:
        # Warnings are shown even with -q: they are about data the user sends or loses.
        print(f"{self._paint('twostep: warning:', '33')} {message}", file=self.out, flush=True)

    def error(self, message: str, hint: str | None = None) -> None:
        """The error (unless a stage printed it already: "") and a hint to fix it."""
        if message:
            self.last_error = message.splitlines()[0]
            print(f"{self._paint('twostep: error:', '31;1')} {message}", file=self.out,
                  flush=True)
        if hint:
            print(f"{self._paint('hint:', '36')} {hint}", file=self.out, flush=True)

    def take_error(self) -> str | None:
        """The last error's first line, forgotten once taken."""
        said, self.last_error = self.last_error, None
        return said


#: The process-wide logger, configured once by cli.py from -q/-v.
LOG = Log()
