"""Running the real pinned codex binary against fakeapi_openai (tests only), with the very
command the codex adapter builds for the pipeline (twostep/agents/codex.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from twostep.agents.base import Call
from twostep.agents.codex_reply import CodexReply, parse_events
from twostep.core.steps import MakeDirs
from twostep.core.values import Arg, Contents, EnvVar, Joined, Length, RunPath, Setting

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


def resolver(run_dir: Path, repo: Path, env: Mapping[str, str]) -> Callable[[Arg], str]:
    """An argument's value as pipeline/runner.py resolves it when the step runs, with `env`
    standing for the caller's environment."""
    def resolve(value: Arg) -> str:
        if isinstance(value, RunPath):
            return str(run_dir / value.rel)
        if isinstance(value, EnvVar):
            return next((env[n] for n in value.names if env.get(n)), value.default)
        if isinstance(value, Joined):
            return "".join(resolve(p) for p in value.parts)
        if isinstance(value, Contents):
            return (run_dir / value.path.rel).read_text(encoding="utf-8").strip()
        if isinstance(value, Setting):
            return value.value
        if isinstance(value, Length):
            return str(len(value.setting.value))
        return value
    return resolve


def _stdin_file(call: Call, run_dir: Path, repo: Path, resolve: Callable[[Arg], str]) -> Path:
    """The call's stdin files one after another, as `cat` gives them: a complete file."""
    whole = run_dir / f"{Path(call.reply.rel).stem}.stdin"
    whole.write_bytes(b"".join(Path(resolve(a)).read_bytes() if isinstance(a, RunPath)
                               else (repo / resolve(a)).read_bytes() for a in call.stdin))
    return whole


def run_call(call: Call, *, binary: str, run_dir: Path, repo: Path, env: Mapping[str, str],
             timeout: float = 60, stdin: int | IO[bytes] | None = None) -> Run:
    """Run an adapter's call as the pipeline does (`binary` for its argv[0]): setup dirs made,
    arguments resolved, cwd the repository unless the command says otherwise, stdin the call's
    files (`stdin` overrides it, to reproduce a careless caller), stdout into the reply file
    and stderr into the command's log; its own process group, killed on timeout."""
    resolve = resolver(run_dir, repo, env)
    for step in call.setup:
        assert isinstance(step, MakeDirs), step  # codex's only setup
        for path in step.paths:
            Path(resolve(path)).mkdir(parents=True, exist_ok=True)
    cmd = call.command
    argv = [binary, *(resolve(a) for a in cmd.argv[1:])]
    start = time.monotonic()
    with open(_stdin_file(call, run_dir, repo, resolve), "rb") as handle:
        proc = subprocess.Popen(
            argv, cwd=resolve(cmd.cwd) if cmd.cwd is not None else repo,
            env={**env, **{k: resolve(v) for k, v in cmd.env}},
            stdin=stdin if stdin is not None else handle, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    (run_dir / call.reply.rel).write_bytes(out)
    if cmd.stderr is not None:
        Path(resolve(cmd.stderr)).write_bytes(err)
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    return Run(proc.returncode, stdout, stderr, time.monotonic() - start,
               parse_events(stdout, stderr))
