"""Tell a model CLI that is working from one that never started: the stall watch.

A model CLI that spins before its first request (gemini globbing every `@token` of its input,
docs/cli-facts.md) shows no sign of life: no connection and no answer, only CPU (and the
warnings every CLI prints on stderr as it starts). One that waits for a slow model has an open
connection. So a process group that, after `after` seconds, has opened no TCP socket and
written nothing to its stdout is stalled; once it has done either it is working, and only the
step's timeout bounds it.

Sockets are read from /proc (Linux). Where there is no /proc the watch never fires: a CLI
waiting quietly for its answer must not be taken for a stalled one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

_PROC = Path("/proc")
#: /proc/net/tcp state of a listening socket (every other state has reached out, or tried).
_LISTEN = "0A"
#: How often the watch looks: a scan of /proc costs a few milliseconds.
EVERY = 1.0


class Watch:
    def __init__(self, pgid: int, outputs: Iterable[Path], after: float) -> None:
        self.pgid = pgid
        self.outputs = tuple(outputs)
        self.after = after
        self.started = time.monotonic()
        self.alive = False
        self._sizes = self._output_sizes()
        self._next = self.started

    def stalled(self) -> bool:
        """True once the group has shown no sign of life for `after` seconds."""
        now = time.monotonic()
        if self.alive or now < self._next or not _PROC.is_dir():
            return False
        self._next = now + EVERY
        if self._output_sizes() != self._sizes or self._connected():
            self.alive = True
            return False
        return now - self.started >= self.after

    def _output_sizes(self) -> tuple[int, ...]:
        return tuple(p.stat().st_size if p.exists() else -1 for p in self.outputs)

    def _connected(self) -> bool:
        sockets = {ino for pid in group_pids(self.pgid) for ino in _socket_inodes(pid)}
        return bool(sockets) and bool(sockets & _tcp_inodes())


def group_pids(pgid: int) -> list[int]:
    """The live processes of a process group (field 5 of /proc/PID/stat)."""
    found = []
    for entry in _PROC.iterdir() if _PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _socket_inodes(pid: int) -> set[str]:
    out: set[str] = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return out
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out.add(target[8:-1])
    return out


def _tcp_inodes() -> set[str]:
    out: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (_PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] != _LISTEN:
                out.add(cols[9])
    return out
