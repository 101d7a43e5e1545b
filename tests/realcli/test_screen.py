"""The screen of a run, as a person sees it: a 3-task run with the REAL pinned gemini, claude,
repomix and git against the loopback fakes, on a pseudo-terminal (`script`) and on a pipe.

It tells a story in at most 30 lines (a line per phase and per task, verify, the diffstat,
the summary); a failing verify is shown once with its last lines and never ticked; the
summary's rows add up to its total.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.realcli.test_realcli_tasks import (
    BAD_EXPORT,
    CHECK,
    GOOD_EXPORT,
    INIT,
    PLAN,
    SPEC_TEXT,
    TASK_FILES,
    package_repo,
    sessions,
)
from tests.support.helpers import ROOT
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

BUDGET = 30
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home,
                         ("git", "repomix", "gemini", "claude", "twostep", "python", "script"))


@pytest.fixture
def repo(tmp_path):
    return package_repo(tmp_path / "repo")


@pytest.fixture
def recipe(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(f"extends: {ROOT / 'recipes' / 'python.yaml'}\n"
                    f"verify:\n  - {json.dumps(CHECK)}\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text(SPEC_TEXT, encoding="utf-8")
    return str(path)


def argv(recipe: str, spec: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "twostep", "run", recipe, "--spec", spec, "--yes",
            "--strategy", "medium", *extra]


def on_pipe(args: list[str], repo: Path, env: dict) -> tuple[int, str]:
    done = subprocess.run(args, cwd=repo, env=env, capture_output=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    return done.returncode, done.stderr.decode("utf-8", "replace")


def on_terminal(args: list[str], repo: Path, env: dict) -> tuple[int, str]:
    """stderr (and stdout: the run prints none) as a terminal shows it: `script` gives the run a
    pseudo-terminal; what a carriage return overwrites is gone from the screen."""
    colour = {k: v for k, v in env.items() if k != "NO_COLOR"}
    done = subprocess.run(["script", "-qec", shlex.join(args), "/dev/null"], cwd=repo,
                          env={**colour, "TERM": "xterm"}, capture_output=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    raw = done.stdout.decode("utf-8", "replace")
    return done.returncode, "\n".join(_ANSI.sub("", ln.split("\r")[-1])
                                      for ln in raw.replace("\r\n", "\n").split("\n")).strip()


def summary(screen: str) -> tuple[list[tuple[str, float]], float]:
    """The summary table's rows (label, seconds) and its total."""
    lines = screen.splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.split()[:3] == ["time", "tokens", "in"])
    rows = []
    for line in lines[head + 1:]:
        found = re.match(r"\s*(\S.*?)\s+(\d+\.\d) s", line)
        if not found:
            break
        rows.append((found.group(1), float(found.group(2))))
        if found.group(1) == "total":
            break
    *parts, (label, total) = rows
    assert label == "total", rows
    return parts, total


def check_story(screen: str) -> None:
    lines = screen.splitlines()
    assert len(lines) <= BUDGET, f"{len(lines)} lines:\n{screen}"
    assert not [ln for ln in lines if "✓" in ln and ("verify-" in ln or "fix-round" in ln)]
    for number, path in enumerate(TASK_FILES, 1):
        task = next(ln for ln in lines if f"task {number} of 3" in ln)
        assert path in task and re.search(r"\+\d+ -\d+", task), task
    rows, total = summary(screen)
    assert [label for label, _ in rows if label.startswith("task ")] == \
        ["task 1", "task 2", "task 3"], rows
    assert abs(sum(s for _, s in rows) - total) <= 0.05 * len(rows) + 0.05, (rows, total)
    assert "result: ok (exit 0)" in screen


def test_a_3_task_run_tells_its_story_in_30_lines_on_a_terminal(
        repo, recipe, spec, env, fake_api):
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"sessions": sessions()})
    code, screen = on_terminal(argv(recipe, spec), repo, env)
    print(screen)  # what a person sees (pytest -s shows it)
    assert code == 0, screen
    check_story(screen)
    assert "⠋" not in screen  # the spinner left no line behind


def test_a_3_task_run_tells_its_story_in_30_lines_on_a_pipe(
        repo, recipe, spec, env, fake_api):
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"sessions": sessions()})
    code, screen = on_pipe(argv(recipe, spec), repo, env)
    print(screen)
    assert code == 0, screen
    assert "\r" not in screen and "\x1b" not in screen  # no animation, no colour
    check_story(screen)


def test_a_failing_verify_is_shown_once_and_never_ticked(repo, recipe, spec, env, fake_api):
    """With -v every step has its line: the failing verify's is ✗, not ✓."""
    fix = [{"tool": "Edit", "path": INIT, "old": BAD_EXPORT.strip(), "new": GOOD_EXPORT.strip()}]
    fake_api.configure(gemini={"plan": PLAN},
                       anthropic={"sessions": sessions(BAD_EXPORT, fix=fix)})
    code, screen = on_terminal(argv(recipe, spec, "-v"), repo, env)
    assert code == 0, screen
    lines = screen.splitlines()
    assert not [ln for ln in lines if "✓" in ln and "verify-1" in ln], screen
    assert [ln for ln in lines if "✗" in ln and "verify-1" in ln], screen
    failed = [ln for ln in lines if ln.lstrip().startswith("twostep: ✗ python -c")]
    assert len(failed) == 1, screen
    assert screen.count("AttributeError") == 1, screen  # the failure's last lines, once
    assert "fix round 1 of 2" in screen and "fix-1" in screen and "fix-round-1" in screen
    assert "verify: passed after 1 fix round" in screen
    rows, total = summary(screen)
    assert "fix round 1" in [label for label, _ in rows], rows
    assert abs(sum(s for _, s in rows) - total) <= 0.05 * len(rows) + 0.05, (rows, total)

