"""Loopback fake of the Gemini and Anthropic HTTP APIs, for running the REAL gemini and
claude CLIs offline (point them at it with GOOGLE_GEMINI_BASE_URL / ANTHROPIC_BASE_URL).

In-process:
    with FakeAPI({"anthropic": {"script": [{"tool": "Write", "path": "a.txt",
                                            "content": "hi\\n"}]}}) as fake:
        ... run the CLIs with fake.url ...; fake.requests is the list of records

Standalone (writes its URL to F, serves until SIGTERM, one JSON record per line in L):
    python tests/support/fakeapi.py --config cfg.json --port-file F --log L

Config, every key optional:
    {"gemini":    {"plan": str, "plans": [{"when": str, "plan": str}...], "side_json": {...},
                   "fault": FAULT},
     "anthropic": {"script": [STEP...], "final_text": str, "side_text": str, "fault": FAULT,
                   "sessions": [{"when": str, "script": [STEP...], "status": int}...]}}
    `sessions`: a session whose input holds `when` follows that script (the first that
    matches), any other follows `script`; with `status`, its model calls fail with it.
    STEP  = {"tool": "Write", "path": p, "content": s, "read_first": bool}
          | {"tool": "Edit", "path": p, "old": s, "new": s}   (a Read is scripted first)
          | {"tool": "Append", "path": p, "text": s}          (Read, then Write old+text)
          | {"tool": "Read", "path": p}
          | {"tool": "Bash", "command": s}
      relative paths resolve against "Primary working directory:" in claude's system prompt.
    FAULT = {"status": 500, "times": K, "delay": S, "hang": bool, "cut": bool,
             "retry_after": "0"}
      applies to the first K requests of that API (K absent or null: all of them).
      "delay" alone answers normally after S s; "hang" never answers until stop(); "cut"
      sends the normal answer's headers and first half, then closes the connection (a
      stream cut mid-response; the openai fault "cut" does the same).

Each request is recorded (fake.requests / the JSONL log) as a dict with: api ("gemini",
"anthropic" or "unknown"), method, path, model, has_tools, stream, headers (a few of
interest; auth headers only as "<present>"), user_text (text of the last user message),
input_text (last text part of the first user message: exactly the CLI's stdin+prompt),
cwd (claude only), step (claude script index, None for final/side answers), status (None
when hung), fault, t (seconds since the fake was created) and body (the request JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

try:  # imported as tests.support.fakeapi, or run as a script (scripts/demo does)
    from . import fakeapi_anthropic as anthropic
    from . import fakeapi_gemini as gemini
    from . import fakeapi_openai as openai
except ImportError:
    import fakeapi_anthropic as anthropic  # type: ignore[no-redef]
    import fakeapi_gemini as gemini  # type: ignore[no-redef]
    import fakeapi_openai as openai  # type: ignore[no-redef]

_HEADERS = ("user-agent", "content-type", "anthropic-version", "anthropic-beta",
            "x-goog-api-client", "retry-after")
_AUTH_HEADERS = ("x-api-key", "authorization", "x-goog-api-key")


class FakeAPI:
    """The fake server; all state a test may inspect or change lives here."""

    def __init__(self, config: dict | None = None, log_path: str | Path | None = None):
        self.config: dict = {}
        self.requests: list[dict] = []
        self.log_path = Path(log_path) if log_path else None
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()
        self.configure(**(config or {}))

    def configure(self, gemini: dict | None = None, anthropic: dict | None = None,
                  openai: dict | None = None) -> None:
        """Replace the config of the given APIs; restarts their fault counters.
        `openai` is fakeapi_openai's config (the Responses API that codex calls)."""
        with self._lock:
            for api, cfg in (("gemini", gemini), ("anthropic", anthropic), ("openai", openai)):
                if cfg is not None:
                    self.config[api] = dict(cfg)
                    self._counts[api] = 0

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeAPI not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def by_api(self, api: str) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if r["api"] == api]

    def start(self) -> FakeAPI:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,),
                                        name="fakeapi", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # releases "hang" and "delay" handlers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeAPI:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def take_fault(self, api: str) -> dict | None:
        """Count this request and return the fault it should suffer, if any."""
        with self._lock:
            cfg = self.config.get(api) or {}
            seen = self._counts.get(api, 0)
            self._counts[api] = seen + 1
        fault = cfg.get("fault")
        if not fault or (fault.get("times") is not None and seen >= fault["times"]):
            return None
        return fault

    def record(self, entry: dict) -> None:
        entry["t"] = round(time.monotonic() - self._t0, 3)
        with self._lock:
            self.requests.append(entry)
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as log:
                    log.write(json.dumps(entry) + "\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never wait on a hung handler at shutdown
    fake: FakeAPI


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
    timeout = 120  # idle keep-alive connections end on their own
    server: _Server
    cut = False  # the fault "cut": send half the answer, then close the connection

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {"_unparsed": raw.decode("utf-8", "replace")}
        api = _classify(self.path)
        if api == "openai":
            self._serve_openai(body)
            return
        entry = self._describe(api, body)
        fake = self.server.fake
        fault = fake.take_fault(api) if api != "unknown" else None
        entry["fault"] = fault
        if api == "unknown":
            entry["status"] = 404
        elif fault and fault.get("hang"):
            entry["status"] = None  # never answered
        elif fault and fault.get("status"):
            entry["status"] = fault["status"]
        fake.record(entry)
        if fault and not self._suffer(fault):
            return
        self.cut = bool(fault and fault.get("cut"))
        if api == "unknown":
            self._send_json(404, {"error": {"code": 404, "message": "fake: unknown path"}})
        elif fault and fault.get("status"):
            self._send_error(api, fault)
        elif api == "gemini":
            self._answer_gemini(body, entry)
        else:
            self._answer_anthropic(body, entry)

    def _serve_openai(self, body: dict) -> None:
        """The Responses API (fakeapi_openai answers; its faults include hang and delay)."""
        fake = self.server.fake
        # {"planner": CFG, "executor": CFG}: codex in each role gets its own script (the
        # prompt says which role a request is for); fault counters are per role then.
        cfg = fake.config.get("openai") or {}
        api = "openai"
        if "planner" in cfg or "executor" in cfg:
            api = "openai-" + ("planner" if "You are the planner" in openai.last_user_text(body)
                               else "executor")
            cfg = cfg.get(api[7:]) or {}
            cfg = session_for(cfg, openai.last_user_text(body))
        with fake._lock:
            seen = fake._counts.get(api, 0)
            if self.command == "POST":
                fake._counts[api] = seen + 1
        reply = openai.handle(self.path, body, cfg, seen, self.command)
        headers = {h: self.headers[h] for h in _HEADERS if h in self.headers}
        headers.update({h: "<present>" for h in _AUTH_HEADERS if h in self.headers})
        fake.record({"api": "openai", "method": self.command, "path": self.path,
                     "headers": headers, "status": None if reply.hang else reply.status,
                     "step": reply.step, "has_tools": True, "body": body,
                     "input_text": openai.last_user_text(body), **openai.describe(body)})
        if reply.hang:
            fake.stopping.wait()
            self.close_connection = True
            return
        if reply.delay and fake.stopping.wait(reply.delay):
            return
        self.cut = reply.cut
        self._send(reply.status, reply.content_type, reply.text, reply.headers)

    def _describe(self, api: str, body: dict) -> dict:
        headers = {h: self.headers[h] for h in _HEADERS if h in self.headers}
        headers.update({h: "<present>" for h in _AUTH_HEADERS if h in self.headers})
        entry = {"api": api, "method": self.command, "path": self.path, "headers": headers,
                 "status": 200, "body": body}
        if api == "gemini":
            entry["model"], entry["rpc"] = gemini.parse_path(self.path)
            entry.update(has_tools=bool(body.get("tools")), stream=entry["rpc"] ==
                         "streamGenerateContent", user_text=gemini.user_text(body),
                         input_text=gemini.first_input_text(body))
        elif api == "anthropic":
            entry.update(model=body.get("model"), has_tools=bool(body.get("tools")),
                         stream=bool(body.get("stream")),
                         user_text=anthropic.last_user_text(body),
                         input_text=anthropic.first_input_text(body),
                         cwd=anthropic.primary_cwd(body))
        return entry

    def _suffer(self, fault: dict) -> bool:
        """Apply delay/hang; False when the request must get no answer at all."""
        stopping = self.server.fake.stopping
        if fault.get("hang"):
            stopping.wait()
            self.close_connection = True
            return False
        if fault.get("delay"):
            stopping.wait(float(fault["delay"]))
        return not stopping.is_set()

    def _send_error(self, api: str, fault: dict) -> None:
        status = int(fault["status"])
        payload = gemini.error_json(status) if api == "gemini" else anthropic.error_json(status)
        extra = {"retry-after": str(fault["retry_after"])} if "retry_after" in fault else {}
        self._send_json(status, payload, extra)

    def _answer_gemini(self, body: dict, entry: dict) -> None:
        model, rpc = entry["model"] or "unknown", entry["rpc"]
        if rpc == "countTokens":
            self._send_json(200, {"totalTokens": max(len(json.dumps(body)) // 4, 1)})
            return
        cfg = self.server.fake.config.get("gemini") or {}
        if body.get("tools"):
            cfg = session_for(cfg, gemini.first_input_text(body))
        part, entry["step"] = gemini.scripted_call(body, cfg)
        if part is not None and rpc == "streamGenerateContent":
            self._send(200, "text/event-stream", gemini.call_sse(part, model))
            return
        text = gemini.reply_text(body, cfg)
        if rpc == "streamGenerateContent":
            self._send(200, "text/event-stream", gemini.response_sse(text, model))
        else:
            self._send_json(200, gemini.response_json(text, model))

    def _answer_anthropic(self, body: dict, entry: dict) -> None:
        if self.path.split("?")[0].endswith("/count_tokens"):
            self._send_json(200, {"input_tokens": max(len(json.dumps(body)) // 4, 1)})
            return
        cfg = self.server.fake.config.get("anthropic") or {}
        status = anthropic.session_for(body, cfg).get("status") if body.get("tools") else None
        if status and cfg.get("sessions"):
            entry["status"] = status
            self._send_error("anthropic", {"status": status})
            return
        blocks, stop, step = anthropic.reply_blocks(body, cfg)
        entry["step"] = step
        if body.get("stream"):
            self._send(200, "text/event-stream", anthropic.message_sse(body, blocks, stop))
        else:
            self._send_json(200, anthropic.message_json(body, blocks, stop))

    def _send_json(self, status: int, payload: dict, extra: dict | None = None) -> None:
        self._send(status, "application/json", json.dumps(payload), extra)

    def _send(self, status: int, ctype: str, text: str, extra: dict | None = None) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.cut:
            data = data[:len(data) // 2]
            self.close_connection = True
        self.wfile.write(data)


def _classify(path: str) -> str:
    bare = path.split("?", 1)[0]
    if bare.startswith("/v1/messages"):
        return "anthropic"
    if bare.startswith("/v1/responses"):
        return "openai"
    if "/models/" in bare and ":" in bare:
        return "gemini"
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", help="JSON config file (see module docstring)")
    parser.add_argument("--port-file", required=True, help="file to write the base URL to")
    parser.add_argument("--log", help="JSONL file to append one record per request to")
    args = parser.parse_args(argv)
    config = json.loads(Path(args.config).read_text()) if args.config else {}
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with FakeAPI(config, log_path=args.log) as fake:
        # Write-then-rename so a poller never reads a half-written URL.
        tmp = Path(f"{args.port_file}.tmp{os.getpid()}")
        tmp.write_text(fake.url + "\n")
        tmp.replace(args.port_file)
        done.wait()
    return 0


def session_for(cfg: dict, given: str) -> dict:
    """gemini's and codex's executor sessions as claude's (anthropic.session_for): the first
    of `sessions` whose `when` is in the session's input, over the rest of the config."""
    found = next((s for s in cfg.get("sessions") or [] if s["when"] in given), None)
    return {**cfg, **found} if found else cfg


if __name__ == "__main__":
    sys.exit(main())
