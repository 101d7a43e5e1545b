"""Pipeline stages of task-by-task execution, fix rounds and the validate gate. `twostep run`
and the dry-run script call them the same way (cli/stages.py has the others)."""

from __future__ import annotations

from pathlib import Path

import click

from twostep.cli import choosing, completion, stage
from twostep.cli.env import pass_env, path, root
from twostep.pipeline.inprocess import Env

run_arg = click.argument("run_dir", metavar="RUN", type=path())


@stage()
@click.argument("plan_file", metavar="PLAN", type=path())
@click.option("--json", "as_json", is_flag=True, help="Print the tasks and their files as JSON.")
@click.option("--recipe", "recipe_arg", metavar="RECIPE", help="Use the recipe's plan_files globs.")
@click.option("-o", "--output", type=path(),
              help="Also write the JSON here (the pipeline's copy).")
@click.option("--require-files", is_flag=True,
              help="Exit 11 when no task names a tracked file or a file to create.")
@click.option("--whole", is_flag=True,
              help="The whole plan as one task, with every file it names (execute_by: plan).")
@pass_env
def tasks(env: Env, plan_file: Path, as_json: bool, recipe_arg: str | None, output: Path | None,
          require_files: bool, whole: bool):
    """Print the tasks PLAN splits into: NUMBER, FIRST-LAST (plan lines), TITLE, tab-separated.

    Tasks come from the plan's machine-readable task list, else its numbered headings, step
    lines or numbered list; a plan with none of these is one task.
    """
    from twostep import atomic, planfiles
    from twostep.errors import InputError, NothingToExecute
    from twostep.execution import plantasks
    from twostep.log import LOG
    from twostep.recipe import load as recipes
    from twostep.tasks import describe, render_text, split_plan

    if not plan_file.is_file():
        raise InputError(f"{plan_file}: no such plan file", hint="write one with `twostep plan`")
    text = plan_file.read_text(encoding="utf-8", errors="replace")
    patterns = recipes.load(recipe_arg, cwd=env.cwd).plan_files if recipe_arg else ()
    split = plantasks.whole(split_plan(text), text) if whole else split_plan(text)
    found = plantasks.plan_tasks(text, planfiles.RepoView.from_git(str(env.cwd)), patterns,
                                 one=whole, name=str(plan_file))
    data = plantasks.to_json(found, split.source, split.fallback)
    if output is not None:
        atomic.write_text(output, data + "\n")
    LOG.info(describe(split))
    env.write(data + "\n" if as_json else render_text(split))
    if require_files and not any(t.pack or t.planned_changes for t in found):
        raise NothingToExecute(f"{plan_file} names no tracked file and no file to create in "
                               f"any task; nothing to execute",
                               hint=f"edit {plan_file} to name repo-relative paths, ideally in "
                                    f"a ```twostep-files block, or re-run the planner")


@stage(name="task-input")
@run_arg
@click.argument("number", metavar="N", type=int)
@click.option("--plan", "plan_file", required=True, type=path())
@click.option("-o", "--output", required=True, type=path())
@pass_env
def task_input(env: Env, run_dir: Path, number: int, plan_file: Path, output: Path):
    """Write task N's session text to OUTPUT; print the files to pack for it, one per line."""
    from twostep import atomic
    from twostep.execution import taskwork

    plan_text = plan_file.read_text(encoding="utf-8", errors="replace")
    text, files = taskwork.task_input(root(env), run_dir, number, plan_text)
    atomic.write_text(output, text)
    env.write("".join(f"{p}\n" for p in files))


@stage()
@run_arg
@click.argument("name")
@pass_env
def checkpoint(env: Env, run_dir: Path, name: str):
    """Record the work tree as a commit on refs/twostep/<run>/NAME (base, task-N)."""
    from twostep.execution import taskwork

    taskwork.save_checkpoint(root(env), run_dir, name)


@stage(name="fix-round")
@run_arg
@click.argument("number", metavar="ROUND", type=int)
@click.option("--rounds", required=True, type=int, help="The recipe's fix_rounds.")
@click.option("--recipe", "recipe_arg", required=True, metavar="RECIPE")
@choosing.agents_of_stage
@click.option("--plan", "plan_file", required=True, type=path())
@click.option("-o", "--output", required=True, type=path())
@pass_env
def fix_round(env: Env, run_dir: Path, number: int, rounds: int, recipe_arg: str,
              planner_cli: str | None, executor_cli: str | None, plan_file: Path, output: Path):
    """Judge ROUND's verify (RUN/verify-ROUND.out) into RUN/fix-ROUND.status: passed, again
    (a fix session's input in OUTPUT), or failed when rounds are spent, the failure repeats,
    or the last round changed nothing (`twostep validate` then exits 10)."""
    from twostep.execution import fixing
    from twostep.pipeline import preflight

    recipe = choosing.load(recipe_arg, planner_cli, executor_cli, env.cwd)
    plan_text = plan_file.read_text(encoding="utf-8", errors="replace")
    # A resume leaves the fix session's key to here: needed only now that verify failed.
    fixing.fix_round(root(env), run_dir, number, rounds, recipe.verify, plan_text,
                     ready=lambda: preflight.credentials([("executor", recipe.executor.cli)]))


@stage()
@run_arg
@click.option("--yes", "-y", is_flag=True, help="Keep the changes without asking.")
@pass_env
def validate(env: Env, run_dir: Path, yes: bool):
    """Show the diff stat, the verify result and unplanned changes; keep, roll back, or view
    the diff in $PAGER (on a terminal, without --yes)."""
    from twostep.execution import validate as gate

    gate.validate(root(env), run_dir, yes=yes, interactive=env.stdin.isatty())


@stage()
@click.argument("plan_file", metavar="PLAN", type=path(exists=True))
@click.argument("copy", metavar="APPROVED", type=path())
def approve(plan_file: Path, copy: Path):
    """Keep PLAN as approved in APPROVED the first time; later, refuse (exit 12) a PLAN that
    differs from it, showing what changed."""
    from twostep.execution import approval

    approval.check(plan_file, copy)


@click.command(name="rollback")
@click.argument("run", metavar="[RUN]", required=False, shell_complete=completion.runs)
@click.option("--to-task", type=int, metavar="N", help="Restore the state after task N.")
@pass_env
def rollback_command(env: Env, run: str | None, to_task: int | None):
    """Restore the work tree to before RUN's executor (default: the last run), or to its
    checkpoint after task N; refuses to throw away changes made after the run."""
    from twostep.execution import rollback as rb

    repo = root(env)
    rb.rollback(repo, rb.run_dir_of(repo, run), to_task)


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (approve, tasks, task_input, checkpoint, fix_round, validate, rollback_command)
