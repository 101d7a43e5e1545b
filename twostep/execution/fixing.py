"""Fix rounds after a failing verify: bounded, and stopped early when they stop converging.

Round 0 is the verify after the last task. When it fails and rounds are left, a fresh executor
session gets the plan, the diff so far, the failing command and the tail of its output; the
next round verifies again. A round that leaves the same failure fingerprint as the one before,
or whose session changed nothing, ends the loop: more rounds would not help.

A verify that still fails does not end the run here: the validate gate still shows it and asks
whether to keep the changes, then the run exits 10 (`still_failing`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

from twostep import atomic
from twostep.errors import VerifyFailed
from twostep.execution import progress
from twostep.log import LOG
from twostep.runs import checkpoint
from twostep.tasks import fingerprint, tail

TAIL_LINES = 200
PASSED, AGAIN, FAILED = "passed", "again", "failed"


def _failure(run_dir: Path, number: int, verify: tuple[tuple[str, ...], ...]
             ) -> tuple[tuple[str, ...], str] | None:
    failed = int((run_dir / f"verify-{number}.failed").read_text().strip() or 0)
    if failed == 0:
        return None
    output = (run_dir / f"verify-{number}.out").read_text(encoding="utf-8", errors="replace")
    return verify[failed - 1], output


def fix_round(repo: Path, run_dir: Path, number: int, rounds: int,
              verify: tuple[tuple[str, ...], ...], plan_text: str, *,
              ready: Callable[[], None] = lambda: None) -> str:
    """Judge round `number`'s verify; write the next fix session's input or stop. `ready`
    runs before a session is due (it may refuse: the session's key is missing)."""
    status_file = run_dir / f"fix-{number}.status"
    failure = _failure(run_dir, number, verify)
    record: dict = {"round": number, "passed": failure is None}
    if number > 0:
        before = checkpoint.lookup(repo, progress.ref(run_dir, f"fix-{number - 1}"))
        record["changed"] = checkpoint.changed_since(repo, before) if before else []
    if failure is None:
        progress.add_round(run_dir, record)
        atomic.write_text(status_file, PASSED + "\n")
        after = f" after {number} fix round(s)" if number else ""
        LOG.info(f"verify: all {len(verify)} command(s) passed{after}")
        return PASSED
    argv, output = failure
    record |= {"command": list(argv), "fingerprint": fingerprint(argv, output)}
    shown = tail(output, 30)
    LOG.warn(f"verify failed: {shlex.join(argv)}\n{shown}")
    stop = _stop_reason(run_dir, number, rounds, record)
    if stop:
        record["stopped"] = stop
        progress.add_round(run_dir, record)
        atomic.write_text(status_file, FAILED + "\n")
        LOG.warn(f"verify failed: {shlex.join(argv)}; {stop}")
        return FAILED
    ready()
    commit = checkpoint.snapshot(repo, parent=progress.base(repo, run_dir),
                                 message=f"twostep {progress.run_id(run_dir)}: fix-{number}")
    checkpoint.save(repo, progress.ref(run_dir, f"fix-{number}"), commit)
    text = fix_input(repo, run_dir, argv, output, plan_text)
    atomic.write_text(run_dir / f"fix-{number}.md", text)
    record["input_chars"] = len(text)
    progress.add_round(run_dir, record)
    atomic.write_text(status_file, AGAIN + "\n")
    LOG.info(f"fix round {number + 1} of {rounds}: a fresh executor session gets the failure")
    return AGAIN


def still_failing(run_dir: Path, recorded: list[dict] | None = None) -> VerifyFailed | None:
    """The error a run ends with when its fix rounds left verify failing: the last round
    recorded (`recorded`, else read from the run) is this attempt's verdict (None when it
    passed, or the recipe has no checks)."""
    recorded = progress.rounds(run_dir) if recorded is None else recorded
    last = recorded[-1] if recorded else None
    if last is None or last.get("passed"):
        return None
    argv = shlex.join(last.get("command") or ())
    return VerifyFailed(f"verify failed: {argv}; {last.get('stopped', 'no fix round left')}",
                        step="verify", code=10)


def _stop_reason(run_dir: Path, number: int, rounds: int, record: dict) -> str:
    # The latest record of the round before: a resumed run verifies again from round 0.
    previous = next((r for r in reversed(progress.rounds(run_dir))
                     if r.get("round") == number - 1), None)
    if number > 0 and not record.get("changed"):
        return f"stopped early: fix round {number} changed nothing"
    if previous and previous.get("fingerprint") == record["fingerprint"]:
        return (f"stopped early: fix round {number} left the same failure as the round "
                f"before (fingerprint {record['fingerprint']})")
    if number >= rounds:
        return (f"still failing after {rounds} fix round(s)" if rounds
                else "fixing is off (fix_rounds: 0)")
    return ""


def fix_input(repo: Path, run_dir: Path, argv: tuple[str, ...], output: str,
              plan_text: str) -> str:
    diff = progress.diff_since(repo, progress.base(repo, run_dir))
    return "\n".join([
        "# Fix the failing check", "",
        "The plan below was implemented (its changes are in the diff), but this check fails. "
        "Fix the code so that it passes; change nothing unrelated.", "",
        f"Failing command: `{shlex.join(argv)}`", "",
        f"The last {TAIL_LINES} lines of its output:", "", "```", tail(output, TAIL_LINES),
        "```", "", "## The changes so far (git diff)", "", "```diff", diff.rstrip("\n"), "```",
        "", "## The plan", "", plan_text.rstrip("\n"), ""])
