"""The execute phase task by task, the verify phase with its fix rounds, and the validate gate.

Each task runs in a fresh executor session given the whole plan, which task it is, the pack of
that task's files (the whole pack in the small strategy) and the diff of the earlier tasks. A
session that changed none of the task's planned files gets one more fresh session; then the run
stops (exit 9). A checkpoint after each task lets `resume` continue from the first unfinished
one. All of it is steps, so the dry-run script loops exactly as the run does.
"""

from __future__ import annotations

from twostep import agents
from twostep.core.recipe import Agent, ExecuteBy
from twostep.core.steps import (
    Checks,
    ForEach,
    IfNonEmpty,
    Learns,
    Phase,
    PhaseKind,
    Pipe,
    Step,
    Until,
    Waves,
    twostep,
    var,
)
from twostep.core.values import Arg, Command, RunPath
from twostep.pipeline import callersteps, modelcall, packstep
from twostep.pipeline.job import Job

RUN = RunPath("")
TASK, TRY, ROUND = var("task"), var("try"), var("round")
#: Sessions per task: the first, and one fresh retry when it changed none of its planned files.
ATTEMPTS = 2


def run_verify_warnings(job: Job) -> list[str]:
    """A warning for each verify command the executor was to run itself (its CLI's
    `run_verify`) but cannot be allowed to."""
    agent = job.recipe.executor
    return list(agents.get(agent.cli).allow_verify(agent, job.recipe.verify)[1])


def executor_agent(job: Job) -> Agent:
    """The executor, allowed to run exactly the verify commands when the recipe says so (how:
    its adapter's allow_verify)."""
    agent = job.recipe.executor
    return agents.get(agent.cli).allow_verify(agent, job.recipe.verify)[0]


def _session(job: Job, sent: modelcall.Sent, call_name: str, stem: str, title: str,
             proof: tuple[Arg, ...] = (), scope: str = "") -> tuple[Step, ...]:
    """One fresh executor session and the stage after it."""
    agent = executor_agent(job)
    call = agents.get(agent.cli).executor_call(agent, job.plan_path, sent.files[-1],
                                               modelcall.left(call_name, job.recipe), scope)
    return modelcall.executor(agent, call, sent, stem, title, proof)


def _task_body(job: Job, whole: tuple[RunPath, RunPath] | None, *,
               side: bool = False) -> tuple[Step, ...]:
    """One task's steps. `side`: beside other tasks, in its own worktree: the plan is read
    from the run (the approved copy), the CLI's private files are the task's own, and the
    checkpoint is its result (`tree-N`), which the merge lays over the run's tree."""
    agent = executor_agent(job)
    plan = RunPath("approved-plan.md") if side else job.plan_path
    text, listing = RunPath(f"task-{TASK}.md"), RunPath(f"task-{TASK}.files")
    pack, log = whole or (RunPath(f"task-{TASK}.xml"), RunPath(f"task-{TASK}.log"))
    steps: list[Step] = [twostep(
        "task-input", RUN, TASK, "--plan", plan, "-o", text, stdout=listing,
        name=f"task-{TASK}-input",
        title="the whole plan, which task this is, and the earlier tasks' diff; its files")]
    sent = modelcall.Sent((text, pack), (log,))
    if whole is None:
        steps.append(IfNonEmpty(
            f"task-{TASK}-pack", listing, otherwise=pack, title="pack this task's files only",
            then=Pipe(f"task-{TASK}-pack", "", (Command(
                packstep.repomix("--stdin", "--no-git-sort-by-changes", "--style", "xml", "-o",
                                 pack)),), stdin=(listing,), stdout=log)))
        # the callers of what this task changes, read-only, after its files
        callers, joined = callersteps.steps(job, f"task-{TASK}-", listing, pack, log)
        steps += callers
        sent = modelcall.Sent((text, *joined.files), joined.logs, joined.counted)
    steps.append(modelcall.before("executor", agent, job.recipe, sent, name=f"task-{TASK}-before",
                                  learns=Learns.SENT_TO_EXECUTOR))
    attempt = _session(job, sent, f"task-{TASK}", f"task-{TASK}-try-{TRY}",
                       f"a fresh {agent.cli} session for task {TASK} (try {TRY})",
                       ("--task", TASK, "--try", TRY, "--tries", str(ATTEMPTS)),
                       scope=f"-task-{TASK}" if side else "")
    done = f"tree-{TASK}" if side else f"task-{TASK}"
    steps += [Until(f"task-{TASK}-tries", "try", 1, ATTEMPTS, attempt,
                    RunPath(f"task-{TASK}.proof"), title="retry once in a fresh session"),
              twostep("checkpoint", RUN, done, name=f"task-{TASK}-checkpoint",
                      learns=Learns.PROGRESS,
                      title=f"record the work tree on refs/twostep/<run>/{done.split('-')[0]}-N")]
    return tuple(steps)


def _waves(job: Job, whole: tuple[RunPath, RunPath] | None) -> tuple[Step, ...]:
    """Groups of tasks side by side (execution/waves.py), each in its own worktree; a group
    of one, and a task whose files met another's, runs alone in the run's tree."""
    groups, wave = RunPath("waves.txt"), var("wave")
    return (
        twostep("waves", RUN, "--jobs", str(job.recipe.jobs), stdout=groups, name="waves",
                title=f"the tasks that may run at once (the plan's `after:` lines), at most "
                      f"{job.recipe.jobs} side by side; one per line without them"),
        Waves("tasks-waves", "task", groups,
              (twostep("task-tree", RUN, TASK, name=f"task-{TASK}-tree",
                       title="a worktree from the results of the task's prerequisites"),),
              RunPath(f"trees/{TASK}"), _task_body(job, whole, side=True),
              twostep("merge-wave", RUN, var("tasks"), stdout=RunPath(f"wave-{wave}.alone"),
                      name=f"wave-{wave}-merge", learns=Learns.PROGRESS,
                      title="merge each finished task in plan order; a task that changed a "
                            "file another changed runs again, alone"),
              RunPath(f"wave-{wave}.alone"),
              (twostep("checkpoint", RUN, f"start-{TASK}", name=f"task-{TASK}-start",
                       title="the tree this task starts from"), *_task_body(job, whole)),
              done_ref=f"task-{TASK}",
              title="each task in a fresh executor session; tasks side by side each in a "
                    "worktree of its own, merged after their group"),
    )


def execute_phase(job: Job, whole: tuple[RunPath, RunPath] | None) -> Phase:
    """`whole`: the codebase pack and its log when the strategy sends it whole (small)."""
    agent = job.recipe.executor
    one = job.recipe.execute_by is ExecuteBy.PLAN
    steps = (
        twostep("approve", job.plan_path, RunPath("approved-plan.md"), name="approve",
                every_time=True, learns=Learns.PROGRESS,
                title="the approved plan is the one executed: keep it; refuse an edited one"),
        # Given only its own files, a task list that names none has nothing to work on.
        twostep("tasks", job.plan_path, "--recipe", job.recipe.source, "-o",
                RunPath("tasks.json"), *(() if whole else ("--require-files",)),
                *(("--whole",) if one else ()), stdout=RunPath("tasks.txt"), name="tasks",
                title="the whole plan as one task, with every file it names" if one else
                      "split the plan into tasks, each with its files"),
        twostep("checkpoint", RUN, "base", name="checkpoint-base", keep_on_retry=True,
                title="record the work tree before the executor (rollback returns here)"),
        *((ForEach("tasks-loop", "task", RunPath("tasks.txt"), _task_body(job, whole),
                   done_ref=f"task-{TASK}", title="each task in a fresh executor session"),)
          if job.recipe.jobs == 1 or one else _waves(job, whole)),
    )
    what = "the whole pack" if whole else "its own files"
    does = "does the whole plan in one session" if one else "does each task in a fresh session"
    return Phase(PhaseKind.EXECUTE, f"the executor ({agent.cli} {agent.model}) {does}, given "
                 f"{what}", steps)


def verify_phase(job: Job) -> Phase:
    """The checks, then bounded fix rounds that stop early when they stop converging."""
    recipe = job.recipe
    if not recipe.verify:
        return Phase(PhaseKind.VERIFY, "the recipe's checks", (validate_step(job),))
    out, fix = RunPath(f"verify-{ROUND}.out"), RunPath(f"fix-{ROUND}.md")
    body = (Checks(f"verify-{ROUND}", tuple(Command(argv) for argv in recipe.verify), out,
                   RunPath(f"verify-{ROUND}.failed"),
                   title="the recipe's checks, stopping at the first that fails"),
            twostep("fix-round", RUN, ROUND, "--rounds", str(recipe.fix_rounds),
                    *recipe.stage_args, "--plan", job.plan_path, "-o", fix,
                    name=f"fix-round-{ROUND}", learns=Learns.PROGRESS,
                    title="passed, or a fix session's input; failed (exit 10 after the validate "
                          "gate) when rounds are spent, the failure repeats, or a round "
                          "changed nothing"))
    # The fix input is text only: no pack.
    sent = modelcall.Sent((fix,))
    session = (modelcall.before("executor", executor_agent(job), recipe, sent,
                                name=f"fix-{ROUND}-before"),
               *_session(job, sent, f"fix-{ROUND}", f"fix-{ROUND}",
                         "a fresh executor session fixes it"))
    # fix_rounds: 0 has no session at all, so preflight needs no executor key for verify.
    # Rounds count from 1: verify-1 checks the tasks' work, fix-1 is fix round 1's session.
    loop = Until("fix-rounds", "round", 1, recipe.fix_rounds + 1, body,
                 RunPath(f"fix-{ROUND}.status"), then=session if recipe.fix_rounds else (),
                 title=f"verify, then up to {recipe.fix_rounds} fix round(s)")
    return Phase(PhaseKind.VERIFY, "the recipe's checks, and fix rounds while they fail",
                 (loop, validate_step(job)))


def validate_step(job: Job) -> Pipe:
    yes = ("--yes",) if job.yes else ()
    return twostep("validate", RUN, *yes, name="validate", interactive=not job.yes,
                   every_time=True, learns=Learns.PROGRESS,
                   title="the diff, the checks and unplanned changes: keep, roll back or view; "
                         "exit 10 if the checks still fail")
