"""Live progress on stderr. On a terminal the running step shows a spinner and its elapsed
time in place, and leaves no line behind; elsewhere (a pipe, CI) nothing animates. The story
of the run (a line per phase and per task, verify, the cost) is told by the stages themselves;
only a failed step gets a line of its own here (✗), and `-v` adds a line per step (✓ or ✗).
`-q` silences it; NO_COLOR drops the colours. The runner reports each step's start and end
here (pipeline/runner.py)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from twostep.core.steps import Cached, Checks, ForEach, Pipe, Step, Until
from twostep.log import LOG

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_TOLD_ELSEWHERE = (Checks, ForEach, Until, Cached)


def quiet_step(step: Step) -> bool:
    """A step whose processes write nothing to the terminal: a spinner cannot garble it."""
    if isinstance(step, Checks):  # the runner sends their output to a file
        return True
    procs = step.processes()
    if isinstance(step, Pipe) and (step.interactive or step.self_reporting):
        return False
    return bool(procs) and all(c.stderr is not None for c in procs)


@dataclass
class Progress:
    enabled: bool = False
    _spin: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _started: dict[int, float] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        out = LOG.out
        return hasattr(out, "isatty") and out.isatty()

    def start(self, step: Step) -> None:
        self._started[id(step)] = time.monotonic()
        if not self.enabled or LOG.verbosity < 1 or not self.live or not quiet_step(step):
            return
        self._stop.clear()
        label = f"{step.name}: {step.title}" if step.title else step.name
        self._spin = threading.Thread(target=self._draw, args=(label[:70],), daemon=True)
        self._spin.start()

    def _draw(self, label: str) -> None:
        began, frame = time.monotonic(), 0
        while not self._stop.wait(0.1):
            LOG.out.write(f"\r\033[K{FRAMES[frame % len(FRAMES)]} {label}  "
                          f"{time.monotonic() - began:.1f} s")
            LOG.out.flush()
            frame += 1

    def end(self, step: Step, exit_code: int) -> None:
        seconds = time.monotonic() - self._started.pop(id(step), time.monotonic())
        if self._spin is not None:
            self._stop.set()
            self._spin.join()
            self._spin = None
            LOG.out.write("\r\033[K")
        if not self.enabled or LOG.verbosity < 1:
            return
        # By default only the step that failed has a line: not the loops around it, and not
        # the checks (fix-round shows the failing command with its output).
        if LOG.verbosity < 2 and (exit_code == 0 or isinstance(step, _TOLD_ELSEWHERE)):
            return
        mark = LOG.paint("✓", "32") if exit_code == 0 else LOG.paint("✗", "31")
        LOG.out.write(f"  {mark} {step.name} ({seconds:.1f} s)\n")
        LOG.out.flush()


#: The process-wide progress display; the CLI enables it for run, plan, execute and resume.
PROGRESS = Progress()
