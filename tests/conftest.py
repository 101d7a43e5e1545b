"""Shared fixtures. The layout mirrors the package: unit/<subpackage>/ for unit tests, e2e/ for
whole runs with stand-in model CLIs, realcli/ for the real pinned CLIs against the loopback API
fakes; the fakes and helpers live in support/, which is put on sys.path here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
for _path in (_TESTS / "support", _TESTS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fakeapi import FakeAPI  # noqa: E402  (support/ is on sys.path only from here on)


@pytest.fixture
def fake_api():
    """A fresh loopback fake of the Gemini and Anthropic APIs; `.configure(...)` it."""
    with FakeAPI() as fake:
        yield fake


@pytest.fixture
def cli_home(tmp_path):
    """An isolated HOME for the real CLIs, so nothing touches the real ~."""
    home = tmp_path / "home"
    home.mkdir()
    return home
