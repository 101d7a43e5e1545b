"""A run made by bash of the dry-run script is a run, as `twostep run`'s are.

The script's prologue calls `twostep begin`, which writes the run's manifest as `twostep run`
does; its EXIT trap calls `twostep end` with the script's exit code, which records how the run
ended and learns what its stages left in the run directory: the ledger, the tasks and fix
rounds, the packs, the plan, and which phases finished. `twostep runs`, `resume` and the
`rollback` the script prints then work on it. A phase counts as finished by what it leaves
behind (the accepted plan, every task's checkpoint), since a script records no step by name.
"""

from __future__ import annotations

from pathlib import Path

from twostep.core.recipe import Strategy
from twostep.core.steps import Learns, Phase, PhaseKind, Pipe, twostep
from twostep.core.values import RunPath
from twostep.execution import progress, waves
from twostep.log import LOG
from twostep.pipeline import build, record
from twostep.pipeline.job import Job
from twostep.runs import checkpoint, spend, store
from twostep.tools import git

#: What a finished phase leaves in the run directory (any one of the files).
_LEFT = {PhaseKind.PREPARE: ("repomix.config.json",),
         PhaseKind.PACK: ("planner.json", "plan.md", "tasks.json"),
         PhaseKind.PLAN: ("plan.md",),
         PhaseKind.REVIEW: ("approved-plan.md",)}
_INTERRUPTED = (129, 130, 143)  # SIGHUP, SIGINT, SIGTERM as bash reports them


def begin(repo: Path, run_dir: Path, job: Job, strategy: Strategy, phases: list[str], *,
          allow_dirty: bool, choices: dict, branch: str | None = None) -> store.Run:
    return store.create(
        repo, run_dir=run_dir, recipe_source=job.recipe.source, recipe_name=job.recipe.name,
        strategy=strategy.value, plan=record.plan_name(job.plan_path), phases=phases,
        yes=job.yes, allow_dirty=allow_dirty, choices=choices, branch=branch,
        execute_by=job.recipe.execute_by.value, jobs=job.recipe.jobs)


def steps(job: Job, strategy: Strategy, phases: list[Phase], *, allow_dirty: bool,
          branch: str | None = None) -> tuple[Pipe, Pipe]:
    """The script's `twostep begin` (after its run directory) and the `twostep end` its EXIT
    trap calls with the script's exit code."""
    flags = [*(("--yes",) if job.yes else ()), *(("--allow-dirty",) if allow_dirty else ()),
             *(("--branch", branch) if branch else ())]
    begin_ = twostep("begin", RunPath(""), *job.recipe.stage_args, "--strategy", strategy.value,
                     "--plan", record.plan_name(job.plan_path), "--phases",
                     ",".join(p.name for p in phases), "--execute-by",
                     job.recipe.execute_by.value, "--jobs", str(job.recipe.jobs), *flags,
                     name="begin",
                     title="the script's run is a run: `twostep runs`, `resume` and "
                           "`rollback` know it")
    end_ = twostep("end", RunPath(""), name="end",
                   title="on exit, record how the run ended and what its stages left")
    return begin_, end_


def _tasks_done(repo: Path, run_dir: Path) -> bool:
    if not (run_dir / progress.TASKS).is_file():
        return False
    count = len(progress.tasks(run_dir))
    return all(checkpoint.lookup(repo, progress.ref(run_dir, f"task-{n}"))
               for n in range(1, count + 1))


def _finished(repo: Path, run_dir: Path, phase: Phase) -> bool:
    if phase.kind is PhaseKind.EXECUTE:
        return _tasks_done(repo, run_dir)
    return any((run_dir / name).exists() for name in _LEFT.get(phase.kind, ()))


def end(repo: Path, run_dir: Path, code: int) -> None:
    """Record how the script's run ended; a script without `twostep begin` has no run."""
    run = store.at(run_dir)
    if run is None:
        return
    spend.clear(run_dir)  # the script has ended: none of its calls is running
    waves.clean(repo, run_dir)  # nor its tasks: their worktrees go, as `twostep run`'s do
    m = run.manifest
    job = Job(record.recipe_of(run), None, None, record.plan_from_name(m.plan), m.yes,
              slice=tuple(m.slice_pathspecs))
    phases = [p for p in build.phases(job, Strategy(m.strategy)) if p.name in m.phases]
    done: list[str] = []
    for phase in phases:
        if code and not _finished(repo, run_dir, phase):
            break
        done += [s.name for s in phase.steps]
    m.done = done
    for what in (Learns.PACK, Learns.USAGE, Learns.PROGRESS):
        record.learn(run, repo, job, what)
    if (run_dir / "tiers.json").is_file():
        record.learn(run, repo, job, Learns.TIERS)
    if (run_dir / "plan.md").is_file() and m.plan_head is None:
        m.plan_head = git.head(repo)
    status = "done" if code == 0 else "interrupted" if code in _INTERRUPTED else "failed"
    run.set(status=status, exit_code=code,
            error=None if code == 0 else f"the script stopped with exit code {code}")
    if code:
        LOG.info(f"run {run.id} {status}; `twostep resume {run.id}` continues it")
