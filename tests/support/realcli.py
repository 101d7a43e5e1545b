"""Helpers for tests that run the real pinned gemini / claude binaries against fakeapi."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO_ROOT / ".tools" / "node_modules" / ".bin"
VENV_BIN = REPO_ROOT / ".venv" / "bin"

# Without selectedType, gemini guesses auth "gateway" whenever GOOGLE_GEMINI_BASE_URL is
# set and exits 41. maxAttempts 2 caps its retry loop (default 10 tries, ~4 min).
GEMINI_SETTINGS = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False,
                "maxAttempts": 2},
    "telemetry": {"enabled": False},
}
# Inherited variables that would redirect the CLIs away from the fake or from `home`.
_SCRUB_PREFIXES = ("GEMINI_", "GOOGLE_", "ANTHROPIC_", "CLAUDE_", "CLOUDSDK_", "XDG_",
                   "OPENAI_", "CODEX_", "TWOSTEP_CODEX")
_SCRUB_NAMES = ("API_TIMEOUT_MS", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
                "ALL_PROXY", "all_proxy", "NODE_OPTIONS", "CI")


def find_binary(name: str) -> str | None:
    """PATH first (a deliberate override), then the checkout's pinned .tools/ install."""
    found = shutil.which(name)
    if found:
        return found
    candidate = TOOLS_BIN / name
    return str(candidate) if os.access(candidate, os.X_OK) else None


def write_gemini_settings(home: Path, **overrides: dict) -> Path:
    """Write $home/.gemini/settings.json; `overrides` replace top-level sections."""
    path = Path(home) / ".gemini" / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**GEMINI_SETTINGS, **overrides}, indent=2))
    return path


def installed_env(fake_url: str, home: str | Path, required: tuple[str, ...]) -> dict[str, str]:
    """cli_env for a twostep run; the test is skipped when a tool it needs is not installed."""
    environment = cli_env(fake_url, home)
    missing = [t for t in required if shutil.which(t, path=environment["PATH"]) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (run scripts/setup)")
    return environment


def cli_env(fake_url: str, home: str | Path, *, max_retries: int = 1,
            base: dict | None = None) -> dict[str, str]:
    """Environment that makes real gemini and claude run headless against the fake, with
    every file they write (config, sessions, error dumps) kept under `home`."""
    home = Path(home)
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    write_gemini_settings(home)
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith(_SCRUB_PREFIXES) and k not in _SCRUB_NAMES}
    # VENV_BIN gives twostep its rg; gemini 0.61.0 ignores it (it trusts rg only from
    # /usr/bin-style dirs), so its "Ripgrep is not available" warning stays.
    path_dirs = [str(TOOLS_BIN), str(VENV_BIN), env.get("PATH", "/usr/bin:/bin")]
    env.update({
        "HOME": str(home), "TMPDIR": str(home / "tmp"), "PATH": os.pathsep.join(path_dirs),
        "NO_COLOR": "1", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "GEMINI_API_KEY": "fake-gemini-key", "GOOGLE_GEMINI_BASE_URL": fake_url,
        "GEMINI_CLI_TRUST_WORKSPACE": "true",
        # One node process instead of a self-relaunch: faster, and SIGTERM works.
        "GEMINI_CLI_NO_RELAUNCH": "true",
        "ANTHROPIC_API_KEY": "sk-ant-fake", "ANTHROPIC_BASE_URL": fake_url,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "CLAUDE_CODE_MAX_RETRIES": str(max_retries),
        "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
        # codex reads neither itself in `exec`; twostep hands them over (custom provider).
        "OPENAI_API_KEY": "sk-fake-openai", "OPENAI_BASE_URL": f"{fake_url}/v1",
    })
    return env


def trailing_json(text: str) -> dict | None:
    """The pretty-printed JSON object that ends `text`: gemini -o json writes its error
    object to stderr after warnings and stack traces."""
    lines = text.rstrip().splitlines()
    for index, line in enumerate(lines):
        if line.startswith("{"):
            try:
                return json.loads("\n".join(lines[index:]))
            except ValueError:
                continue
    return None


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_cli(argv: list[str], *, env: dict, cwd: str | Path, stdin: str | None = None,
            timeout: float = 60) -> Run:
    """Run a CLI in its own process group, killed as a group on timeout: gemini's
    relaunching parent ignores SIGTERM sent to its pid alone."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, text=True, start_new_session=True,
                            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired as timeout_error:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise AssertionError(f"{argv[0]} timed out after {timeout}s; stderr:\n{err}") \
            from timeout_error
    return Run(proc.returncode, out, err, time.monotonic() - start)
