"""Anthropic Messages API half of the loopback fake (see fakeapi.py).

The fake is stateless: claude re-sends the whole conversation on every turn, so the
number of tool_result blocks already in the request tells which scripted step comes
next. A finite script therefore can never loop, whatever claude answers.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

FINAL_TEXT = "Plan implemented."
SIDE_TEXT = "ok"
_CWD_RE = re.compile(r"Primary working directory: (.+)")


def expand_script(script: list[dict]) -> list[dict]:
    """Turn the config's script into primitive tool calls (Read, Write, Edit).

    claude 2.1.197 refuses Edit, and Write over an existing file, unless the file was
    Read earlier in the session, so Edit and Append get an implicit Read first. A Write
    takes one only when asked (`"read_first": true`), because new files need none.
    An Append to a missing file still works: the Read fails harmlessly, the Write creates.
    A skipped Read is not reported by claude as a failure: the tool_result says "File has
    not been read yet" but the run ends with is_error false and no permission_denials.
    """
    steps: list[dict] = []
    for entry in script:
        tool = entry["tool"]
        if tool not in ("Read", "Write", "Edit", "Append", "Bash"):
            raise ValueError(f"unknown scripted tool {tool!r}")
        if tool in ("Edit", "Append") or entry.get("read_first"):
            steps.append({"tool": "Read", "path": entry["path"]})
        steps.append(entry)
    return steps


def system_text(body: dict) -> str:
    system = body.get("system") or ""
    if isinstance(system, str):
        return system
    return "\n".join(b.get("text", "") for b in system if isinstance(b, dict))


def primary_cwd(body: dict) -> str | None:
    match = _CWD_RE.search(system_text(body))
    return match.group(1).strip() if match else None


def last_user_text(body: dict) -> str:
    """Text blocks of the last user message: the prompt (plus stdin) on the first turn."""
    for message in reversed(body.get("messages") or []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return "".join(b.get("text", "") for b in content if b.get("type") == "text")
    return ""


def first_input_text(body: dict) -> str:
    """Last text block of the first user message: exactly the CLI's prompt + stdin
    (claude puts a <system-reminder> block before it)."""
    for message in body.get("messages") or []:
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts = [b.get("text", "") for b in content if b.get("type") == "text"]
            return texts[-1] if texts else ""
    return ""


def count_tool_results(body: dict) -> int:
    count = 0
    for message in body.get("messages") or []:
        content = message.get("content")
        if message.get("role") == "user" and isinstance(content, list):
            count += sum(1 for b in content if b.get("type") == "tool_result")
    return count


def tool_input(step: dict, cwd: str | None) -> tuple[str, dict]:
    """(tool name, input) for one primitive step; paths become absolute against cwd."""
    if step["tool"] == "Bash":
        return "Bash", {"command": step["command"], "description": "run a check"}
    path = Path(step["path"])
    if not path.is_absolute():
        path = Path(cwd or ".") / path
    tool, file_path = step["tool"], str(path)
    if tool == "Read":
        return "Read", {"file_path": file_path}
    if tool == "Write":
        return "Write", {"file_path": file_path, "content": step["content"]}
    if tool == "Edit":
        return "Edit", {"file_path": file_path, "old_string": step["old"],
                        "new_string": step["new"], "replace_all": False}
    # Append: the fake shares the machine, so it reads the current text itself and has
    # claude Write the whole file back; that is still a real edit made by claude.
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    return "Write", {"file_path": file_path, "content": old + step["text"]}


def session_for(body: dict, cfg: dict) -> dict:
    """The first of `sessions` whose `when` text is in the session's input (claude re-sends
    it every turn), else the top-level config. One fake, many different sessions."""
    given = first_input_text(body)
    return next((s for s in cfg.get("sessions") or [] if s["when"] in given), cfg)


def script_for(body: dict, cfg: dict) -> list[dict]:
    return session_for(body, cfg).get("script") or []


def reply_blocks(body: dict, cfg: dict) -> tuple[list[dict], str, int | None]:
    """Content blocks, stop_reason, and script step index (None: side call or final)."""
    if not body.get("tools"):
        return [{"type": "text", "text": cfg.get("side_text", SIDE_TEXT)}], "end_turn", None
    steps = expand_script(script_for(body, cfg))
    index = count_tool_results(body)
    if index >= len(steps):
        return [{"type": "text", "text": cfg.get("final_text", FINAL_TEXT)}], "end_turn", None
    name, args = tool_input(steps[index], primary_cwd(body))
    block = {"type": "tool_use", "id": f"toolu_fake{index:02d}{uuid.uuid4().hex[:8]}",
             "name": name, "input": args}
    return [block], "tool_use", index


def _usage(body: dict) -> dict:
    approx = len(json.dumps(body.get("messages") or [])) // 4
    return {"input_tokens": max(approx, 1), "output_tokens": 12,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}


def message_json(body: dict, blocks: list[dict], stop: str | None) -> dict:
    return {"id": f"msg_fake{uuid.uuid4().hex[:12]}", "type": "message", "role": "assistant",
            "model": body.get("model", "unknown"), "content": blocks, "stop_reason": stop,
            "stop_sequence": None, "usage": _usage(body)}


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _block_events(index: int, block: dict) -> list[str]:
    if block["type"] == "text":
        start = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    else:
        start = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    return [
        _event("content_block_start",
               {"type": "content_block_start", "index": index, "content_block": start}),
        _event("content_block_delta",
               {"type": "content_block_delta", "index": index, "delta": delta}),
        _event("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


def message_sse(body: dict, blocks: list[dict], stop: str) -> str:
    message = message_json(body, [], None)
    usage = message["usage"]
    events = [_event("message_start", {"type": "message_start", "message": message})]
    for index, block in enumerate(blocks):
        events += _block_events(index, block)
    events.append(_event("message_delta", {
        "type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": {"output_tokens": usage["output_tokens"]}}))
    events.append(_event("message_stop", {"type": "message_stop"}))
    return "".join(events)


def error_json(status: int) -> dict:
    kinds = {400: "invalid_request_error", 401: "authentication_error",
             429: "rate_limit_error", 529: "overloaded_error"}
    return {"type": "error", "error": {"type": kinds.get(status, "api_error"),
                                       "message": f"fake injected error {status}"}}
