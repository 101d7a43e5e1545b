"""scripts/install on a fresh HOME: a new login shell finds every tool; only the keys are missing.

Each command runs under `env -i` with a scratch HOME, as on a fresh machine: no PATH entry of
the developer's, no pyenv, no ~/.profile. Only npm's and pip's caches and the npm user config
(registry, CA) are borrowed from the real user, so the install copies instead of downloading
(~20 s instead of over a minute), and proxies and CA variables pass through.

Select with `-m install`; the lead registers the marker in pyproject.toml:
    "install: installs twostep with scripts/install into a scratch HOME (npm ci, ~25 s)",
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

# One pytest worker runs the whole module: the install (npm ci) in `installed` happens once.
pytestmark = [pytest.mark.install, pytest.mark.xdist_group("install")]

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "scripts" / "install"
TOOLS = ("git", "rg", "repomix", "gemini", "claude", "codex")
LINKED = ("twostep", "rg", "repomix", "gemini", "claude")
SYSTEM_PATH = "/usr/bin:/bin"
PASS_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "PIP_CERT", "PIP_INDEX_URL",
             "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_DEFAULT_TIMEOUT", "REQUESTS_CA_BUNDLE")

if not (shutil.which("npm") and shutil.which("node") and shutil.which("git")):
    pytest.skip("scripts/install needs npm, node and git", allow_module_level=True)


@dataclass(frozen=True)
class Installed:
    home: Path
    first: subprocess.CompletedProcess[str]   # plain install: prints the PATH line to add
    second: subprocess.CompletedProcess[str]  # again with --modify-path: writes ~/.profile
    first_seconds: float
    second_seconds: float

    @property
    def bin_dir(self) -> Path:
        return self.home / ".local" / "bin"

    @property
    def prefix(self) -> Path:
        return self.home / ".local" / "share" / "twostep"


def _npm_config(key: str) -> str:
    out = subprocess.run(["npm", "config", "get", key], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _tool_dirs() -> str:
    """The system dirs plus wherever node, npm and git live (nvm, /usr/local, …)."""
    dirs = [str(Path(shutil.which(t) or "/usr/bin").parent) for t in ("node", "npm", "git")]
    return ":".join(dict.fromkeys([*dirs, *SYSTEM_PATH.split(":")]))


def base_env(home: Path) -> dict[str, str]:
    """A fresh login's environment, plus the caches and network settings that make it fast."""
    env = {"HOME": str(home), "PATH": _tool_dirs(), "LANG": "C.UTF-8"}
    env.update({k: v for k, v in os.environ.items()
                if k in PASS_VARS or k.lower() in ("http_proxy", "https_proxy", "no_proxy")})
    env["npm_config_cache"] = _npm_config("cache")
    env["npm_config_userconfig"] = _npm_config("userconfig")
    env["PIP_CACHE_DIR"] = os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    if shutil.which("python3", path=env["PATH"]) is None:
        # The tests' own interpreter, never a pyenv shim (shims need the real HOME).
        env["PYTHON"] = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    return env


def snapshot(dest: Path) -> Path:
    """A copy of the checkout as it is now (tracked and untracked, not ignored files): the
    second install must see the same source as the first even while the tree is being edited."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest / "scripts" / "install"


def run_install(env: dict[str, str], *args: str,
                script: Path = INSTALL) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    bash = shutil.which("bash") or "/bin/bash"  # absolute: some tests hide PATH's tools
    proc = subprocess.run([bash, str(script), *args], env=env, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL, check=False)
    return proc, time.monotonic() - start


def login_shell(home: Path, command: str) -> subprocess.CompletedProcess[str]:
    """A new login shell started with nothing but HOME and the system PATH."""
    env = ["env", "-i", f"HOME={home}", f"PATH={_tool_dirs()}", "LANG=C.UTF-8"]
    return subprocess.run([*env, "bash", "-lc", command], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    home = tmp_path_factory.mktemp("home")
    script = snapshot(tmp_path_factory.mktemp("checkout"))
    env = base_env(home)
    first, first_s = run_install(env, script=script)
    assert first.returncode == 0, first.stderr[-3000:]
    second, second_s = run_install(env, "--modify-path", script=script)
    assert second.returncode == 0, second.stderr[-3000:]
    return Installed(home, first, second, first_s, second_s)


def test_doctor_in_a_new_login_shell_finds_every_tool(installed: Installed) -> None:
    proc = login_shell(installed.home, "twostep doctor")
    lines = proc.stdout.splitlines()
    for tool in TOOLS:
        line = next((x for x in lines if re.match(rf"\S+\s+{tool}: ", x)), None)
        assert line is not None and line.startswith("ok "), (tool, proc.stdout)
        if tool != "git":  # git is the system's; the others must be the ones just installed
            assert f"({installed.bin_dir / tool})" in line, line
    # Only credentials are missing: the two keys are named, and no line asks to install a tool.
    missing = "\n".join(x for x in lines if x.startswith("missing"))
    assert "GEMINI_API_KEY" in missing and "ANTHROPIC_API_KEY" in missing, proc.stdout
    assert "OPENAI_API_KEY" in missing, proc.stdout
    assert "install with" not in missing, proc.stdout
    assert proc.returncode == 16, (proc.returncode, proc.stdout, proc.stderr)


def test_links_point_into_the_prefix_and_the_profile_line_is_written_once(
        installed: Installed) -> None:
    for name in LINKED:
        link = installed.bin_dir / name
        assert link.is_symlink() and Path(os.readlink(link)).is_relative_to(installed.prefix), link
    profile = (installed.home / ".profile").read_text()
    assert profile.count("# twostep-install") == 1, profile
    assert 'export PATH="$HOME/.local/bin:$PATH"' in profile
    which = login_shell(installed.home, "command -v twostep rg")
    assert which.stdout.split() == [str(installed.bin_dir / name) for name in ("twostep", "rg")]


def test_first_install_prints_the_path_line_and_a_rerun_changes_nothing(
        installed: Installed) -> None:
    assert "is not on PATH" in installed.first.stdout
    assert 'export PATH="$HOME/.local/bin:$PATH"' in installed.first.stdout
    assert "up to date" in installed.second.stderr
    assert "npm ci" not in installed.second.stderr and "installing" not in installed.second.stderr
    assert installed.second_seconds < 10, installed.second_seconds
    print(f"install: cold {installed.first_seconds:.1f} s, warm {installed.second_seconds:.1f} s")


def test_missing_npm_is_a_clear_error(tmp_path: Path) -> None:
    shims = tmp_path / "bin"  # python and the few coreutils the script needs, but no npm
    shims.mkdir()
    for tool in ("dirname", "realpath"):
        (shims / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    env = {"HOME": str(tmp_path), "PATH": str(shims), "PYTHON": python}
    proc, _ = run_install(env)
    assert proc.returncode != 0
    assert "npm not found: install Node.js" in proc.stderr
    assert not (tmp_path / ".local").exists()


def test_missing_python_is_a_clear_error(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": SYSTEM_PATH, "PYTHON": "python3-not-there"}
    proc, _ = run_install(env)
    assert proc.returncode != 0
    assert "python3-not-there not found: install Python 3.10 or newer" in proc.stderr


def test_uninstall_removes_links_prefix_and_profile_line(installed: Installed) -> None:
    """Last in the module: it takes the shared install away."""
    foreign = installed.bin_dir / "not-ours"
    foreign.symlink_to("/bin/true")
    proc = subprocess.run(["bash", str(INSTALL), "--uninstall"], env=base_env(installed.home),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in installed.bin_dir.iterdir()) == ["not-ours"]
    assert not installed.prefix.exists()
    assert not (installed.home / ".profile").exists()  # it held only our line
