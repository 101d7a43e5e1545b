"""Start a step's processes with plumbum, streamed through files and pipes, never buffered.

Every stage starts in its own session so that a timeout, Ctrl-C or SIGTERM can stop the whole
process group of each CLI (gemini re-spawns itself and ignores SIGTERM sent to its pid
alone: docs/cli-facts.md, "Stopping a CLI"). Failures follow bash's pipefail: the rightmost
failing stage is reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from pathlib import Path
from typing import cast

from plumbum.commands.base import BaseCommand
from plumbum.machines.local import LocalCommand

from twostep import agents, errors
from twostep.core.render import step_lines
from twostep.core.steps import Checks, Pipe, Role
from twostep.core.values import Arg, Command
from twostep.log import LOG
from twostep.pipeline import stall
from twostep.redact import redact

#: Seconds a stopped process group has to exit on SIGTERM before SIGKILL.
GRACE = 5.0
#: A line of a stack trace: Node's `    at f (file:///…:1:2)` frames.
_TRACE = re.compile(r"^\s+at |file:///")
_FAILURES = {Role.STEP: errors.StepFailed, Role.PLANNER: errors.PlannerFailed,
             Role.EXECUTOR: errors.ExecutorFailed}


@dataclass
class Processes:
    """The processes of the step running now; the runner resolves the arguments."""

    repo: Path
    resolve: Callable[[Arg], str]
    file: Callable[[Arg], Path]
    live: list = field(default_factory=list)

    def command(self, cmd: Command) -> BaseCommand:
        exe = shutil.which(cmd.tool)
        if exe is None:
            raise errors.ToolMissing(f"`{cmd.tool}` not found on PATH",
                                     hint="run `twostep doctor` to see how to install it")
        bound: BaseCommand = LocalCommand(exe)[tuple(self.resolve(a) for a in cmd.argv[1:])]
        # plumbum copies os.environ when it is imported; pass the environment as it is now.
        bound = bound.with_env(**{**os.environ, **{k: self.resolve(v) for k, v in cmd.env}})
        bound = bound.with_cwd(self.resolve(cmd.cwd) if cmd.cwd is not None else str(self.repo))
        if cmd.stderr is not None:
            bound = bound >= str(self.file(cmd.stderr))
        return bound

    def chain(self, step: Pipe) -> BaseCommand:
        stages = [self.command(c) for c in step.commands]
        files = [str(self.file(s)) for s in step.stdin]
        if files and not step.redirects_stdin:
            cat_args = ("--", *files)
            stages.insert(0, LocalCommand(shutil.which("cat") or "cat")[cat_args])
        chain: BaseCommand = reduce(or_, stages)
        if step.redirects_stdin:
            chain = chain < files[0]
        if step.stdout is not None:
            chain = chain > str(self.file(step.stdout))
        return chain

    def run(self, step: Pipe) -> int:
        """Start the step's processes, wait for them (up to its timeout), check their codes."""
        chain = self.chain(step)
        LOG.detail(f"[{step.name}] {' '.join(step_lines(step))}")
        stdin = None if (step.interactive or step.stdin) else subprocess.DEVNULL
        # plumbum's PopenWithAddons protocol omits wait(timeout=); the object is a subprocess.Popen.
        proc = cast("subprocess.Popen[bytes]", chain.popen(
            stdin=stdin, stdout=None, stderr=None, new_session=not step.interactive))
        procs = _stages(proc)
        self.live = procs
        try:
            self._wait(step, proc, self._watch(step, procs[-1].pid))
        except BaseException:
            # A timeout, a stall, Ctrl-C or SIGTERM: the stages run in their own sessions.
            self.stop()
            raise
        finally:
            self.live = []
            self._scrub_logs(step)
        return self.check(step, [p.returncode for p in procs])

    def _watch(self, step: Pipe, pgid: int) -> stall.Watch | None:
        if not step.stall_after:
            return None
        # stdout only: every CLI writes warnings on stderr as it starts, stalled or not.
        outputs = [self.file(step.stdout)] if step.stdout is not None else []
        return stall.Watch(pgid, outputs, step.stall_after)

    def _wait(self, step: Pipe, proc: subprocess.Popen[bytes], watch: stall.Watch | None) -> None:
        """Wait for the last stage, up to the step's timeout, and while it shows signs of life."""
        deadline = None if step.timeout is None else time.monotonic() + step.timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                proc.wait(timeout=left if watch is None else min(stall.EVERY, left or stall.EVERY))
                return
            except subprocess.TimeoutExpired:
                pass
            if deadline is not None and time.monotonic() >= deadline:
                raise errors.StepTimeout(
                    f"step '{step.name}': `{_main_tool(step)}` did not finish within "
                    f"{step.timeout:g} s and was stopped{self._tail(step)}", step=step.name)
            if watch is not None and watch.stalled():
                raise self._stalled(step, watch)

    def _stalled(self, step: Pipe, watch: stall.Watch) -> errors.StepFailed:
        logs = [str(self.file(c.stderr)) for c in step.commands if c.stderr is not None]
        role = "planner" if step.role is Role.PLANNER else "executor"
        return _FAILURES[step.role](
            f"the {role} (`{_main_tool(step)}`) sent no request and printed nothing for "
            f"{watch.after:g} s, and was stopped" + (f"; its log: {logs[0]}" if logs else ""),
            step=step.name,
            hint=f"if the CLI needs longer to start, raise {role}.stall_after in the recipe")

    def run_checks(self, step: Checks) -> int:
        """As the script's if/elif chain: stop at the first failing command. Beside the
        `failed` file, a .json one holds each command's seconds and exit code (fix-round
        shows them and the result reports them)."""
        failed, timings = 0, []
        with self.file(step.output).open("wb") as out:
            for index, cmd in enumerate(step.commands, 1):
                LOG.detail(f"[{step.name}] {' '.join(map(self.resolve, cmd.argv))}")
                started = time.monotonic()
                proc = self.command(cmd).popen(stdin=subprocess.DEVNULL, stdout=out,
                                                stderr=subprocess.STDOUT, new_session=True)
                self.live = [proc]
                try:
                    proc.wait()
                finally:
                    self.live = []
                timings.append({"seconds": round(time.monotonic() - started, 3),
                                "exit_code": proc.returncode})
                if proc.returncode != 0:
                    failed = index
                    break
        failed_file = self.file(step.failed)
        failed_file.with_suffix(".json").write_text(json.dumps(timings), encoding="utf-8")
        failed_file.write_text(f"{failed}\n", encoding="utf-8")
        return 0

    def _scrub_logs(self, step: Pipe) -> None:
        """A CLI may echo a key into its stderr (an auth error); logs are kept, keys are not."""
        for cmd in step.commands:
            if cmd.stderr is None:
                continue
            log = self.file(cmd.stderr)
            try:
                text = log.read_text(encoding="utf-8", errors="surrogateescape")
            except OSError:
                continue
            clean = redact(text)
            if clean != text:
                log.write_text(clean, encoding="utf-8", errors="surrogateescape")

    def stop(self) -> None:
        """Terminate every live stage's process group, then make sure all of it is gone.

        The leader exiting is not enough: a relaunched gemini child whose event loop is blocked
        ignores SIGTERM and outlives its parent (docs/cli-facts.md), so whatever is left of
        each group after the grace period gets SIGKILL."""
        for proc in self.live:
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        for proc in self.live:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        while any(stall.group_pids(p.pid) for p in self.live) and time.monotonic() < deadline:
            time.sleep(0.05)
        for proc in self.live:
            _signal_group(proc.pid, signal.SIGKILL, leader_too=False)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def check(self, step: Pipe, codes: list[int]) -> int:
        """0, or the failure of the rightmost stage whose code is not one of its ok codes."""
        said = LOG.take_error() if step.self_reporting else None  # this stage's, if any
        offset = len(codes) - len(step.commands)
        ok = [() if i < offset else step.commands[i - offset].ok_codes for i in range(len(codes))]
        failed = [(i, c) for i, c in enumerate(codes) if c != 0 and c not in ok[i]]
        if not failed:
            return 0
        index, code = failed[-1]
        code = 128 - code if code < 0 else code  # killed by signal N: bash reports 128+N
        if step.self_reporting:  # it printed its error; the manifest keeps its first line
            raise errors.ChildReported(code, said, step=step.name)
        cmd = step.commands[index - offset] if index >= offset else None
        raise _FAILURES[step.role](
            f"step '{step.name}': `{cmd.tool if cmd else 'cat'}` exited with code {code}"
            f"{self._why(step, cmd, code)}", step=step.name, code=code)

    def _why(self, step: Pipe, cmd: Command | None, code: int) -> str:
        """A model CLI's own reason, which its adapter finds in its reply or its log, and where
        both are; else (any other tool, or no reason) the tail of the log."""
        if cmd is None or cmd.tool not in agents.ADAPTERS or cmd.stderr is None \
                or step.stdout is None:
            return self._tail(step)
        log, reply = self.file(cmd.stderr), self.file(step.stdout)
        reason = agents.get(cmd.tool).failure(reply, log, code)
        if not reason:
            return self._tail(step)
        beside = reply.name if reply.parent == log.parent else str(reply)
        return f": {redact(reason)}\n  full log: {log} (the reply: {beside})"

    def _tail(self, step: Pipe, lines: int = 15) -> str:
        logs = [self.file(c.stderr) for c in step.commands if c.stderr is not None]
        for log in logs:
            try:
                text = log.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            # A Node stack trace (gemini's) says nothing to the user; the log keeps it.
            tail = [ln for ln in text.splitlines()
                    if ln.strip() and not _TRACE.search(ln)][-lines:]
            if tail:
                body = "\n".join(f"    {ln}" for ln in tail)
                return f"\n  last lines of {log}:\n{redact(body)}"
        return ""


def _stages(proc) -> list:
    chain = [proc]
    while getattr(chain[0], "srcproc", None) is not None:
        chain.insert(0, chain[0].srcproc)
    return chain


def _main_tool(step: Pipe) -> str:
    return step.commands[-1].tool


def _signal_group(pid: int, sig: int, *, leader_too: bool = True) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        if leader_too:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
