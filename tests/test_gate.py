"""The review gate: proceed, edit in $EDITOR, abort; never hangs without a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from twostep.errors import NotConfirmed
from twostep.gate import review


def _answers(*values):
    it = iter(values)
    return lambda prompt: next(it)


def test_proceed(tmp_path):
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("# plan\n")
    out = io.StringIO()
    review(plan, ask=_answers("y"), out=out, interactive=True)
    assert "Plan" in out.getvalue() and "# plan" in out.getvalue()


def test_abort_keeps_the_plan(tmp_path):
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("# plan\n")
    with pytest.raises(NotConfirmed, match="aborted"):
        review(plan, ask=_answers("what", "a"), out=io.StringIO(), interactive=True)
    assert plan.read_text() == "# plan\n"


def test_edit_runs_the_editor_then_asks_again(tmp_path, monkeypatch):
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("# plan\n")
    editor = tmp_path / "ed.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'a').write('edited by me\\n')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    out = io.StringIO()
    review(plan, ask=_answers("e", "y"), out=out, interactive=True)
    assert plan.read_text() == "# plan\nedited by me\n" and "edited by me" in out.getvalue()


def test_no_terminal_stops_at_once_naming_yes(tmp_path):
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("# plan\n")
    with pytest.raises(NotConfirmed) as info:
        review(plan, interactive=False)
    assert "--yes" in info.value.hint


def test_end_of_input_aborts(tmp_path):
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("# plan\n")

    def eof(prompt):
        raise EOFError
    with pytest.raises(NotConfirmed):
        review(plan, ask=eof, out=io.StringIO(), interactive=True)
