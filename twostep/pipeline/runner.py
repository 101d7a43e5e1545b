"""Execute pipeline phases with plumbum: streamed through files and pipes, never buffered.

Every stage starts in its own session so that a timeout, Ctrl-C or SIGTERM can stop the whole
process group of each CLI (gemini re-spawns itself and ignores SIGTERM sent to its pid alone,
CLI-FACTS 1.11). Failures follow bash's pipefail: the rightmost failing stage is reported.
"""

from __future__ import annotations

import contextlib
import os
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

from twostep import errors
from twostep.log import LOG
from twostep.pack import cache as packcache
from twostep.pipeline import inprocess
from twostep.pipeline.loops import bind
from twostep.pipeline.render import step_lines
from twostep.pipeline.steps import (
    Arg,
    Cached,
    Checks,
    Command,
    Contents,
    CopyFile,
    EnvVar,
    ForEach,
    IfNonEmpty,
    Joined,
    MakeDirs,
    Phase,
    Pipe,
    RemoveTree,
    Role,
    RunPath,
    Step,
    Until,
    WriteText,
)
from twostep.progress import PROGRESS
from twostep.redact import redact
from twostep.runs import checkpoint
from twostep.runs.manifest import StepRecord

_FAILURES = {Role.STEP: errors.StepFailed, Role.PLANNER: errors.PlannerFailed,
             Role.EXECUTOR: errors.ExecutorFailed, Role.VERIFY: errors.VerifyFailed}


@dataclass
class Runner:
    repo: Path
    run_dir: Path
    #: Called after each step with the step and how it went (runs/record.py's hook).
    on_step: Callable[[Step, StepRecord], None] = lambda step, record: None
    #: Where packs are cached (None: never cache, e.g. measuring in a scratch directory).
    cache: Path | None = None
    #: Use cached packs but add none (a dry-run writes nothing into the repository).
    cache_readonly: bool = False
    _live: list = field(default_factory=list)

    def resolve(self, value: Arg) -> str:
        if isinstance(value, RunPath):
            return str(self.run_dir / value.rel) if value.rel else str(self.run_dir)
        if isinstance(value, EnvVar):
            return next((os.environ[n] for n in value.names if os.environ.get(n)), value.default)
        if isinstance(value, Contents):
            return self.file(value.path).read_text(encoding="utf-8").strip()
        if isinstance(value, Joined):
            return "".join(self.resolve(p) for p in value.parts)
        return value

    def file(self, value: Arg) -> Path:
        """A file operand: run paths are absolute, plain ones are relative to the repo root."""
        return Path(self.resolve(value)) if isinstance(value, RunPath) else \
            self.repo / self.resolve(value)

    def run_phase(self, phase: Phase) -> None:
        for step in phase.steps:
            self.run_step(step)

    def run_step(self, step: Step) -> None:
        started = time.monotonic()
        PROGRESS.start(step)
        try:
            code = step.accept(self)
        except BaseException:
            PROGRESS.end(step, 1)
            raise
        PROGRESS.end(step, code)
        self.on_step(step, StepRecord(step.name, "\n".join(step_lines(step)), code,
                                      round(time.monotonic() - started, 3)))

    # -- the visitor: one method per step type, each returning the exit code ---------------

    def pipe(self, step: Pipe) -> int:
        return self.run_pipe(step)

    def make_dirs(self, step: MakeDirs) -> int:
        for p in step.paths:
            self.file(p).mkdir(parents=True, exist_ok=True)
        return 0

    def write_text(self, step: WriteText) -> int:
        self.file(step.path).write_text(step.text, encoding="utf-8")
        return 0

    def copy_file(self, step: CopyFile) -> int:
        shutil.copyfile(self.file(step.src), self.file(step.dest))
        return 0

    def remove_tree(self, step: RemoveTree) -> int:
        shutil.rmtree(self.file(step.path), ignore_errors=True)
        return 0

    def if_non_empty(self, step: IfNonEmpty) -> int:
        path = self.file(step.path)
        if path.is_file() and path.stat().st_size > 0:
            return self.run_pipe(step.then)
        self.file(step.otherwise).write_bytes(b"")
        return 0

    def cached(self, step: Cached) -> int:
        self.run_cached(step)
        return 0

    def for_each(self, step: ForEach) -> int:
        count = len(self.file(step.count).read_text(encoding="utf-8").splitlines())
        for value in range(1, count + 1):
            ref = bind(step.done_ref, step.var, value) if step.done_ref else None
            if ref and checkpoint.lookup(self.repo, self._ref(ref)):
                LOG.info(f"{step.var} {value} of {count}: done in an earlier attempt; skipped")
                continue
            for inner in step.body:
                self.run_step(bind(inner, step.var, value))
        return 0

    def _ref(self, name: str) -> str:
        return f"{checkpoint.REF_PREFIX}{self.run_dir.name}/{name}"

    def until(self, step: Until) -> int:
        for value in range(step.first, step.first + step.tries):
            for inner in step.body:
                self.run_step(bind(inner, step.var, value))
            status = self.file(bind(step.status, step.var, value))
            if status.read_text(encoding="utf-8").strip() != "again":
                break
            for inner in step.then:
                self.run_step(bind(inner, step.var, value))
        return 0

    def checks(self, step: Checks) -> int:
        """As the script's if/elif chain: stop at the first failing command."""
        failed = 0
        with self.file(step.output).open("wb") as out:
            for index, cmd in enumerate(step.commands, 1):
                LOG.detail(f"[{step.name}] {' '.join(map(self.resolve, cmd.argv))}")
                proc = self._plumbum(cmd).popen(stdin=subprocess.DEVNULL, stdout=out,
                                                stderr=subprocess.STDOUT, new_session=True)
                self._live = [proc]
                try:
                    proc.wait()
                finally:
                    self._live = []
                if proc.returncode != 0:
                    failed = index
                    break
        self.file(step.failed).write_text(f"{failed}\n", encoding="utf-8")
        return 0

    def run_cached(self, step: Cached) -> None:
        outputs = [self.file(o) for o in step.outputs]
        cache = self.cache
        entry = packcache.key(self.repo, step.pathspecs, step.flags) if cache else None
        if cache and entry and packcache.fetch(cache, entry, outputs):
            LOG.info(f"{step.name}: unchanged since an earlier pack; "
                     f"reusing it (cache {entry[:12]})")
            return
        for out in outputs:
            out.unlink(missing_ok=True)  # may be a hard link into the cache: never write through it
        for inner in step.steps:
            self.run_step(inner)
        if cache and entry and not self.cache_readonly:
            packcache.store(cache, entry, outputs)

    # -- pipelines ---------------------------------------------------------------------------

    def _plumbum(self, cmd: Command) -> BaseCommand:
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

    def _chain(self, step: Pipe) -> BaseCommand:
        stages = [self._plumbum(c) for c in step.commands]
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

    def _in_process(self, step: Pipe) -> bool:
        """A twostep stage alone, with nothing a process boundary would change."""
        if not (step.self_reporting and inprocess.available() and len(step.commands) == 1):
            return False
        cmd = step.commands[0]
        return (cmd.tool == "twostep" and not cmd.env and cmd.cwd is None
                and cmd.stderr is None and len(step.stdin) <= 1)

    def run_stage(self, step: Pipe) -> int:
        LOG.detail(f"[{step.name}] {' '.join(step_lines(step))} (in-process)")
        code = inprocess.run([self.resolve(a) for a in step.commands[0].argv[1:]],
                             cwd=self.repo,
                             stdin=self.file(step.stdin[0]) if step.stdin else None,
                             stdout=self.file(step.stdout) if step.stdout is not None else None)
        if code == 130:
            raise errors.Interrupted("interrupted")
        return self._check(step, [code])

    def run_pipe(self, step: Pipe) -> int:
        if self._in_process(step):
            return self.run_stage(step)
        chain = self._chain(step)
        LOG.detail(f"[{step.name}] {' '.join(step_lines(step))}")
        stdin = None if (step.interactive or step.stdin) else subprocess.DEVNULL
        stdout = 2 if step.to_stderr and step.stdout is None else None
        # plumbum's PopenWithAddons protocol omits wait(timeout=); the object is a subprocess.Popen.
        proc = cast("subprocess.Popen[bytes]", chain.popen(
            stdin=stdin, stdout=stdout, stderr=None, new_session=not step.interactive))
        procs = _stages(proc)
        self._live = procs
        try:
            proc.wait(timeout=step.timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise errors.StepTimeout(
                f"step '{step.name}': `{_main_tool(step)}` did not finish within "
                f"{step.timeout:g} s and was stopped{self._tail(step)}", step=step.name) from None
        except BaseException:
            # Ctrl-C or SIGTERM reached only us: the stages run in their own sessions.
            self.stop()
            raise
        finally:
            self._live = []
            self._scrub_logs(step)
        return self._check(step, [p.returncode for p in procs])

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
        """Terminate every live stage's process group, then make sure it is gone."""
        for proc in self._live:
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for proc in self._live:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()

    def _check(self, step: Pipe, codes: list[int]) -> int:
        offset = len(codes) - len(step.commands)
        ok = [() if i < offset else step.commands[i - offset].ok_codes for i in range(len(codes))]
        failed = [(i, c) for i, c in enumerate(codes) if c != 0 and c not in ok[i]]
        if not failed:
            return 0
        index, code = failed[-1]
        code = 128 - code if code < 0 else code  # killed by signal N: bash reports 128+N
        if step.self_reporting:
            raise errors.ChildReported(code)
        tool = step.commands[index - offset].tool if index >= offset else "cat"
        raise _FAILURES[step.role](
            f"step '{step.name}': `{tool}` exited with code {code}{self._tail(step)}",
            step=step.name, code=code)

    def _tail(self, step: Pipe, lines: int = 15) -> str:
        logs = [self.file(c.stderr) for c in step.commands if c.stderr is not None]
        for log in logs:
            try:
                text = log.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            tail = [ln for ln in text.splitlines() if ln.strip()][-lines:]
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


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
