"""Preflight: every tool a pipeline needs is found, with its version, before any step runs.

Versions are cached by (path, mtime, size): `gemini --version` alone costs over a second.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterable

from twostep.errors import MissingCredentials, ToolMissing
from twostep.pipeline.steps import IfNonEmpty, Phase, Pipe

PINNED = {"repomix": "repomix@1.18.1", "gemini": "@google/gemini-cli@0.61.0",
          "claude": "@anthropic-ai/claude-code@2.1.197"}
INSTALL = {
    **{tool: f"npm install -g {pkg}   (or scripts/setup in a twostep checkout)"
       for tool, pkg in PINNED.items()},
    "git": "apt-get install -y git",
    "rg": "pip install --only-binary :all: ripgrep==14.1.0",
}


def tools_of(phases: Iterable[Phase]) -> list[str]:
    names: list[str] = []
    for phase in phases:
        for step in phase.steps:
            pipe = step.then if isinstance(step, IfNonEmpty) else step
            if isinstance(pipe, Pipe):
                names += [c.tool for c in pipe.commands if c.tool not in names]
    return [n for n in dict.fromkeys(names) if n != "twostep"]


def _version(path: str) -> str:
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, timeout=20,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = proc.stdout.decode(errors="replace").strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def versions(tools: list[str], cache_file: Path | None = None) -> dict[str, str]:
    """{tool: 'version (path)'}; raises ToolMissing naming every missing tool and its install."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        lines = [f"  {t}: {INSTALL.get(t, 'install it and put it on PATH')}" for t in missing]
        raise ToolMissing(f"required tool{'s' if len(missing) > 1 else ''} not found on PATH: "
                          f"{', '.join(missing)}\n" + "\n".join(lines))
    cache = _read(cache_file)
    out = {}
    for tool in tools:
        path = shutil.which(tool) or tool
        st = os.stat(path)
        key = f"{path}:{st.st_mtime_ns}:{st.st_size}"
        if key not in cache:
            cache[key] = _version(path)
        out[tool] = f"{cache[key]} ({path})"
    if cache_file is not None:
        try:
            cache_file.write_text(json.dumps(cache, indent=1), encoding="utf-8")
        except OSError:
            pass
    return out


def _read(cache_file: Path | None) -> dict[str, str]:
    try:
        return json.loads(cache_file.read_text(encoding="utf-8")) if cache_file else {}
    except (OSError, json.JSONDecodeError):
        return {}


def credentials(clis: Iterable[str], environ: dict[str, str] | None = None) -> None:
    """Name the variable each model CLI needs when none of its credentials is present."""
    env = os.environ if environ is None else environ
    problems = []
    if "gemini" in clis and not env.get("GEMINI_API_KEY"):
        problems.append("gemini (planner): set GEMINI_API_KEY (https://aistudio.google.com/apikey)")
    claude_ok = any(env.get(k) for k in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN",
                                         "CLAUDE_CODE_OAUTH_TOKEN"))
    claude_ok = claude_ok or (Path(env.get("HOME", "~")).expanduser() / ".claude/.credentials.json").exists()
    if "claude" in clis and not claude_ok:
        problems.append("claude (executor): set ANTHROPIC_API_KEY, or log in once with `claude`")
    if problems:
        raise MissingCredentials("no credentials for the model CLIs:\n  " + "\n  ".join(problems),
                                 hint="`twostep run … --dry-run` works without keys and shows the pipeline")
