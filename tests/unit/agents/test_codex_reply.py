"""twostep.agents.codex_reply on event streams shaped like codex 0.169.0's `exec --json`
output (captured from real runs against the loopback fake)."""

from __future__ import annotations

import json

import pytest

from twostep.agents.codex_reply import (
    CodexUsage,
    FileChange,
    parse_events,
    problems,
    stderr_refusals,
)

THREAD = {"type": "thread.started", "thread_id": "01a23011-df2b"}
TURN = {"type": "turn.started"}
USAGE = {"input_tokens": 1000, "cached_input_tokens": 200, "cache_write_input_tokens": 0,
         "output_tokens": 18, "reasoning_output_tokens": 3}
DONE = {"type": "turn.completed", "usage": USAGE}
REJECTED = ("2026-12-01T05:26:49.702058Z ERROR codex_core::tools::router: error=patch "
            "rejected: writing is blocked by read-only sandbox; rejected by user approval "
            "settings")


def jsonl(*events: dict) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def message(text: str, item_id: str = "item_1") -> dict:
    return {"type": "item.completed",
            "item": {"id": item_id, "type": "agent_message", "text": text}}


def file_change(status: str, *changes: tuple[str, str]) -> dict:
    return {"type": "item.completed" if status != "in_progress" else "item.started",
            "item": {"id": "item_0", "type": "file_change", "status": status,
                     "changes": [{"path": p, "kind": k} for p, k in changes]}}


def command(event: str, status: str, output: str = "", cmd: str = "/bin/bash -lc 'make'",
            item_id: str = "item_2") -> dict:
    return {"type": event, "item": {"id": item_id, "type": "command_execution",
                                    "command": cmd, "aggregated_output": output,
                                    "exit_code": None if status == "in_progress" else 1,
                                    "status": status}}


def test_plan_text_usage_and_completion():
    reply = parse_events(jsonl(THREAD, TURN, message("draft", "item_0"), message("# PLAN\n"),
                               DONE))
    assert reply.text == "# PLAN\n"  # the last agent_message is the answer
    assert reply.completed and not reply.refused and reply.errors == ()
    assert reply.usage == CodexUsage(1000, 200, 18, 3)
    assert reply.thread_id == "01a23011-df2b"
    assert problems(reply, 0, role="planner") == []


def test_file_changes_are_collected_once_completed():
    reply = parse_events(jsonl(
        THREAD, TURN, file_change("in_progress", ("/r/a.txt", "add")),
        file_change("completed", ("/r/a.txt", "add"), ("/r/b/c.py", "update")),
        file_change("completed", ("/r/a.txt", "update"), ("/elsewhere/x", "delete")),
        message("done"), DONE))
    assert reply.changes == (FileChange("/r/a.txt", "add"), FileChange("/r/b/c.py", "update"),
                             FileChange("/r/a.txt", "update"),
                             FileChange("/elsewhere/x", "delete"))
    assert reply.changed_paths == ("/r/a.txt", "/r/b/c.py", "/elsewhere/x")
    assert problems(reply, 0, role="executor") == []


def test_failed_file_change_is_an_error_not_a_change():
    reply = parse_events(jsonl(file_change("failed", ("/r/a.txt", "update")), DONE))
    assert reply.changes == ()
    assert reply.errors == ("file change failed: /r/a.txt",)


def test_refused_patch_is_found_on_stderr_only():
    stdout = jsonl(THREAD, TURN, message("Plan implemented."), DONE)
    reply = parse_events(stdout, "Reading additional input from stdin...\n" + REJECTED + "\n")
    assert reply.refused and reply.completed and reply.changes == ()
    assert reply.refusals == (REJECTED.split("error=")[1],)
    assert problems(reply, 0, role="executor") == [f"refused: {reply.refusals[0]}"]
    # A planner's refused write is harmless: its answer is the plan.
    assert problems(reply, 0, role="planner") == []


def test_refused_shell_write_with_other_output_is_a_refusal():
    output = "pyenv: cannot rehash\n/bin/bash: line 1: x.txt: Read-only file system\n"
    reply = parse_events(jsonl(command("item.started", "in_progress"),
                               command("item.completed", "failed", output), message("ok"),
                               DONE))
    assert reply.refusals == ("command refused by the sandbox: /bin/bash -lc 'make'",)
    assert reply.unfinished == ()


def test_ordinary_failed_command_is_not_a_refusal():
    reply = parse_events(jsonl(command("item.completed", "failed", "make: *** Error 2\n"),
                               message("ok"), DONE))
    assert not reply.refused and problems(reply, 0, role="executor") == []


def test_command_running_at_turn_end_is_unfinished():
    reply = parse_events(jsonl(command("item.started", "in_progress", cmd="sleep 300"),
                               message("ok"), DONE))
    assert reply.unfinished == ("sleep 300",)


def test_turn_failed_after_reconnects():
    stdout = jsonl(THREAD, TURN,
                   {"type": "error", "message": "Reconnecting... 1/1 (stream disconnected)"},
                   {"type": "turn.failed", "error": {"message": "stream disconnected before "
                                                     "completion: stream closed"}})
    reply = parse_events(stdout)
    assert not reply.completed and reply.usage is None and reply.text == ""
    assert reply.errors == ("Reconnecting... 1/1 (stream disconnected)",
                            "stream disconnected before completion: stream closed")
    found = problems(reply, 1, role="planner")
    assert found[:2] == ["codex exited with 1",
                         "no turn.completed event (the turn failed or was cut short)"]
    assert "codex error: stream disconnected before completion: stream closed" in found
    assert not any("Reconnecting" in p for p in found)


def test_error_items_are_warnings_and_survived_reconnects_are_no_problem():
    warning = ("Model metadata for `gpt-5.1` not found. Defaulting to fallback metadata; "
               "this can degrade performance and cause issues.")
    reply = parse_events(jsonl(
        THREAD, {"type": "item.completed", "item": {"id": "item_0", "type": "error",
                                                    "message": warning}},
        TURN, {"type": "error", "message": "Reconnecting... 1/2 (stream disconnected)"},
        message("# PLAN"), DONE))
    assert reply.warnings == (warning,) and reply.completed
    assert reply.errors == ("Reconnecting... 1/2 (stream disconnected)",)
    assert problems(reply, 0, role="planner") == []


def test_turn_failed_wins_over_a_streamed_message():
    # A truncated stream still yields the streamed agent_message before turn.failed.
    reply = parse_events(jsonl(message("# PLAN"), {"type": "turn.failed", "error": {}}))
    assert reply.text == "# PLAN" and not reply.completed
    assert reply.errors == ("turn failed",)


@pytest.mark.parametrize("stdout", ["", "not json\n", '{"type":"turn.started"}\n{"type":"tu'])
def test_missing_completion(stdout):
    reply = parse_events(stdout)
    assert not reply.completed and reply.usage is None
    assert "no turn.completed event (the turn failed or was cut short)" in problems(
        reply, 0, role="executor")


def test_empty_plan_is_a_problem_for_the_planner_only():
    reply = parse_events(jsonl(message("  \n"), DONE))
    assert problems(reply, 0, role="planner") == ["the planner's final message is empty"]
    assert problems(reply, 0, role="executor") == []


def test_odd_values_do_not_crash():
    reply = parse_events(jsonl(
        {"type": "turn.completed", "usage": {"input_tokens": -5, "output_tokens": "7"}},
        {"type": "item.completed", "item": None}, ["a", "list"],  # type: ignore[arg-type]
        {"type": "item.completed", "item": {"type": "error", "message": "bad tool"}}))
    assert reply.usage == CodexUsage(0, 0, 0, 0)
    assert reply.warnings == ("bad tool",) and reply.errors == ()


def test_stderr_refusals_finds_every_rejection():
    outside = REJECTED.replace("is blocked by read-only sandbox", "outside of the project")
    assert stderr_refusals(f"{REJECTED}\nwarning: x\n{outside}\n") == [
        ("patch rejected: writing is blocked by read-only sandbox; rejected by user approval "
         "settings"),
        "patch rejected: writing outside of the project; rejected by user approval settings"]
