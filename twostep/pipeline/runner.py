"""Execute pipeline phases: the visitor that runs each step type (the renderer is the other).

Processes start in pipeline/processes.py; a twostep stage alone runs in this process
(pipeline/inprocess.py) when the command line gave the runner its entry point (`stage`).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from twostep import errors
from twostep.core.loops import bind
from twostep.core.render import step_lines
from twostep.core.steps import (
    Cached,
    Checks,
    CopyFile,
    ForEach,
    IfNonEmpty,
    MakeDirs,
    Phase,
    Pipe,
    RemoveTree,
    Step,
    Until,
    Waves,
    WriteText,
)
from twostep.core.values import Arg, Contents, EnvVar, Joined, Length, RunPath, Setting
from twostep.log import LOG
from twostep.pack import cache as packcache
from twostep.pipeline import inprocess, sidebyside
from twostep.pipeline.processes import Processes
from twostep.pipeline.screen import PROGRESS
from twostep.runs import checkpoint
from twostep.runs.manifest import StepRecord


@dataclass
class Runner:
    repo: Path
    run_dir: Path
    #: Called after each step with the step and how it went (pipeline/record.py's hook).
    on_step: Callable[[Step, StepRecord], None] = lambda step, record: None
    #: Where packs are cached (None: never cache, e.g. measuring in a scratch directory).
    cache: Path | None = None
    #: Use cached packs but add none (a dry-run writes nothing into the repository).
    cache_readonly: bool = False
    #: twostep's own stages, called in this process (None: each starts as a process).
    stage: inprocess.Stage | None = None
    #: Show each step on the screen (a task's runner, beside others, does not).
    screen: bool = True
    processes: Processes = field(init=False)
    #: The runners of tasks running side by side now (stopped with this one).
    children: list[Runner] = field(default_factory=list)
    #: Held while the manifest hook runs: tasks side by side record their steps one by one.
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: The phase running now (each step's record names it).
    phase: str = ""

    def __post_init__(self) -> None:
        self.processes = Processes(self.repo, self.resolve, self.file)

    def child(self, repo: Path) -> Runner:
        """A runner for one task beside others: its processes start in `repo` (its worktree);
        the manifest hook and its lock are shared."""
        runner = replace(self, repo=repo, cache=None, screen=False, children=[])
        self.children.append(runner)
        return runner

    def resolve(self, value: Arg) -> str:
        if isinstance(value, RunPath):
            return str(self.run_dir / value.rel) if value.rel else str(self.run_dir)
        if isinstance(value, EnvVar):
            return next((os.environ[n] for n in value.names if os.environ.get(n)), value.default)
        if isinstance(value, Contents):
            return self.file(value.path).read_text(encoding="utf-8").strip()
        if isinstance(value, Joined):
            return "".join(self.resolve(p) for p in value.parts)
        if isinstance(value, Setting):
            return value.value
        if isinstance(value, Length):
            return str(len(value.setting.value))
        return value

    def file(self, value: Arg) -> Path:
        """A file operand: run paths are absolute, plain ones are relative to the repo root."""
        return Path(self.resolve(value)) if isinstance(value, RunPath) else \
            self.repo / self.resolve(value)

    def run_phase(self, phase: Phase) -> None:
        self.phase = phase.name
        try:
            for step in phase.steps:
                self.run_step(step)
        finally:
            self.phase = ""

    def run_step(self, step: Step, within: str = "") -> None:
        """Run one step; `within`: the loop or cache step that runs it."""
        started = time.monotonic()
        screen = PROGRESS if self.screen else None
        if screen:
            screen.start(step)
        try:
            code = step.accept(self)
        except BaseException:
            if screen:
                screen.end(step, 1)
            raise
        if screen:
            screen.end(step, code or self._failed_check(step))
        with self.lock:
            self.on_step(step, StepRecord(step.name, "\n".join(step_lines(step)), code,
                                          round(time.monotonic() - started, 3), self.phase,
                                          within))

    def _failed_check(self, step: Step) -> int:
        """A failing check is data, not the step's failure; the screen still shows it failed."""
        if not isinstance(step, Checks):
            return 0
        failed = self.file(step.failed)
        return 1 if failed.is_file() and failed.read_text().strip() not in ("", "0") else 0

    # -- the visitor: one method per step type, each returning the exit code ---------------

    def pipe(self, step: Pipe) -> int:
        return self._stage(step) if self._in_process(step) else self.processes.run(step)

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
            return self.pipe(step.then)
        self.file(step.otherwise).write_bytes(b"")
        return 0

    def for_each(self, step: ForEach) -> int:
        count = len(self.file(step.count).read_text(encoding="utf-8").splitlines())
        for value in range(1, count + 1):
            ref = bind(step.done_ref, step.var, value) if step.done_ref else None
            if ref and checkpoint.lookup(self.repo, self.ref(ref)):
                LOG.info(f"{step.var} {value} of {count}: done in an earlier attempt; skipped")
                continue
            for inner in step.body:
                self.run_step(bind(inner, step.var, value), step.name)
        return 0

    def ref(self, name: str) -> str:
        return f"{checkpoint.REF_PREFIX}{self.run_dir.name}/{name}"

    def until(self, step: Until) -> int:
        for value in range(step.first, step.first + step.tries):
            for inner in step.body:
                self.run_step(bind(inner, step.var, value), step.name)
            status = self.file(bind(step.status, step.var, value))
            if status.read_text(encoding="utf-8").strip() != "again":
                break
            for inner in step.then:
                self.run_step(bind(inner, step.var, value), step.name)
        return 0

    def waves(self, step: Waves) -> int:
        return sidebyside.run(self, step)

    def checks(self, step: Checks) -> int:
        return self.processes.run_checks(step)

    def cached(self, step: Cached) -> int:
        cache = self.cache
        entry = packcache.key(self.repo, step.pathspecs, step.flags) if cache else None
        if cache is None or entry is None or self.cache_readonly:
            return self._pack_or_reuse(step, cache, entry)
        with packcache.locked(cache, entry):
            return self._pack_or_reuse(step, cache, entry)

    def _pack_or_reuse(self, step: Cached, cache: Path | None, entry: str | None) -> int:
        outputs = [self.file(o) for o in step.outputs]
        if cache and entry and packcache.fetch(cache, entry, outputs):
            LOG.detail(f"{step.name}: unchanged since an earlier pack; "
                     f"reusing it (cache {entry[:12]})")
            return 0
        for out in outputs:
            out.unlink(missing_ok=True)  # may be a hard link into the cache: never write through it
        for inner in step.steps:
            self.run_step(inner, step.name)
        if cache and entry and not self.cache_readonly:
            packcache.store(cache, entry, outputs)
        return 0

    # -- pipelines ---------------------------------------------------------------------------

    def _in_process(self, step: Pipe) -> bool:
        """A twostep stage alone, with nothing a process boundary would change."""
        if not (step.self_reporting and self.stage and inprocess.ENABLED
                and len(step.commands) == 1):
            return False
        cmd = step.commands[0]
        return (cmd.tool == "twostep" and not cmd.env and cmd.cwd is None
                and cmd.stderr is None and len(step.stdin) <= 1)

    def _stage(self, step: Pipe) -> int:
        assert self.stage is not None
        LOG.detail(f"[{step.name}] {' '.join(step_lines(step))} (in-process)")
        code = inprocess.run(self.stage, [self.resolve(a) for a in step.commands[0].argv[1:]],
                             cwd=self.repo,
                             stdin=self.file(step.stdin[0]) if step.stdin else None,
                             stdout=self.file(step.stdout) if step.stdout is not None else None,
                             interactive=step.interactive)
        if code == 130:
            raise errors.Interrupted("interrupted")
        return self.processes.check(step, [code])

    def stop(self) -> None:
        """Terminate every live stage's process group, then make sure it is gone."""
        for child in self.children:
            child.stop()
        self.processes.stop()
