"""The plan resolver's tests share one in-memory repository (tests/support/planfiles_world.py)."""

from __future__ import annotations

import pytest

from tests.support.planfiles_world import world
from twostep.planfiles.repoview import RepoView


@pytest.fixture(scope="module")
def repo() -> RepoView:
    """The shared in-memory repository: tracked, ignored and untracked paths, and symlinks."""
    return world()
