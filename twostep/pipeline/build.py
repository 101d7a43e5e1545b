"""Build the Plan → Execute pipeline for a recipe as data (phases of steps).

The same phases are executed by runner.py and rendered to bash by render.py, so `--dry-run`
cannot drift from `run`. What differs between model CLIs comes from their adapters
(twostep/agents/); the steps around each call are the same for every CLI.
"""

from __future__ import annotations

from twostep import agents
from twostep.core.recipe import Strategy
from twostep.core.steps import (
    Cached,
    CopyFile,
    Learns,
    Phase,
    PhaseKind,
    Pipe,
    RemoveTree,
    Step,
    WriteText,
    twostep,
)
from twostep.core.values import Arg, Command, RunPath
from twostep.log import LOG
from twostep.pipeline import modelcall, packstep, taskphase, tiersteps
from twostep.pipeline.job import Job
from twostep.pipeline.packstep import TREE_PACK_FLAGS

SPEC = RunPath("spec.md")
CODEBASE = RunPath("codebase.xml")
SLICE = RunPath("slice.xml")


def prepare_phase(job: Job) -> Phase:
    steps: list[Step] = [packstep.config_step()]
    if job.spec_text is not None:
        steps.append(WriteText("spec", SPEC, job.spec_text, title="the spec, as read from stdin",
                               keep_on_retry=True))
    elif job.spec_path is not None:
        steps.append(CopyFile("spec", job.spec_path, SPEC, title="keep the spec with the run",
                              keep_on_retry=True))
    return Phase(PhaseKind.PREPARE, "run directory and spec", tuple(steps))


def pack_steps(name: str, pathspecs: tuple[str, ...], out: RunPath,
               what: str = "") -> tuple[Step, ...]:
    """`name` names the steps and files (resume knows them by it); `what`, the pack in words."""
    what = what or name
    listing, tree, log = RunPath(f"{name}.files"), RunPath(f"{name}-tree"), RunPath(f"{name}.log")
    steps: tuple[Step, ...] = (
        Pipe(f"{name}-select", f"tracked files the {what} pathspecs select",
             (Command(("git", "ls-files", "-z", "--", *pathspecs)),), stdout=listing),
        twostep("linktree", tree, name=f"{name}-tree", stdin=(listing,),
                title="hard-link exactly those files into a tree (directory-mode repomix is fast)"),
        Pipe(f"{name}-pack", f"pack them with repomix (summary and token count in {name}.log)",
             (Command(packstep.repomix(".", *TREE_PACK_FLAGS, "-o", out), cwd=tree),), stdout=log),
        RemoveTree(f"{name}-clean", tree),
    )
    return (Cached(f"{name}-cache", pathspecs, TREE_PACK_FLAGS, (listing, out, log), steps,
                   title=f"pack the {what} (twostep run reuses an identical earlier pack)",
                   learns=Learns.PACK),)


def pack_phase(job: Job, strategy: Strategy) -> Phase:
    if not strategy.planner_tiers:
        return Phase(PhaseKind.PACK, "pack the codebase",
                     pack_steps("codebase", job.recipe.codebase, CODEBASE))
    if not job.tiers:  # the whole codebase fits the planner (pipeline/plannerview.py)
        return Phase(PhaseKind.PACK, "pack the whole codebase: it fits the planner",
                     pack_steps("slice", job.slice or job.recipe.codebase, SLICE, "codebase"))
    return Phase(PhaseKind.PACK, "the planner's input in tiers: a map of every file, the most "
                 "relevant in full text, the next compressed",
                 tiersteps.steps(job, SPEC, SLICE, TREE_PACK_FLAGS))


def plan_phase(job: Job, strategy: Strategy) -> Phase:
    agent = job.recipe.planner
    pack = SLICE if strategy.planner_tiers else CODEBASE
    if strategy.planner_tiers and job.tiers:  # the map's tokens are estimated, the packs' counted
        sent = modelcall.Sent((SPEC, pack), tiersteps.PACK_LOGS, tiersteps.PACKS)
    else:
        sent = modelcall.Sent((SPEC, pack), (RunPath(f"{pack.rel[:-4]}.log"),))
    call = agents.get(agent.cli).planner_call(agent, SPEC, pack,
                                              modelcall.left("planner", job.recipe))
    return Phase(PhaseKind.PLAN,
                 f"the planner ({agent.cli} {agent.model}) writes "
                 f"{job.plan_path if isinstance(job.plan_path, str) else 'the plan'}",
                 modelcall.planner(agent, job.recipe, call, sent, job.plan_path))


def review_phase(job: Job, strategy: Strategy) -> Phase:
    # [f]iles at the gate lists what the executor will get: the whole pack, or the plan's files.
    pack: tuple[Arg, ...] = ("--pack-list", RunPath("codebase.files")) \
        if strategy.executor_whole else ()
    sends = (*pack, *job.recipe.stage_args, "--run", RunPath(""))
    return Phase(PhaseKind.REVIEW, "proceed, view or edit the plan, see the files sent, or abort", (
        # Not every time: once the plan passed the gate, resume asks again only about a plan
        # that changed since it was approved (approval.reapprove).
        twostep("gate", job.plan_path, *sends, name="gate", interactive=True,
                title="asks on the terminal; pass --yes to skip"),))


def execute_by(job: Job, strategy: Strategy) -> Phase:
    """Task by task, each in a fresh session (pipeline/taskphase.py); `execute_by: plan` is
    the same machinery with the whole plan as its one task."""
    for warning in taskphase.run_verify_warnings(job):
        LOG.warn(warning)
    whole = (CODEBASE, RunPath("codebase.log")) if strategy.executor_whole else None
    return taskphase.execute_phase(job, whole)


def phases(job: Job, strategy: Strategy) -> list[Phase]:
    """Every phase of a full run, in order."""
    out = [prepare_phase(job), pack_phase(job, strategy), plan_phase(job, strategy)]
    if not job.yes:
        out.append(review_phase(job, strategy))
    out += [execute_by(job, strategy), taskphase.verify_phase(job)]
    return [phase for phase in out if phase.steps]
