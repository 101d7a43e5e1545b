"""Secrets never reach logs, error messages or manifests."""

from __future__ import annotations

from pathlib import Path

from twostep.core.steps import Pipe
from twostep.core.values import Command, RunPath
from twostep.pipeline.runner import Runner
from twostep.redact import redact


def test_redact_replaces_secret_values_only():
    env = {"GEMINI_API_KEY": "AIzaSECRET123", "ANTHROPIC_API_KEY": "sk-ant-xyz789", "HOME": "/root",
           "SHORT_TOKEN": "x"}
    text = "key=AIzaSECRET123 other=sk-ant-xyz789 home=/root x"
    assert redact(text, env) == "key=*** other=*** home=/root x"


def test_cli_stderr_logs_are_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaLEAKED-456")
    step = Pipe("t", "", (Command(("sh", "-c", 'echo "bad key $GEMINI_API_KEY" >&2; exit 3'),
                                  stderr=RunPath("cli.log")),))
    runner = Runner(tmp_path, tmp_path)
    try:
        runner.pipe(step)
    except Exception as exc:  # the step fails on purpose
        assert "AIzaLEAKED-456" not in str(exc) and "bad key ***" in str(exc)
    assert Path(tmp_path, "cli.log").read_text() == "bad key ***\n"
