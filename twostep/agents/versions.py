"""Find the CLIs twostep composes, with their versions, and say how to install a missing one.

Versions are cached per user (`$XDG_CACHE_HOME/twostep/tools.json`), keyed by the binary's
path, size and mtime: `gemini --version` alone costs over a second, and a per-user cache serves
every repository and every fresh clone, so nothing is written into the repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from twostep import agents, atomic
from twostep.errors import ToolMissing

#: Tools that are not model CLIs (those name their package in their adapter).
PINNED = {"repomix": "repomix@1.18.1"}
INSTALL = {
    "repomix": f"npm install -g {PINNED['repomix']}   (or scripts/setup in a twostep checkout)",
    "git": "apt-get install -y git",
    "rg": "pip install --only-binary :all: ripgrep==14.1.0",
}


def install_hint(tool: str) -> str:
    if tool in INSTALL:
        return INSTALL[tool]

    if tool in agents.ADAPTERS:
        return (f"npm install -g {agents.get(tool).package}   "
                "(or scripts/setup in a twostep checkout)")
    return "install it and put it on PATH"


def cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twostep" / "tools.json"


def _version(path: str) -> str:
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, timeout=20,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = proc.stdout.decode(errors="replace").strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def require(tools: Iterable[str]) -> None:
    """Raise ToolMissing naming every missing tool and how to install it."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        lines = [f"  {t}: {install_hint(t)}" for t in missing]
        raise ToolMissing(f"required tool{'s' if len(missing) > 1 else ''} not found on PATH: "
                          f"{', '.join(missing)}\n" + "\n".join(lines))


def versions(tools: list[str]) -> dict[str, str]:
    """{tool: 'version (path)'}; raises ToolMissing naming every missing tool and its install."""
    require(tools)
    where = cache_file()
    cache = _read(where)
    known = dict(cache)
    out = {}
    for tool in tools:
        path = shutil.which(tool) or tool
        st = os.stat(path)
        key = f"{path}:{st.st_mtime_ns}:{st.st_size}"
        if key not in cache:
            cache[key] = _version(path)
        out[tool] = f"{cache[key]} ({path})"
    if cache != known:
        _write(where, cache)
    return out


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}


def _write(path: Path, cache: dict[str, str]) -> None:
    with contextlib.suppress(OSError):  # a read-only home only costs the probe next time
        atomic.write_text(path, json.dumps(cache, indent=1), durable=False)
