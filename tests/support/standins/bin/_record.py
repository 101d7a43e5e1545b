"""Shared by the stand-ins: append one JSON line per call to $STANDIN_DIR/calls.jsonl."""
import hashlib
import json
import os
import sys


def record(name: str, stdin: bytes) -> None:
    directory = os.environ.get("STANDIN_DIR")
    if not directory:
        return
    entry = {"tool": name, "argv": sys.argv[1:], "cwd": os.getcwd(), "stdin_bytes": len(stdin),
             "stdin_sha256": hashlib.sha256(stdin).hexdigest(),
             "stdin_head": stdin[:200].decode("utf-8", "replace"),
             "env": {k: v for k, v in os.environ.items()
                     if k.startswith(("GEMINI_CLI", "CLAUDE_CODE"))}}
    with open(os.path.join(directory, "calls.jsonl"), "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
    with open(os.path.join(directory, f"{name}.stdin"), "wb") as handle:
        handle.write(stdin)
