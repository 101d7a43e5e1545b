"""The stall watch: a process group with no connection and no stdout is stalled after its time;
a connection or an answer, however slow, is a sign of life."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from twostep.pipeline import stall


@pytest.fixture
def group():
    procs = []

    def start(code: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def _watch_until(watch: stall.Watch, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if watch.stalled():
            return True
        time.sleep(0.05)
    return False


def test_a_silent_group_is_stalled_after_its_time(group, monkeypatch):
    monkeypatch.setattr(stall, "EVERY", 0.05)
    proc = group("import time; time.sleep(30)")
    watch = stall.Watch(proc.pid, (), after=0.5)
    started = time.monotonic()
    assert _watch_until(watch, 10)
    assert time.monotonic() - started >= 0.5
    assert stall.group_pids(proc.pid) == [proc.pid]


def test_a_connection_is_a_sign_of_life(group, monkeypatch):
    monkeypatch.setattr(stall, "EVERY", 0.05)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    proc = group(f"import socket, time; s = socket.create_connection(('127.0.0.1', {port})); "
                 "time.sleep(30)")
    conn, _ = server.accept()
    watch = stall.Watch(proc.pid, (), after=0.3)
    assert not _watch_until(watch, 1.5)
    assert watch.alive
    conn.close()
    server.close()


def test_an_answer_on_stdout_is_a_sign_of_life(group, monkeypatch, tmp_path):
    monkeypatch.setattr(stall, "EVERY", 0.05)
    out = tmp_path / "reply.json"
    out.write_text("")
    proc = group(f"import time; time.sleep(0.2); open({str(out)!r}, 'a').write('{{'); "
                 "time.sleep(30)")
    watch = stall.Watch(proc.pid, (out,), after=0.6)
    assert not _watch_until(watch, 1.5)
    assert watch.alive


def test_no_watch_without_proc(monkeypatch, tmp_path):
    """Where /proc is missing the watch never fires: a quiet CLI may be waiting for its answer."""
    monkeypatch.setattr(stall, "_PROC", tmp_path / "no-proc")
    watch = stall.Watch(12345, (), after=0)
    assert not watch.stalled()
