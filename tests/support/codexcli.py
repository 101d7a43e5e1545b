"""Running the real pinned codex binary against fakeapi_openai (tests only)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from twostep.agents.codex_command import CodexCall
from twostep.agents.codex_reply import CodexReply, parse_events

REPO_ROOT = Path(__file__).resolve().parents[2]
PINNED = "0.169.0"
# Where the pin may be installed: the checkout's .tools/ (scripts/setup), then PATH, then a
# scratch install (`npm ci --prefix /tmp/codex-tools`). TWOSTEP_TEST_CODEX overrides all.
_CANDIDATES = (REPO_ROOT / ".tools" / "node_modules" / ".bin" / "codex",
               Path("/tmp/codex-tools/node_modules/.bin/codex"))
# Inherited variables that would redirect codex or its shell away from the fake.
_SCRUB_PREFIXES = ("OPENAI_", "CODEX_", "TWOSTEP_CODEX")
_SCRUB_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                "all_proxy", "RUST_LOG")


def find_codex() -> tuple[str | None, str]:
    """(binary, why-not): the first candidate that reports the pinned version."""
    found = [os.environ.get("TWOSTEP_TEST_CODEX"), str(_CANDIDATES[0]),
             shutil.which("codex"), str(_CANDIDATES[1])]
    seen = []
    for path in filter(None, found):
        if not os.access(path, os.X_OK):
            continue
        version = subprocess.run([path, "--version"], capture_output=True, text=True,
                                 timeout=30, check=False).stdout.strip()
        if version.endswith(PINNED):
            return path, ""
        seen.append(f"{path} is {version!r}")
    why = "; ".join(seen) or "no codex binary in .tools/, on PATH or in /tmp/codex-tools"
    return None, f"codex {PINNED} not installed (run scripts/setup): {why}"


def parent_env(home: Path, base_url: str, **extra: str) -> dict[str, str]:
    """The caller's environment as twostep would see it: scrubbed, HOME private, the fake as
    OPENAI_BASE_URL with a fake key."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB_NAMES}
    env.update(HOME=str(home), NO_COLOR="1", NO_PROXY="127.0.0.1,localhost",
               OPENAI_BASE_URL=base_url, OPENAI_API_KEY="sk-fake-openai", **extra)
    return env


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    reply: CodexReply


def run_codex(call: CodexCall, *, cwd: Path, timeout: float = 60,
              stdin: int | IO[bytes] | None = None) -> Run:
    """Run `call` as twostep would: own process group, stdin exactly as the call says
    (`stdin` overrides it, to reproduce a careless caller), killed as a group on timeout."""
    start = time.monotonic()
    with contextlib.ExitStack() as stack:
        handle = stack.enter_context(open(call.stdin_file, "rb")) if call.stdin_file else None
        chosen = stdin if stdin is not None else (handle or subprocess.DEVNULL)
        proc = subprocess.Popen(call.argv, cwd=cwd, env=call.env, stdin=chosen,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    return Run(proc.returncode, stdout, stderr, time.monotonic() - start,
               parse_events(stdout, stderr))
