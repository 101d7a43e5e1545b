"""The executor's read-only context (medium and large strategies): the callers of what the plan
changes, found by `twostep callers` (rg over the tracked selection), packed apart from the
planned files under a header that says they are for reading, then joined after them."""

from __future__ import annotations

from twostep.core.steps import IfNonEmpty, Learns, Pipe, Step, twostep
from twostep.core.values import Command, RunPath
from twostep.pipeline import packstep
from twostep.pipeline.job import Job
from twostep.pipeline.modelcall import Sent

HEADER = ("READ-ONLY CONTEXT: the files below are not in the plan. They use symbols the plan "
          "changes; read them to keep them working, and change them only if the plan says so.")


def steps(job: Job, stem: str, planned: RunPath, planned_pack: RunPath,
          planned_log: RunPath) -> tuple[tuple[Step, ...], Sent]:
    """The steps, and the executor's input they make: the planned files' pack, then the
    callers' (`stem`: "task-N-"; the listing matches task-*.files, which the ledger counts)."""
    callers, pack, log = (RunPath(f"{stem}callers.{ext}") for ext in ("files", "xml", "log"))
    joined = RunPath(f"{stem}executor-input.xml")
    repomix = Pipe(f"{stem}callers-pack", "", (Command(
        packstep.repomix("--stdin", "--no-git-sort-by-changes", "--style", "xml", "--header-text",
                         HEADER, "-o", pack)),), stdin=(callers,), stdout=log)
    return (
        twostep("callers", job.plan_path, *job.recipe.stage_args, "--files", planned,
                "--pack-log", planned_log, name=f"{stem}callers", stdout=callers,
                title="the files that use a symbol the plan changes (rg -w), ranked and cut to "
                      "the executor's budget: read-only context, apart from the planned files"),
        IfNonEmpty(f"{stem}callers-pack", callers, otherwise=pack, then=repomix,
                   learns=Learns.PACK,
                   title="pack them, marked read-only (none found: nothing to pack)"),
        Pipe(f"{stem}executor-input", "the planned files, then the read-only callers",
             (Command(("cat", "--", planned_pack, pack)),), stdout=joined),
        Pipe(f"{stem}executor-files", "every file whose text the executor gets (the ledger's "
             "list)", (Command(("cat", "--", planned, callers)),),
             stdout=RunPath(f"{stem}executor.files")),
    ), Sent((joined,), (planned_log, log), (planned_pack, pack))
