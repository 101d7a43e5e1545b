"""Read what `codex exec --json` printed (one JSON event per line) and surface its silent failures.

codex's exit code is not enough: edits refused by the sandbox exit 0, a failed run
leaves `-o` empty or stale, and there is no final result object, only JSONL events:

    {"type":"item.completed","item":{"type":"agent_message","text":…}}      the answer
    {"type":"item.completed","item":{"type":"file_change","changes":[{"path","kind"}]}}
    {"type":"item.completed","item":{"type":"command_execution","exit_code":1,…}}
    {"type":"error","message":…} / {"type":"turn.failed","error":{"message":…}}
    {"type":"item.completed","item":{"type":"error","message":…}}   a warning, e.g. an
        uncatalogued model ("Model metadata for `gpt-5.1` not found…")
    {"type":"turn.completed","usage":{"input_tokens","cached_input_tokens",…}}

A refused apply_patch leaves no event at all; its only trace is a stderr line
`… ERROR codex_core::tools::router: error=patch rejected: …`, so `parse_events`
takes stderr as well. Pure functions, standard library only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# A refused shell write: the sandbox mounts the tree read-only.
_READ_ONLY = "Read-only file system"
_PATCH_REJECTED = re.compile(r"error=(patch rejected: .*)$")


@dataclass(frozen=True)
class FileChange:
    """One path codex reports it changed; `kind` is "add", "update" or "delete"."""

    path: str
    kind: str


@dataclass(frozen=True)
class CodexUsage:
    """Token counts of the whole turn (codex sums them over all its API requests)."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0


@dataclass(frozen=True)
class CodexReply:
    """Everything a run's events say. `completed` is False on turn.failed or when the stream
    stopped before turn.completed (killed, timed out, crashed)."""

    text: str
    changes: tuple[FileChange, ...]
    errors: tuple[str, ...]
    usage: CodexUsage | None
    completed: bool
    refusals: tuple[str, ...]
    #: Commands that started but never finished (still running when the turn ended).
    unfinished: tuple[str, ...] = ()
    #: Non-fatal `error` items, e.g. the fallback-metadata warning for an unknown model.
    warnings: tuple[str, ...] = ()
    thread_id: str | None = None

    @property
    def changed_paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.path for c in self.changes))

    @property
    def refused(self) -> bool:
        """The sandbox refused at least one write: the silent exit-0 failure."""
        return bool(self.refusals)


@dataclass
class _Acc:
    text: str = ""
    changes: list[FileChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    started: dict[str, str] = field(default_factory=dict)
    usage: CodexUsage | None = None
    completed: bool = False
    failed: bool = False
    thread_id: str | None = None


def _usage(raw: object) -> CodexUsage:
    data = raw if isinstance(raw, dict) else {}

    def num(key: str) -> int:
        value = data.get(key)
        return value if isinstance(value, int) and value >= 0 else 0

    return CodexUsage(num("input_tokens"), num("cached_input_tokens"), num("output_tokens"),
                      num("reasoning_output_tokens"))


def _item_completed(acc: _Acc, item: dict) -> None:
    kind = item.get("type")
    acc.started.pop(str(item.get("id")), None)
    if kind == "agent_message":
        acc.text = str(item.get("text") or "")
    elif kind == "file_change":
        changes = [FileChange(str(c.get("path")), str(c.get("kind")))
                   for c in item.get("changes") or [] if isinstance(c, dict)]
        if item.get("status", "completed") == "completed":
            acc.changes += changes
        else:
            acc.errors.append("file change failed: " + ", ".join(c.path for c in changes))
    elif kind == "command_execution" and item.get("status") == "failed":
        output = str(item.get("aggregated_output") or "")
        if _READ_ONLY in output:
            acc.refusals.append(f"command refused by the sandbox: {item.get('command')}")
    elif kind == "error":
        acc.warnings.append(str(item.get("message") or "error item"))


def _event(acc: _Acc, event: dict) -> None:
    kind = event.get("type")
    item = event.get("item")
    if kind == "thread.started":
        acc.thread_id = event.get("thread_id")
    elif kind == "item.started" and isinstance(item, dict):
        if item.get("type") == "command_execution":
            acc.started[str(item.get("id"))] = str(item.get("command") or "")
    elif kind == "item.completed" and isinstance(item, dict):
        _item_completed(acc, item)
    elif kind == "error":
        acc.errors.append(str(event.get("message") or "error"))
    elif kind == "turn.failed":
        error = event.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        acc.errors.append(str(message or "turn failed"))
        acc.failed = True
    elif kind == "turn.completed":
        acc.completed = True
        acc.usage = _usage(event.get("usage"))


def stderr_refusals(stderr: str) -> list[str]:
    """The `patch rejected: …` reasons codex logs only on stderr."""
    found = []
    for line in stderr.splitlines():
        match = _PATCH_REJECTED.search(line)
        if match:
            found.append(match.group(1).strip())
    return found


def parse_events(stdout: str, stderr: str = "") -> CodexReply:
    """Fold codex's JSONL stdout (and its stderr, for refusals) into one CodexReply.

    Lines that are not JSON objects are skipped: a crash can cut the last line short.
    """
    acc = _Acc()
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            _event(acc, event)
    return CodexReply(
        text=acc.text, changes=tuple(acc.changes), errors=tuple(acc.errors), usage=acc.usage,
        completed=acc.completed and not acc.failed,
        refusals=tuple(acc.refusals + stderr_refusals(stderr)),
        unfinished=tuple(acc.started.values()), warnings=tuple(acc.warnings),
        thread_id=acc.thread_id)


def problems(reply: CodexReply, returncode: int, *, role: str) -> list[str]:
    """Why this run must not count as a success (empty: it may). Exit 0 is necessary but
    not sufficient: the planner needs a non-empty answer, and an executor whose
    writes were refused did not do its job even if codex says it did."""
    found = []
    if returncode != 0:
        found.append(f"codex exited with {returncode}")
    if not reply.completed:
        found.append("no turn.completed event (the turn failed or was cut short)")
        # "Reconnecting… n/N" errors are retries; after turn.completed they were survived.
        found += [f"codex error: {e}" for e in reply.errors if not e.startswith("Reconnecting")]
    if role == "planner" and not reply.text.strip():
        found.append("the planner's final message is empty")
    if role == "executor" and reply.refused:
        found += [f"refused: {r}" for r in reply.refusals]
    return found
