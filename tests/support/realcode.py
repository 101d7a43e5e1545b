"""Repositories of real code (tests/corpora/realcode/README.md): Go from a vendored slice of
caddy, TypeScript from the zod package the test set-up installs, Python from the standard
library. Packed, they hold the `@` text real repositories do: `{"@id": …}` JSON in Go strings,
`"@scope/pkg": "^1.0.0"` lines, decorators, JSDoc tags, e-mail addresses, `user:pass@host`."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, TOOLS_BIN, make_repo

CADDY = ROOT / "tests" / "corpora" / "realcode" / "caddy"
#: 7 KB of Go that alone makes gemini 0.61.0 glob for ever without the setting.
CADDY_STALLER = "caddyconfig/httpcaddyfile/addresses_test.go"
NODE_MODULES = TOOLS_BIN.parent
ZOD = NODE_MODULES / "zod"
#: Standard-library modules full of decorators, e-mail addresses and `@` in URLs.
STDLIB = ("dataclasses.py", "functools.py", "enum.py", "typing.py", "email/utils.py",
          "smtplib.py", "urllib/parse.py", "http/cookiejar.py")
#: package.json files with scoped dependencies ("@scope/pkg": "^x"), as installed.
MANIFESTS = ("@google/gemini-cli/package.json", "@modelcontextprotocol/sdk/package.json",
             "repomix/package.json", "@secretlint/core/package.json")


def _tree(root: Path, prefix: str = "") -> dict[str, str]:
    return {prefix + p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.is_file()}


def caddy_files(prefix: str = "") -> dict[str, str]:
    return _tree(CADDY, prefix)


def zod_files(prefix: str = "", parts: tuple[str, ...] = ("src/v4",)) -> dict[str, str]:
    if not (ZOD / "src").is_dir():
        pytest.skip(f"{ZOD}/src is not installed (run scripts/setup)")
    files = {f"{prefix}{name}": (ZOD / name).read_text(encoding="utf-8")
             for name in ("LICENSE", "package.json")}
    for part in parts:
        files |= {f"{prefix}{part}/{k}": v for k, v in _tree(ZOD / part).items()
                  if k.endswith(".ts")}
    return files


def stdlib_files(prefix: str = "py/") -> dict[str, str]:
    std = Path(sysconfig.get_paths()["stdlib"])
    return {prefix + name: (std / name).read_text(encoding="utf-8") for name in STDLIB}


def manifest_files(prefix: str = "pkg/") -> dict[str, str]:
    return {prefix + name: (NODE_MODULES / name).read_text(encoding="utf-8")
            for name in MANIFESTS if (NODE_MODULES / name).is_file()}


def caddy_repo(path: Path) -> Path:
    return make_repo(path, caddy_files())


def zod_repo(path: Path) -> Path:
    return make_repo(path, zod_files())


def at_tokens_repo(path: Path) -> Path:
    """About 3.4 MB of real code: the text that stalled gemini, and every other kind of `@`."""
    return make_repo(path, {**caddy_files("go/"), **zod_files("ts/"), **stdlib_files(),
                            **manifest_files()})
