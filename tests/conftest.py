"""Shared fixtures. tests/ is on sys.path (rootdir conftest, no __init__.py)."""

from __future__ import annotations

import pytest

from fakeapi import FakeAPI


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
