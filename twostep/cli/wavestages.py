"""Pipeline stages of tasks side by side (execution/waves.py): the groups of tasks that run at
once, a worktree per task, and the merge after each group. `twostep run` and the dry-run
script call them the same way."""

from __future__ import annotations

from pathlib import Path

import click

from twostep.cli import stage
from twostep.cli.env import pass_env, path, root
from twostep.pipeline.inprocess import Env

run_arg = click.argument("run_dir", metavar="RUN", type=path())


@stage()
@run_arg
@click.option("--jobs", required=True, type=click.IntRange(1, 16),
              help="Tasks side by side at most.")
@pass_env
def waves(env: Env, run_dir: Path, jobs: int):
    """Print the groups of RUN's tasks that run side by side, one group per line, in order:
    the waves of the plan's `after:` graph, cut to at most --jobs tasks (one task per line
    when the plan has no `after:` lines)."""
    from twostep.execution import waves as side

    env.write("".join(" ".join(map(str, g)) + "\n" for g in side.groups(run_dir, jobs)))


@stage(name="task-tree")
@run_arg
@click.argument("number", metavar="N", type=int)
@pass_env
def task_tree(env: Env, run_dir: Path, number: int):
    """Make task N's worktree (RUN/trees/N) from the base checkpoint with its prerequisites'
    changes; recorded as refs/twostep/<run>/start-N."""
    from twostep.execution import waves as side

    side.start_task(root(env), run_dir, number)


@stage(name="merge-wave")
@run_arg
@click.argument("tasks", metavar="TASKS...", nargs=-1, required=True)
@pass_env
def merge_wave(env: Env, run_dir: Path, tasks: tuple[str, ...]):
    """Merge the finished TASKS (which ran side by side) into the work tree in plan order and
    remove their worktrees; print the tasks to run alone, one per line: a group of one, and
    each task that changed a file another task changed too."""
    from twostep.execution import waves as side

    numbers = [int(n) for t in tasks for n in t.split()]
    env.write("".join(f"{n}\n" for n in side.merge_group(root(env), run_dir, numbers)))


#: What this module adds to the command line (cli/__init__.COMMANDS names them).
COMMANDS = (waves, task_tree, merge_wave)
