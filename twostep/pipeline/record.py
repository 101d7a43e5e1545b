"""What the manifest learns as steps complete: pack sizes, secret-scan exclusions, and which
files go to which vendor, recorded just before each model CLI is called (data leaves then,
whether or not the call succeeds). Each step says what it teaches (`steps.Learns`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from twostep import agents
from twostep.core.recipe import ExecuteBy, Recipe, Strategy
from twostep.core.steps import Learns, Step
from twostep.core.values import RunPath
from twostep.execution import approval, progress
from twostep.log import LOG
from twostep.pipeline.job import Job
from twostep.recipe import choose
from twostep.recipe import load as recipes
from twostep.runs import ledger, spend
from twostep.runs.manifest import PackRecord, StepRecord
from twostep.runs.store import Run
from twostep.tools import git as gitrepo
from twostep.tools.repomix import parse_repomix_summary

PACKS = ("codebase", "slice", "full", "compressed", "files", "callers")
#: A pack in words: `slice` is the whole codebase's pack when it fits the large planner whole
#: (the files keep the name so that older runs resume).
WORDS = {"slice": "codebase", "full": "full-text tier", "compressed": "compressed tier"}


def plan_name(plan: str | RunPath) -> str:
    return f"run:{plan.rel}" if isinstance(plan, RunPath) else str(plan)


def plan_from_name(name: str) -> str | RunPath:
    """The plan a manifest names (plan_name's inverse)."""
    return RunPath(name[4:]) if name.startswith("run:") else name


def recipe_of(run: Run, max_cost: float | None = None, jobs: int | None = None) -> Recipe:
    """The run's recipe with its own --planner/--executor/--max-cost/--jobs; a new --max-cost
    replaces the budget, and what the run already spent (its usage records) counts against it;
    a new --jobs replaces the run's."""
    m = run.manifest
    chosen = choose.Choices.from_json(m.choices)
    if max_cost is not None:
        chosen = replace(chosen, max_cost=max_cost)
        m.choices = chosen.to_json()
    if jobs is not None:
        m.jobs = jobs
    return replace(choose.apply(recipes.load(m.recipe_source), chosen),
                   execute_by=ExecuteBy(m.execute_by), jobs=m.jobs)


def note_packs(run: Run) -> None:
    packs = run.manifest.packs
    for pack in PACKS:
        log = run.dir / f"{pack}.log"
        if not log.exists() or pack in packs:
            continue
        summary = parse_repomix_summary(log.read_text(errors="replace"))
        packs[pack] = PackRecord(summary.total_tokens, summary.total_files, summary.total_chars,
                                 list(summary.suspicious))
        what = WORDS.get(pack, pack)
        LOG.info(f"{what} pack: {summary.total_tokens:,} tokens, {summary.total_files:,} files "
                 f"(repomix's count)")
        for path in summary.suspicious:
            LOG.warn(f"repomix's secret scan excluded {path} from the {what} pack")


def note_sent(run: Run, repo: Path, job: Job, role: str) -> None:
    strategy = Strategy(run.manifest.strategy)
    if role == "planner":
        agent, pack = job.recipe.planner, "slice" if strategy.planner_tiers else "codebase"
        listing, extra = run.dir / f"{pack}.files", ["spec.md", "planner prompt"]
    else:
        agent = job.recipe.executor
        pack = "codebase" if strategy.executor_whole else "files"
        listing = run.dir / "codebase.files"
        if pack == "files":
            # Task by task, each session gets its own files: the ledger is their union so far.
            listing = progress.task_listing(run.dir)
            run.manifest.sent = [e for e in run.manifest.sent if e.listing != listing.name]
        extra = [plan_name(job.plan_path), "executor prompt"]
    known = run.manifest.packs.get(pack)
    excluded = known.excluded_by_security_check if known else []
    same = next((e for e in run.manifest.sent if e.listing == listing.name), None)
    run.manifest.sent.append(ledger.entry(repo, run.dir, agent.cli, agents.get(agent.cli).vendor,
                                          agent.model, role, listing, excluded, extra, reuse=same))


def recorder(run: Run, repo: Path, job: Job) -> Callable[[Step, StepRecord], None]:
    """The runner's on_step hook: append the step to the manifest, then learn from it."""
    def on_step(step: Step, record: StepRecord) -> None:
        run.manifest.steps.append(record)
        if record.exit_code == 0:
            run.manifest.mark_done(step.name)
            learn(run, repo, job, step.learns)
        run.save()
    return on_step


def learn(run: Run, repo: Path, job: Job, what: Learns) -> None:
    if Learns.PACK in what:
        note_packs(run)
    if Learns.SENT_TO_PLANNER in what:
        note_sent(run, repo, job, "planner")
    if Learns.SENT_TO_EXECUTOR in what:
        note_sent(run, repo, job, "executor")
    if Learns.PLAN in what:
        run.manifest.plan_head = gitrepo.head(repo)
    if Learns.USAGE in what:
        run.manifest.usage = spend.records(run.dir)
    if Learns.TIERS in what:
        note_tiers(run)
    if Learns.PROGRESS in what:
        run.manifest.tasks = progress.task_results(run.dir)
        run.manifest.fix_rounds = progress.rounds(run.dir)
        approved = run.dir / approval.APPROVED
        run.manifest.approved_plan = approval.digest(approved) if approved.exists() else None


def note_tiers(run: Run) -> None:
    """The large strategy's tiers: the summary and each tier's files (tiers.json has why)."""
    data = json.loads((run.dir / "tiers.json").read_text(encoding="utf-8"))
    run.manifest.tiers = {k: data.get(k) for k in ("summary", "full", "compressed", "left_out",
                                                   "excluded", "stopped", "estimate", "budget")}
    run.manifest.tiers["report"] = "tiers.json"
