"""The suite's shared fixtures, loaded as a pytest plugin (tests/conftest.py names it in
`pytest_plugins`): test modules ask for them by argument name and never import them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakeapi import FakeAPI


@pytest.fixture
def fake_api() -> Iterator[FakeAPI]:
    """A fresh loopback fake of the Gemini, Anthropic and OpenAI APIs; `.configure(...)` it."""
    with FakeAPI() as fake:
        yield fake


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    """An isolated HOME for the real CLIs, so nothing touches the real ~."""
    home = tmp_path / "home"
    home.mkdir()
    return home
