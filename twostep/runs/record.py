"""What the manifest learns as steps complete: pack sizes, secret-scan exclusions, and which
files go to which vendor, recorded just before each model CLI is called (data leaves then,
whether or not the call succeeds)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from twostep.tools import git as gitrepo
from twostep.runs import ledger
from twostep.log import LOG
from twostep.pipeline.runner import StepRecord
from twostep.runs.store import Run
from twostep.pipeline.steps import RunPath
from twostep.pipeline.build import Job

PACKS = ("codebase", "slice", "files")


def plan_name(plan) -> str:
    return f"run:{plan.rel}" if isinstance(plan, RunPath) else str(plan)


def note_packs(run: Run) -> None:
    from twostep.tools.repomix import parse_repomix_summary

    packs = run.manifest.setdefault("packs", {})
    for pack in PACKS:
        log = run.dir / f"{pack}.log"
        if not log.exists() or pack in packs:
            continue
        summary = parse_repomix_summary(log.read_text(errors="replace"))
        packs[pack] = {"tokens": summary.total_tokens, "files": summary.total_files,
                       "chars": summary.total_chars,
                       "excluded_by_security_check": list(summary.suspicious)}
        LOG.info(f"{pack} pack: {summary.total_tokens:,} tokens, {summary.total_files:,} files "
                 f"(repomix's count)")
        for path in summary.suspicious:
            LOG.warn(f"repomix's secret scan excluded {path} from the {pack} pack")


def note_sent(run: Run, repo: Path, job: Job, role: str) -> None:
    strategy = run.manifest.get("strategy")
    packs = run.manifest.get("packs", {})
    if role == "planner":
        agent, pack = job.recipe.planner, "slice" if strategy == "large" else "codebase"
        listing, extra = run.dir / f"{pack}.files", ["spec.md", "planner prompt"]
    else:
        agent = job.recipe.executor
        pack = "codebase" if strategy == "small" else "files"
        listing = run.dir / ("codebase.files" if pack == "codebase" else "plan-files.txt")
        extra = [plan_name(job.plan_path), "executor prompt"]
    excluded = packs.get(pack, {}).get("excluded_by_security_check", [])
    sent = run.manifest.setdefault("sent", [])
    same = next((e for e in sent if e.get("listing") == listing.name), None)
    sent.append(ledger.entry(repo, run.dir, agent.cli, agent.model, role, listing, excluded, extra,
                             reuse=same))


def recorder(run: Run, repo: Path, job: Job) -> Callable[[StepRecord], None]:
    """The runner's on_step hook: append the step to the manifest, then learn from it."""
    def on_step(step: StepRecord) -> None:
        run.manifest.setdefault("steps", []).append(step.__dict__)
        if step.exit_code == 0:
            done = run.manifest.setdefault("done", [])
            if step.name not in done:
                done.append(step.name)
            if step.name.endswith("-cache") or step.name == "files-pack":
                note_packs(run)
            elif step.name in ("planner-fit", "executor-fit"):
                note_sent(run, repo, job, step.name.split("-")[0])
            elif step.name == "accept-plan":
                run.manifest["plan_head"] = gitrepo.head(repo)
        run.save()
    return on_step
