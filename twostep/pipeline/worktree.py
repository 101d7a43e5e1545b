"""`--worktree`: the run happens in a git worktree on a new branch, created from HEAD inside
the run directory (`.twostep/runs/<id>/worktree`, which git ignores), so the user's work tree,
index and HEAD are untouched and may be dirty. On success the executor's changes are committed
on the branch (not the plan, not .twostep/), the worktree is removed and the branch stays;
`--pr` then pushes it and opens a pull request with `gh pr create`, the plan as its body.

Every git and gh call is a step (steps.py), so the dry-run script shows exactly these commands:
`setup` runs in the repository, `finish` in the worktree, `teardown` in the repository again.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from twostep.core.render import Isolation
from twostep.core.steps import Pipe, Step, WriteText
from twostep.core.values import Arg, Command, RunPath
from twostep.pipeline.job import Job
from twostep.runs import store

WORKTREE = RunPath(store.WORKTREE_DIR)
MESSAGE = RunPath("commit-message.txt")
PR_URL = RunPath("pr-url.txt")


def default_branch(run_id: str) -> str:
    return f"twostep/{run_id}"


def subject(job: Job, plan_text: str | None) -> str:
    """The commit's first line: the spec's first line (the plan's, for `execute`)."""
    text = job.spec_text
    if text is None and job.spec_path:
        text = Path(job.spec_path).read_text(encoding="utf-8", errors="replace")
    if text is None:
        text = plan_text or ""
    line = next((ln.strip().lstrip("#").strip() for ln in text.splitlines() if ln.strip()), "")
    return (line or "twostep: apply the plan")[:72]


def message(job: Job, branch: str, run_id: str, plan_name: str, plan_text: str | None) -> str:
    return (f"{subject(job, plan_text)}\n\nMade by twostep run {run_id} on branch {branch}, "
            f"executing the plan {plan_name} (recipe {job.recipe.name}).\n"
            f"The run's plan, packs and logs: .twostep/runs/{run_id}/\n")


def _git(*args: Arg, name: str, title: str = "") -> Pipe:
    return Pipe(name, title, (Command(("git", *args)),))


def plan(job: Job, branch: str, commit_message: str, *, pr: bool) -> Isolation:
    """The steps that isolate a run on `branch` (the phases run inside WORKTREE)."""
    setup = (_git("worktree", "add", "-q", "-b", branch, WORKTREE, "HEAD", name="worktree-add",
                  title=f"a worktree on the new branch {branch}, from HEAD (your tree, index "
                        f"and HEAD stay as they are)"),)
    keep_out = [f":(exclude){job.plan_path}"] if isinstance(job.plan_path, str) \
        and not Path(job.plan_path).is_absolute() else []
    finish: tuple[Step, ...] = (
        WriteText("commit-message", MESSAGE, commit_message, title="the commit message"),
        Pipe("commit-add", "stage the executor's changes (not the plan; .twostep/ ignores itself)",
             (Command(("git", "add", "-A", "--", ".", *keep_out)),)),
        Pipe("commit", f"commit them on {branch}",
             (Command(("git", "commit", "-q", "--no-verify", "-F", MESSAGE)),)),
    )
    if pr:
        # The run directory keeps the accepted plan; a plan given to execute is absolute here.
        body: Arg = job.plan_path if isinstance(job.plan_path, str) and \
            Path(job.plan_path).is_absolute() else RunPath("plan.md")
        finish += (
            Pipe("push", f"push {branch}", (Command(("git", "push", "-q", "-u", "origin",
                                                       branch)),)),
            Pipe("pr", "open a pull request, the plan as its body (gh prints its URL)",
                 (Command(("gh", "pr", "create", "--head", branch, "--title",
                           commit_message.splitlines()[0], "--body-file", body)),),
                 stdout=PR_URL),
        )
    teardown = (_git("worktree", "remove", "--force", WORKTREE, name="worktree-remove",
                     title=f"remove the worktree; the branch {branch} stays"),)
    return Isolation(setup, WORKTREE, finish, teardown)


def gh_problem() -> str | None:
    """Why `gh pr create` cannot work here, or None."""
    if shutil.which("gh") is None:
        return "gh (the GitHub CLI) is not installed: https://cli.github.com"
    try:
        proc = subprocess.run(["gh", "auth", "status"], capture_output=True, timeout=30,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "`gh auth status` did not answer"
    if proc.returncode != 0:
        return "gh is not authenticated: run `gh auth login` (or set GH_TOKEN)"
    return None
