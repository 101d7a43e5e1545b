"""Test helpers: throwaway git repositories, the stand-in CLIs, and running twostep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STANDINS = ROOT / "tests" / "support" / "standins" / "bin"
TOOLS_BIN = ROOT / ".tools" / "node_modules" / ".bin"
VENV_BIN = Path(sys.executable).parent

PLAN = """# Plan

1. In `wordfreq/cli.py` add a `--top N` option.
2. Add tests in `tests/test_top.py`.

```twostep-files
modify: wordfreq/cli.py
read: wordfreq/__init__.py
create: tests/test_top.py
```
"""
#: The same change as two `## Step N` tasks, and the stand-in edits each task's session makes.
TASKS_PLAN = """# Plan

## Step 1: The option
Add `--top N` to `wordfreq/cli.py`.

## Step 2: The tests
Create `tests/test_top.py`.
"""
TASKS_EDITS = [
    {"path": "wordfreq/cli.py", "content": "# --top\n", "append": True, "when": "task 1 of 2"},
    {"path": "tests/test_top.py", "content": "def test_top():\n    pass\n", "when": "task 2 of 2"}]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def make_repo(path: Path, files: dict[str, str | bytes], commit: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "t@example.invalid")
    git(path, "config", "user.name", "t")
    for rel, content in files.items():
        target = path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    if commit:
        git(path, "add", "-A")
        git(path, "commit", "-qm", "init")
    return path


def example_repo(path: Path) -> Path:
    """A copy of the built-in demo project as a fresh git repository."""
    src = ROOT / "scripts" / "example" / "project"
    files = {str(p.relative_to(src)): p.read_text(encoding="utf-8")
             for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    return make_repo(path, files)


def standin_env(tmp: Path, *, plan: str = PLAN, edits: list | None = None, **extra: str) -> dict:
    """PATH with the stand-in gemini/claude first, real repomix/git/rg after."""
    record = tmp / "standin"
    record.mkdir(parents=True, exist_ok=True)
    (record / "plan.md").write_text(plan, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STANDIN_", "GEMINI_", "ANTHROPIC_"))}
    env.update({
        "PATH": os.pathsep.join([str(STANDINS), str(VENV_BIN), str(TOOLS_BIN),
                                 env.get("PATH", "")]),
        "STANDIN_DIR": str(record), "STANDIN_PLAN": str(record / "plan.md"),
        "STANDIN_EDITS": json.dumps(edits if edits is not None else
                                    [{"path": "wordfreq/cli.py", "content": "# --top\n",
                                      "append": True}]),
        "GEMINI_API_KEY": "test-gemini-key-123", "ANTHROPIC_API_KEY": "sk-test-anthropic-456",
        "NO_COLOR": "1",
    })
    env.update(extra)
    return env


def calls(env: dict) -> list[dict]:
    path = Path(env["STANDIN_DIR"]) / "calls.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def twostep(*args: str, cwd: Path, env: dict | None = None, stdin: bytes | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twostep", *args], cwd=cwd, env=env,
                          input=stdin if stdin is not None else b"", capture_output=True,
                          timeout=timeout)
