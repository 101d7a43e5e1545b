"""The validate gate, the human's last step: what changed, did the checks pass, what changed
outside the plan; then keep, roll back, or read the diff in $PAGER.

`--yes` keeps. Without a terminal it keeps too, and says how to roll back: a script must not
hang, and throwing away work nobody looked at is worse than keeping it. When the fix rounds left
verify failing, the gate shows that and asks all the same (the human may want the partial work);
the run then ends with exit 10 whatever was kept.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from twostep.errors import NotConfirmed
from twostep.execution import progress
from twostep.execution.fixing import still_failing
from twostep.execution.rollback import rollback
from twostep.execution.taskwork import save_checkpoint
from twostep.log import LOG
from twostep.tools import git as gitrepo


def summary(repo: Path, run_dir: Path, end: str, *, brief: bool = False) -> str:
    """The diffstat and what the checks and tasks came to; `brief`: what the screen has not
    told already (a passing verify and the tasks had their own lines)."""
    base = progress.base(repo, run_dir)
    stat = gitrepo.git("diff", "--stat", "--no-color", base, end, cwd=repo,
                       check=False).decode("utf-8", "replace") if base else ""
    rounds = progress.rounds(run_dir)
    failure = still_failing(run_dir, rounds)
    if failure:
        checks = f"{failure}; if kept, the run ends with exit 10"
    elif not rounds:
        checks = "verify: no checks in the recipe"
    else:
        fixes = len(rounds) - 1
        checks = "verify: passed" + (f" after {fixes} fix round(s)" if fixes else "")
    results = progress.task_results(run_dir)
    unplanned = sorted({p for r in results for p in r.get("unplanned", [])})
    missing = sorted({p for r in results for p in r.get("missing", [])})
    lines = [f"changes of run {progress.run_id(run_dir)}:", stat.rstrip() or "  (none)"]
    lines += [] if brief and not failure and len(rounds) < 2 else [checks]
    if results and not brief:
        lines.append(f"tasks: {len(results)} done")
    if unplanned:
        lines.append(f"changed outside the plan: {', '.join(unplanned)}")
    if missing:
        lines.append(f"planned but unchanged: {', '.join(missing)}")
    return "\n".join(lines)


def validate(repo: Path, run_dir: Path, *, yes: bool, ask: Callable[[str], str] | None = None,
             interactive: bool | None = None) -> str:
    """Keep (returned) or roll back (NotConfirmed); a kept verify failure raises VerifyFailed."""
    kept = _decide(repo, run_dir, yes=yes, ask=ask, interactive=interactive)
    failure = still_failing(run_dir)
    if failure:
        failure.hint = (f"the changes are kept: fix them, then `twostep resume` runs verify "
                        f"again; `twostep rollback {progress.run_id(run_dir)}` undoes them")
        raise failure
    return kept


def _decide(repo: Path, run_dir: Path, *, yes: bool, ask: Callable[[str], str] | None,
            interactive: bool | None) -> str:
    end = save_checkpoint(repo, run_dir, "end")
    asking = not yes and (sys.stdin.isatty() if interactive is None else interactive)
    if asking or LOG.verbosity >= 1:  # -q: only a question is worth the words
        brief = not asking and LOG.verbosity < 2
        print(summary(repo, run_dir, end, brief=brief), file=sys.stderr)
    how = f"twostep rollback {progress.run_id(run_dir)}"
    if yes:
        LOG.info(f"kept (--yes); to undo: {how}")
        return "keep"
    if not (sys.stdin.isatty() if interactive is None else interactive):
        LOG.info(f"kept (no terminal to ask); to undo: {how}")
        return "keep"
    ask = ask or input
    while True:
        try:
            answer = ask("Keep these changes? [k]eep / [r]oll back / [v]iew diff: ").strip()
        except EOFError:
            answer = "k"
        if answer.lower() in ("k", "keep", "y", "yes", ""):
            LOG.info(f"kept; to undo later: {how}")
            return "keep"
        if answer.lower() in ("r", "rollback", "roll back"):
            rollback(repo, run_dir)
            raise NotConfirmed("rolled back at the validate gate",
                               hint="the plan is kept; `twostep execute` runs it again")
        if answer.lower() in ("v", "view", "d", "diff"):
            _page(repo, progress.base(repo, run_dir), end)


def _page(repo: Path, base: str | None, end: str) -> None:
    if base is None:
        return
    diff = gitrepo.git("diff", "--no-color", base, end, cwd=repo, check=False)
    pager = os.environ.get("PAGER") or "less"
    try:
        subprocess.run(shlex.split(pager), input=diff, check=False)
    except FileNotFoundError:
        sys.stderr.write(diff.decode("utf-8", "replace"))
