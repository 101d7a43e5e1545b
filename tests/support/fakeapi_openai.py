"""Loopback fake of the OpenAI Responses API, as codex 0.169.0 calls it.

codex posts the whole conversation to `POST {base_url}/responses` with `"stream": true` on
every turn (`store: false`), and reads SSE events back. Point codex at the fake through a
custom model provider whose base_url is `fake.base_url` (codex ignores OPENAI_BASE_URL).

In-process: `with FakeOpenAI({"text": "# Plan"}) as fake:` run codex against
fake.base_url, then read fake.requests. Inside another server (fakeapi.py):
`handle(path, body, cfg, seen)` answers one request without I/O; `describe(body)` gives
the fields to record.

Config, every key optional:
    {"text": str,            final assistant message (the plan, or the executor's summary)
     "script": [STEP...],    tool calls made before the final message, one per request
     "usage": {"input_tokens": n, "cached_tokens": n, "output_tokens": n,
               "reasoning_tokens": n},   reported in every response.completed
     "fault": FAULT}
    STEP  = {"write": path, "content": s}      an apply_patch "Add File"
          | {"patch": "*** Begin Patch\\n...*** End Patch\\n"}   any apply_patch text
          | {"shell": cmd}                     an exec_command call (`bash -lc cmd`)
    FAULT = {"status": 500|429|..., "retry_after": "3"}  an HTTP error instead of SSE
          | {"truncate": true}   SSE that ends without response.completed
          | {"failed": true}     SSE ending in response.failed
          | {"cut": true}        the answer's headers and first half, then the connection
                                 closes (a stream cut mid-response)
          | {"delay": seconds} | {"hang": true}   (applied by the server, not by handle)
      plus "times": K to hit only the first K requests (absent or null: all of them).

The fake is stateless, like the anthropic one: the number of tool outputs codex sends back
(`function_call_output` / `custom_tool_call_output` input items) says which step is next,
so a finite script can never loop. Models without top-level tools (the gpt-6.x "code mode")
get the same steps as JavaScript for their one freeform `exec` tool.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, final

DEFAULT_PLAN = "# Plan\n\n1. Create `hello.txt` containing a greeting.\n"
FINAL_TEXT = "Plan implemented."
DEFAULT_USAGE = {"input_tokens": 1200, "cached_tokens": 1000, "output_tokens": 30,
                 "reasoning_tokens": 0}
_OUTPUT_TYPES = ("function_call_output", "custom_tool_call_output")
_HEADERS = ("user-agent", "originator", "content-type", "accept")


@dataclass
class Reply:
    """One HTTP answer; `delay`/`hang` are for the server to apply before sending it."""

    status: int
    content_type: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    step: int | None = None
    delay: float = 0.0
    hang: bool = False
    cut: bool = False


def add_file_patch(path: str, content: str) -> str:
    """apply_patch text that creates `path` (relative to codex's cwd) with `content`."""
    lines = "".join(f"+{line}\n" for line in content.splitlines())
    return f"*** Begin Patch\n*** Add File: {path}\n{lines}*** End Patch\n"


def last_user_text(body: dict) -> str:
    """The prompt codex was given, `<stdin>` block included: the last user message that is
    not the `<environment_context>` codex adds (a repo's AGENTS.md comes before it)."""
    texts = ["".join(c.get("text", "") for c in i.get("content") or [])
             for i in body.get("input") or []
             if i.get("type") == "message" and i.get("role") == "user"]
    texts = [t for t in texts if not t.startswith("<environment_context>")]
    return texts[-1] if texts else ""


def tool_outputs(body: dict) -> list[str]:
    """What codex reported back for each tool call, oldest first."""
    outputs = []
    for item in body.get("input") or []:
        if item.get("type") in _OUTPUT_TYPES:
            out = item.get("output")
            outputs.append(out if isinstance(out, str) else json.dumps(out))
    return outputs


def code_mode(body: dict) -> bool:
    """True when the tools come as an `additional_tools` input item (gpt-6.x models)."""
    return any(i.get("type") == "additional_tools" for i in body.get("input") or [])


def tool_names(body: dict) -> list[str]:
    tools = list(body.get("tools") or [])
    for item in body.get("input") or []:
        tools += item.get("tools") or [] if item.get("type") == "additional_tools" else []
    return [t.get("name") or t.get("type", "?") for t in tools]


def describe(body: dict) -> dict[str, Any]:
    """The per-request fields a test asserts on (the body itself is recorded too)."""
    return {"model": body.get("model"), "stream": bool(body.get("stream")),
            "tools": tool_names(body), "code_mode": code_mode(body),
            "input_types": [i.get("type") for i in body.get("input") or []],
            "user_text": last_user_text(body), "tool_outputs": tool_outputs(body)}


def tool_call_item(step: dict, index: int, js: bool) -> dict:
    """The output item that makes codex run one scripted step."""
    call_id = f"call_fake{index:02d}{uuid.uuid4().hex[:8]}"
    arg: dict | str
    if "shell" in step:
        tool, arg = "exec_command", {"cmd": step["shell"]}
    elif "write" in step or "patch" in step:
        patch = step.get("patch") or add_file_patch(step["write"], step.get("content", ""))
        tool, arg = "apply_patch", patch
    else:
        raise ValueError(f"unknown scripted step {step!r}")
    if js:  # json.dumps yields valid JavaScript literals
        code = f"const r = await tools.{tool}({json.dumps(arg)});\ntext(JSON.stringify(r));"
        return {"type": "custom_tool_call", "name": "exec", "namespace": "functions",
                "call_id": call_id, "input": code}
    if tool == "exec_command":
        return {"type": "function_call", "name": tool, "call_id": call_id,
                "arguments": json.dumps(arg)}
    return {"type": "custom_tool_call", "name": tool, "call_id": call_id, "input": arg}


def reply_item(body: dict, cfg: dict) -> tuple[dict, int | None]:
    """The next output item and its script index (None for the final message)."""
    script = cfg.get("script") or []
    index = len(tool_outputs(body))
    if index < len(script):
        return tool_call_item(script[index], index, code_mode(body)), index
    text = cfg.get("text", DEFAULT_PLAN if not script else FINAL_TEXT)
    return {"type": "message", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}, None


def _event(kind: str, data: dict) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"


def usage_json(usage: dict | None) -> dict:
    u = {**DEFAULT_USAGE, **(usage or {})}
    inp, out = u["input_tokens"], u["output_tokens"]
    return {"input_tokens": inp, "input_tokens_details": {"cached_tokens": u["cached_tokens"]},
            "output_tokens": out, "total_tokens": inp + out,
            "output_tokens_details": {"reasoning_tokens": u["reasoning_tokens"]}}


def response_sse(item: dict, usage: dict | None = None, *, truncate: bool = False,
                 failed: bool = False) -> str:
    """SSE for one output item in the order codex expects."""
    rid = f"resp_fake{uuid.uuid4().hex[:12]}"
    item = {"id": f"item_{uuid.uuid4().hex[:10]}", **item}
    events = [_event("response.created", {"response": {"id": rid}})]
    if item["type"] == "message":
        text = item["content"][0]["text"]
        events.append(_event("response.output_item.added",
                             {"output_index": 0, "item": {**item, "content": []}}))
        events.append(_event("response.output_text.delta",
                             {"item_id": item["id"], "output_index": 0, "delta": text}))
    else:
        events.append(_event("response.output_item.added", {"output_index": 0, "item": item}))
    events.append(_event("response.output_item.done", {"output_index": 0, "item": item}))
    if failed:
        events.append(_event("response.failed", {"response": {"id": rid, "error": {
            "code": "server_error", "message": "fake injected response.failed"}}}))
    elif not truncate:
        events.append(_event("response.completed",
                             {"response": {"id": rid, "usage": usage_json(usage)}}))
    return "".join(events)


def error_json(status: int) -> dict:
    kinds = {400: "invalid_request_error", 401: "invalid_api_key",
             429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}
    return {"error": {"message": f"fake injected error {status}", "type": kinds.get(
        status, "server_error"), "param": None, "code": kinds.get(status)}}


def active_fault(cfg: dict, seen: int) -> dict | None:
    """The fault the request numbered `seen` (0-based) of this API suffers, if any."""
    fault = cfg.get("fault")
    if not fault or (fault.get("times") is not None and seen >= fault["times"]):
        return None
    return fault


def handle(path: str, body: dict, cfg: dict, seen: int = 0, method: str = "POST") -> Reply:
    """Answer one request; `seen` counts earlier requests, for FAULT "times"."""
    if method != "POST" or not path.split("?", 1)[0].endswith("/responses"):
        return Reply(404, "application/json", json.dumps(
            {"error": {"message": f"fake: unknown path {path}", "type": "not_found"}}))
    fault = active_fault(cfg, seen) or {}
    if fault.get("status"):
        status = int(fault["status"])
        extra = {"retry-after": str(fault["retry_after"])} if "retry_after" in fault else {}
        reply = Reply(status, "application/json", json.dumps(error_json(status)), extra)
    else:
        item, step = reply_item(body, cfg)
        reply = Reply(200, "text/event-stream", response_sse(
            item, cfg.get("usage"), truncate=bool(fault.get("truncate")),
            failed=bool(fault.get("failed"))), step=step)
    reply.delay, reply.hang = float(fault.get("delay") or 0), bool(fault.get("hang"))
    reply.cut = bool(fault.get("cut"))
    return reply


@final
class FakeOpenAI:
    """A threaded server on 127.0.0.1 (port 0); every request lands in `requests`."""

    def __init__(self, config: dict | None = None) -> None:
        self.config: dict = dict(config or {})
        self.requests: list[dict] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._seen = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()

    def configure(self, **config: Any) -> None:
        """Replace the whole config and restart the fault counter."""
        with self._lock:
            self.config, self._seen = dict(config), 0

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeOpenAI not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """What a codex model provider's base_url must be."""
        return f"{self.url}/v1"

    def responses(self) -> list[dict]:
        with self._lock:
            return [r for r in self.requests
                    if r["method"] == "POST" and r["path"].endswith("/responses")]

    def start(self) -> FakeOpenAI:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,),
                                        name="fakeapi-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases "hang" and "delay" handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, method: str, path: str, headers: dict, body: dict) -> Reply:
        with self._lock:
            cfg, seen = self.config, self._seen
            if method == "POST" and path.endswith("/responses"):
                self._seen += 1
        reply = handle(path, body, cfg, seen, method)
        entry = {"method": method, "path": path, "headers": headers,
                 "status": None if reply.hang else reply.status, "step": reply.step,
                 "t": round(time.monotonic() - self._t0, 3), "body": body, **describe(body)}
        with self._lock:
            self.requests.append(entry)
        return reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait on a hung handler at shutdown
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        self._serve(body)

    do_GET = do_POST  # the built-in provider's websocket probe is a GET: 404

    def _serve(self, body: dict) -> None:
        headers = {h: self.headers[h] for h in _HEADERS if h in self.headers}
        if "authorization" in self.headers:
            headers["authorization"] = self.headers["authorization"]  # only fake keys
        fake = self.server.fake
        reply = fake.answer(self.command, self.path, headers, body)
        if reply.hang:
            fake.stopping.wait()
            self.close_connection = True
            return
        if reply.delay and fake.stopping.wait(reply.delay):
            return
        data = reply.text.encode("utf-8")
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if reply.cut:
            data = data[:len(data) // 2]
            self.close_connection = True
        self.wfile.write(data)
