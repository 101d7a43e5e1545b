"""Gemini generateContent half of the loopback fake (see fakeapi.py)."""

from __future__ import annotations

import json
import re

DEFAULT_PLAN = """# Plan

1. Create `hello.txt` containing a greeting.
2. Add a test that reads it back.
"""
# Reply to structured side calls (responseMimeType application/json, e.g. routing or
# next-speaker checks) with something schema-shaped rather than the markdown plan.
SIDE_JSON = {"next_speaker": "user", "reasoning": "fake", "model_choice": "pro"}
_PATH_RE = re.compile(r"/models/([^:/]+):(\w+)")
_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                 503: "UNAVAILABLE"}


def parse_path(path: str) -> tuple[str | None, str | None]:
    """(model, method) from /v1beta/models/MODEL:METHOD?query."""
    match = _PATH_RE.search(path.split("?", 1)[0])
    return (match.group(1), match.group(2)) if match else (None, None)


def _texts(content: dict) -> list[str]:
    return [p["text"] for p in content.get("parts") or [] if isinstance(p.get("text"), str)]


def user_text(body: dict) -> str:
    """Text parts of the last user turn: stdin + blank line + prompt on the first call."""
    for content in reversed(body.get("contents") or []):
        if content.get("role", "user") == "user" and _texts(content):
            return "".join(_texts(content))
    return ""


def first_input_text(body: dict) -> str:
    """Last text part of the first user turn: exactly the CLI's stdin + prompt (gemini
    puts a <session_context> part before it)."""
    for content in body.get("contents") or []:
        if content.get("role", "user") == "user" and _texts(content):
            return _texts(content)[-1]
    return ""


def wants_json(body: dict) -> bool:
    config = body.get("generationConfig") or {}
    return config.get("responseMimeType") == "application/json"


def reply_text(body: dict, cfg: dict) -> str:
    """`plans`: [{"when": text, "plan": text}…], the plan of the first whose text is in the
    input (a fleet's items, one fake); else `plan`."""
    if wants_json(body):
        return json.dumps(cfg.get("side_json", SIDE_JSON))
    given = user_text(body)
    chosen = next((p["plan"] for p in cfg.get("plans") or [] if p["when"] in given), None)
    return chosen or cfg.get("plan", DEFAULT_PLAN)


def function_responses(body: dict) -> int:
    """How many tool results gemini already sent back: the index of the next scripted step."""
    return sum(1 for c in body.get("contents") or [] for p in c.get("parts") or []
               if "functionResponse" in p)


def scripted_call(body: dict, cfg: dict) -> tuple[dict | None, int | None]:
    """The next scripted functionCall part (cfg "script": [{"tool": "write_file",
    "args": {...}}, ...]) for a request that offers tools, else (None, None)."""
    script = cfg.get("script") or []
    index = function_responses(body)
    if not body.get("tools") or index >= len(script):
        return None, None
    step = script[index]
    return {"functionCall": {"name": step["tool"], "args": step.get("args") or {}}}, index


def _chunk(text: str, model: str, final: bool, part: dict | None = None) -> dict:
    candidate: dict = {"content": {"role": "model", "parts": [part or {"text": text}]},
                       "index": 0}
    if final:
        candidate["finishReason"] = "STOP"
    tokens = max(len(text) // 4, 1)
    return {"candidates": [candidate], "modelVersion": model,
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": tokens,
                              "totalTokenCount": 10 + tokens}}


def response_json(text: str, model: str) -> dict:
    return _chunk(text, model, final=True)


def call_sse(part: dict, model: str) -> str:
    """One SSE chunk holding a functionCall."""
    return f"data: {json.dumps(_chunk('', model, True, part))}\r\n\r\n"


def response_sse(text: str, model: str) -> str:
    """Two SSE chunks, so clients must concatenate streamed parts."""
    half = len(text) // 2
    chunks = [_chunk(text[:half], model, False), _chunk(text[half:], model, True)]
    return "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks)


def error_json(status: int) -> dict:
    return {"error": {"code": status, "message": f"fake injected error {status}",
                      "status": _STATUS_NAMES.get(status, "UNKNOWN")}}
