"""The README's first command: the main job on the built-in example."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.helpers import ROOT, git

pytestmark = pytest.mark.realcli


def _demo(tmp_path, *args, **env):
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("GEMINI_", "GOOGLE_", "ANTHROPIC_", "CLAUDE_", "OPENAI_",
                                  "CODEX_"))}
    return subprocess.run([str(ROOT / "scripts" / "demo"), *args], capture_output=True, timeout=300,
                          env={**clean, "HOME": str(tmp_path), "DEMO_DIR": str(tmp_path / "demo"),
                               **env})


def test_demo_without_keys_explains_and_shows_dry_run_and_measurement(tmp_path):
    result = _demo(tmp_path)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert "GEMINI_API_KEY" in err and "ANTHROPIC_API_KEY" in err
    assert "codex" not in err and "OPENAI" not in err  # the demo does not call it
    assert "tokens" in out and "strategy small" in out          # the measurement
    assert "#!/usr/bin/env bash" in out and "set -euo pipefail" in out  # the dry-run
    assert git(tmp_path / "demo", "status", "--porcelain", "--ignored") == ""


def test_demo_offline_runs_the_whole_job(tmp_path):
    result = _demo(tmp_path, "--offline")
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "twostep: ✓ " in err  # the verify command passed
    assert "--top" in (tmp_path / "demo" / "wordfreq" / "cli.py").read_text()
    assert (tmp_path / "demo" / "tests" / "test_top.py").exists()
