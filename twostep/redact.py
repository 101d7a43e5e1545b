"""Keep secret values out of logs, error messages and manifests."""

from __future__ import annotations

import os
import re

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.I)


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    # Short values (e.g. "x", "1") would redact ordinary text and protect nothing.
    return sorted((v for k, v in env.items() if _SECRET_NAME.search(k) and len(v) >= 6),
                  key=len, reverse=True)


def redact(text: str, environ: dict[str, str] | None = None) -> str:
    for value in secret_values(environ):
        text = text.replace(value, "***")
    return text
