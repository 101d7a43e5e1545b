"""The review gate: proceed, edit in $EDITOR, abort; never hangs without a terminal; one key
answers on a terminal; the question carries the run's estimated cost."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import time

import pytest

from tests.support.helpers import ROOT, calls, example_repo, standin_env
from twostep.errors import NotConfirmed
from twostep.pipeline.gate import estimated, pack_listing, review
from twostep.recipe import load as recipes


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


def test_gate_on_a_real_terminal(tmp_path):
    """`twostep run` without --yes asks on the terminal (a pty from util-linux `script`)."""
    if shutil.which("script") is None:
        pytest.skip("util-linux `script` is not installed")
    repo = example_repo(tmp_path / "repo")
    env = standin_env(tmp_path)
    cmd = (f"{sys.executable} -m twostep run {ROOT}/scripts/example/recipe.yaml "
           f"--spec {ROOT}/scripts/example/SPEC.md")
    proc = subprocess.Popen(["script", "-qec", cmd, "/dev/null"], cwd=repo, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and [c["tool"] for c in calls(env)] != ["gemini"]:
        time.sleep(0.1)
    time.sleep(1.5)
    out, _ = proc.communicate(b"a", timeout=60)  # one key, no Enter
    assert proc.returncode == 12, out.decode(errors="replace")
    assert b"This run is estimated at $" in out and b"; proceed? [y]es" in out
    assert b"aborted at the review gate" in out
    assert [c["tool"] for c in calls(env)] == ["gemini"] and (repo / "AI-PLAN.md").exists()


def test_view_shows_the_whole_plan_in_the_pager(tmp_path, monkeypatch):
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("".join(f"line {i}\n" for i in range(40)))
    pager = tmp_path / "pager.py"
    seen = tmp_path / "seen.txt"
    pager.write_text(f"import sys, shutil\nshutil.copy(sys.argv[1], {str(seen)!r})\n")
    monkeypatch.setenv("PAGER", f"{sys.executable} {pager}")
    out = io.StringIO()
    review(plan, ask=_answers("v", "y"), out=out, interactive=True)
    assert seen.read_text() == plan.read_text()  # all 40 lines, not the 12-line summary
    assert "[v] shows them all" in out.getvalue()


def test_files_lists_what_the_executor_will_be_sent(tmp_path):
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("# plan\n")
    out = io.StringIO()
    sends = lambda: ("the executor gets the plan and the files it names", ["a.py", "b/c.py"])  # noqa: E731
    review(plan, ask=_answers("f", "y"), out=out, interactive=True, sends=sends)
    assert "(2 file(s)):\n  a.py\n  b/c.py\n" in out.getvalue()


def test_pack_listing_reads_the_nul_separated_listing(tmp_path):
    listing = tmp_path / "codebase.files"
    listing.write_bytes(b"a.py\0dir/b.py\0")
    assert pack_listing(listing)()[1] == ["a.py", "dir/b.py"]


def test_the_question_carries_the_estimated_cost(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n" * 400)
    plan = tmp_path / "AI-PLAN.md"
    plan.write_text("# Plan\n\n## Step 1: one\nEdit a.py.\n\n## Step 2: two\nEdit a.py.\n")
    words = estimated(plan, recipes.load("python"), tmp_path, lambda: ("", ["a.py"]), 0.25)
    assert words[0].startswith("This run is estimated at $") and words[0].endswith("proceed?")
    assert "$0.25 spent so far; 2 task(s), up to 2 fix round(s)" in words[0]
    asked = []
    out = io.StringIO()
    review(plan, ask=lambda q: asked.append(q) or "y", out=out, interactive=True, estimate=words)
    assert asked == [f"{words[0]} [y]es / [v]iew it / [f]iles sent / [e]dit / [a]bort: "]
    assert "the built-in price table" in out.getvalue()
