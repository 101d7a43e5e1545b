"""Fix rounds after a failing verify: bounded, and stopped early when they stop converging.

Round 1 is the verify after the last task. When it fails and rounds are left, fix round 1 (a
fresh executor session) gets the plan, the diff so far, the failing command and the tail of its
output; round 2 verifies again, and so on. A round that leaves the same failure fingerprint as
the one before, or whose session changed nothing, ends the loop: more rounds would not help.

A verify that still fails does not end the run here: the validate gate still shows it and asks
whether to keep the changes, then the run exits 10 (`still_failing`).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twostep import atomic
from twostep.core.render import word
from twostep.errors import VerifyFailed
from twostep.execution import progress
from twostep.log import LOG
from twostep.runs import checkpoint
from twostep.tasks import fingerprint, tail

TAIL_LINES = 200
#: The lines of a failing command's output shown on the screen (its whole output is a file).
SHOWN_LINES = 10
PASSED, AGAIN, FAILED = "passed", "again", "failed"


def _failed(run_dir: Path, number: int) -> int:
    """The 1-based index of the command that failed in round `number` (0: none failed)."""
    return int((run_dir / f"verify-{number}.failed").read_text().strip() or 0)


def _failure(run_dir: Path, number: int, verify: tuple[tuple[str, ...], ...]
             ) -> tuple[tuple[str, ...], str] | None:
    failed = _failed(run_dir, number)
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
    record: dict = {"round": number, "passed": failure is None,
                    "commands": show(run_dir, number, verify, failure)}
    if number > 1:
        before = checkpoint.lookup(repo, progress.ref(run_dir, f"fix-{number - 1}"))
        record["changed"] = checkpoint.changed_since(repo, before) if before else []
    if failure is None:
        progress.add_round(run_dir, record)
        atomic.write_text(status_file, PASSED + "\n")
        after = f" after {number - 1} fix round(s)" if number > 1 else ""
        LOG.detail(f"verify: all {len(verify)} command(s) passed{after}")
        return PASSED
    argv, output = failure
    record |= {"command": list(argv), "fingerprint": fingerprint(argv, output)}
    stop = _stop_reason(run_dir, number, rounds, record)
    if stop:
        record["stopped"] = stop
        progress.add_round(run_dir, record)
        atomic.write_text(status_file, FAILED + "\n")
        LOG.detail(f"verify failed: {shlex.join(argv)}; {stop}")  # validate says it next
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
    LOG.info(f"fix round {number} of {rounds}: a fresh executor session gets the failure")
    return AGAIN


def _timings(run_dir: Path, number: int) -> list[dict[str, Any]]:
    """Each command's seconds and exit code, as the runner measured them (the dry-run's bash
    does not measure them: [])."""
    path = run_dir / f"verify-{number}.json"
    try:
        return list(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []


def show(run_dir: Path, number: int, verify: tuple[tuple[str, ...], ...],
         failure: tuple[tuple[str, ...], str] | None) -> list[dict[str, Any]]:
    """A line per command run (✓, or ✗ with the last lines of its output); returns each
    command's argv, exit code and seconds for the round's record."""
    timings, done = _timings(run_dir, number), []
    ran = len(verify) if failure is None else _failed(run_dir, number)
    for index, argv in enumerate(verify[:ran]):
        took = timings[index] if index < len(timings) else {}
        code = took.get("exit_code", 1 if failure and index == ran - 1 else 0)
        done.append({"argv": list(argv), "exit_code": code, "seconds": took.get("seconds")})
        words = [f"exit {code}"] if code else []
        words += [f"{took['seconds']:.1f} s"] if "seconds" in took else []
        line = _short(" ".join(map(word, argv))) + (f" ({', '.join(words)})" if words else "")
        if code and failure:
            shown = "\n".join(f"    {ln}" for ln in tail(failure[1], SHOWN_LINES).splitlines())
            LOG.info(f"{LOG.paint('✗', '31')} {line}\n{shown}")
        else:
            LOG.info(f"{LOG.paint('✓', '32')} {line}")
    return done


def _short(text: str, most: int = 72) -> str:
    return text if len(text) <= most else text[:most - 1] + "…"


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
    # The latest record of the round before: a resumed run verifies again from round 1.
    previous = next((r for r in reversed(progress.rounds(run_dir))
                     if r.get("round") == number - 1), None)
    if number > 1 and not record.get("changed"):
        return f"stopped early: fix round {number - 1} changed nothing"
    if previous and previous.get("fingerprint") == record["fingerprint"]:
        return (f"stopped early: fix round {number - 1} left the same failure as the round "
                f"before (fingerprint {record['fingerprint']})")
    if number > rounds:
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
