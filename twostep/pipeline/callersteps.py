"""The executor's read-only context (medium and large strategies): the callers of what the plan
changes, found by `twostep callers` (rg over the tracked selection), packed apart from the
planned files under a header that says they are for reading, then joined after them."""

from __future__ import annotations

from twostep.core.steps import IfNonEmpty, Learns, Pipe, Step, twostep
from twostep.core.values import Command, RunPath
from twostep.pipeline import packstep
from twostep.pipeline.job import Job

HEADER = ("READ-ONLY CONTEXT: the files below are not in the plan. They use symbols the plan "
          "changes; read them to keep them working, and change them only if the plan says so.")


class Paths:
    """The run files of one task's executor input with callers (stem "task-N-"); its listing
    matches task-*.files, so the ledger's union counts it."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.callers = RunPath(f"{stem}callers.files")
        self.pack, self.log = RunPath(f"{stem}callers.xml"), RunPath(f"{stem}callers.log")
        #: The planned files' pack and the callers' pack, joined: what the executor gets.
        self.input = RunPath(f"{stem}executor-input.xml")
        self.sent = RunPath(f"{stem}executor.files")


def steps(job: Job, planned: RunPath, planned_pack: RunPath, planned_log: RunPath,
          paths: Paths) -> tuple[Step, ...]:
    source = job.recipe.stage_args
    stem = paths.stem
    pack = Pipe(f"{stem}callers-pack", "", (Command(
        packstep.repomix("--stdin", "--no-git-sort-by-changes", "--style", "xml", "--header-text",
                         HEADER, "-o", paths.pack)),), stdin=(paths.callers,), stdout=paths.log)
    return (
        twostep("callers", job.plan_path, *source, "--files", planned, "--pack-log", planned_log,
                name=f"{stem}callers", stdout=paths.callers,
                title="the files that use a symbol the plan changes (rg -w), ranked and cut to "
                      "the executor's budget: read-only context, apart from the planned files"),
        IfNonEmpty(f"{stem}callers-pack", paths.callers, otherwise=paths.pack, then=pack,
                   learns=Learns.PACK,
                   title="pack them, marked read-only (none found: nothing to pack)"),
        Pipe(f"{stem}executor-input", "the planned files, then the read-only callers",
             (Command(("cat", "--", planned_pack, paths.pack)),), stdout=paths.input),
        Pipe(f"{stem}executor-files", "every file whose text the executor gets (the ledger's "
             "list)", (Command(("cat", "--", planned, paths.callers)),), stdout=paths.sent),
    )
