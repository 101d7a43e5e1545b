"""The executor's read-only context (medium and large strategies): the callers of what the plan
changes, found by `twostep callers` (rg over the tracked selection), packed apart from the
planned files under a header that says they are for reading, then joined after them."""

from __future__ import annotations

from twostep.pipeline.job import Job
from twostep.pipeline.steps import Command, IfNonEmpty, Learns, Pipe, RunPath, Step, twostep

CALLERS = RunPath("callers.files")
PACK, LOG = RunPath("callers.xml"), RunPath("callers.log")
#: The planned files' pack and the callers' pack, joined: what the executor gets with the plan.
INPUT = RunPath("executor-input.xml")
SENT = RunPath("executor.files")
HEADER = ("READ-ONLY CONTEXT: the files below are not in the plan. They use symbols the plan "
          "changes; read them to keep them working, and change them only if the plan says so.")


def steps(job: Job, planned: RunPath, planned_pack: RunPath,
          planned_log: RunPath) -> tuple[Step, ...]:
    source = ("--recipe", job.recipe.source)
    pack = Pipe("callers-pack", "", (Command(
        ("repomix", "--stdin", "--no-git-sort-by-changes", "--style", "xml", "--header-text",
         HEADER, "-o", PACK)),), stdin=(CALLERS,), stdout=LOG)
    return (
        twostep("callers", job.plan_path, *source, "--files", planned, "--pack-log", planned_log,
                name="callers", stdout=CALLERS,
                title="the files that use a symbol the plan changes (rg -w), ranked and cut to "
                      "the executor's budget: read-only context, apart from the planned files"),
        IfNonEmpty("callers-pack", CALLERS, otherwise=PACK, then=pack, learns=Learns.PACK,
                   title="pack them, marked read-only (none found: nothing to pack)"),
        Pipe("executor-input", "the planned files, then the read-only callers",
             (Command(("cat", "--", planned_pack, PACK)),), stdout=INPUT),
        Pipe("executor-files", "every file whose text the executor gets (the ledger's list)",
             (Command(("cat", "--", planned, CALLERS)),), stdout=SENT),
    )


def fit_args() -> tuple[tuple[RunPath, ...], tuple[RunPath, ...]]:
    """(pack logs, packs they count) for the executor's fit."""
    return (RunPath("files.log"), LOG), (RunPath("files.xml"), PACK)
