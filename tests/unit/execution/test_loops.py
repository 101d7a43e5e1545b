"""Loop steps: the runner binds loop variables; the renderer leaves them to bash."""

from __future__ import annotations

import subprocess
from pathlib import Path

from twostep.core.loops import bind
from twostep.core.render import settings_block, step_lines
from twostep.core.steps import Checks, ForEach, Pipe, Until, WriteText, var, walk
from twostep.core.values import Command, RunPath
from twostep.pipeline.runner import Runner

TASK, TRY = var("task"), var("try")


def test_bind_replaces_the_variable_everywhere():
    step = Pipe(f"task-{TASK}-x", f"task {TASK}", (Command(("echo", TASK, RunPath(f"t-{TASK}.md")),
                                                           stderr=RunPath(f"{TASK}.log")),),
                stdin=(RunPath(f"in-{TASK}"),), stdout=RunPath(f"out-{TASK}"))
    bound = bind(step, "task", 3)
    assert bound.name == "task-3-x" and bound.title == "task 3"
    assert bound.commands[0].argv == ("echo", "3", RunPath("t-3.md"))
    assert bound.commands[0].stderr == RunPath("3.log")
    assert bound.stdin == (RunPath("in-3"),) and bound.stdout == RunPath("out-3")
    assert bind(step, "round", 1) == step  # another variable: unchanged


def test_loops_render_as_plain_bash_and_walk_reaches_their_steps():
    inner = Pipe(f"t-{TASK}", "", (Command(("echo", f"task {TASK} try {TRY}")),),
                 stdout=RunPath(f"s-{TASK}"))
    until = Until(f"tries-{TASK}", "try", 1, 2, (inner,), RunPath(f"s-{TASK}"))
    loop = ForEach("loop", "task", RunPath("tasks.txt"), (until,))
    lines = step_lines(loop)
    assert lines[0] == 'for TASK in $(seq 1 "$(wc -l < "$RUN"/tasks.txt)"); do'
    assert "  for TRY in $(seq 1 2); do" in lines
    assert '    echo \'task \'"$TASK"\' try \'"$TRY" > "$RUN"/s-"$TASK"' in lines
    assert '    [ "$(cat -- "$RUN"/s-"$TASK")" = again ] || break' in lines
    assert lines[-1] == "done"
    assert [s.name for s in walk([loop])] == ["loop", f"tries-{TASK}", f"t-{TASK}"]


def _run_both(tmp_path: Path, steps, name: str) -> tuple[Path, Path]:
    """Run `steps` with the runner in one directory and as rendered bash in another."""
    ran, bashed = tmp_path / f"{name}-ran", tmp_path / f"{name}-bash"
    for d in (ran, bashed):
        d.mkdir()
    runner = Runner(ran, ran)
    for step in steps:
        runner.run_step(step)
    script = ['set -euo pipefail', *settings_block(steps), f'RUN={bashed}']
    script += [ln for s in steps for ln in step_lines(s)]
    subprocess.run(["bash", "-c", "\n".join(script)], cwd=bashed, check=True)
    return ran, bashed


def test_runner_and_script_loop_alike(tmp_path):
    # tries stop when the status file no longer says `again` (here: on try 2 of 3)
    count = WriteText("count", RunPath("tasks.txt"), "a\nb\n")
    body = (Pipe(f"log-{TASK}-{TRY}", "", (Command(("sh", "-c", f"echo {TASK}.{TRY} >> "
                                                     f"log; [ {TRY} -ge 2 ] && echo done || "
                                                     f"echo again")),),
                 stdout=RunPath(f"status-{TASK}")),)
    loop = ForEach("loop", "task", RunPath("tasks.txt"),
                   (Until(f"u-{TASK}", "try", 1, 3, body, RunPath(f"status-{TASK}")),))
    ran, bashed = _run_both(tmp_path, [count, loop], "loop")
    assert (ran / "log").read_text() == (bashed / "log").read_text() == "1.1\n1.2\n2.1\n2.2\n"


def test_checks_stop_at_the_first_failure_in_both(tmp_path):
    checks = Checks("verify", (Command(("sh", "-c", "echo one")),
                               Command(("sh", "-c", "echo two >&2; exit 3")),
                               Command(("sh", "-c", "echo three"))),
                    RunPath("out"), RunPath("failed"))
    ran, bashed = _run_both(tmp_path, [checks], "checks")
    for d in (ran, bashed):
        assert (d / "out").read_text() == "one\ntwo\n"
        assert (d / "failed").read_text() == "2\n"
