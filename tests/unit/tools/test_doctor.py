"""doctor's checks: each tool with its version, each model CLI's credentials, one exit code."""

from __future__ import annotations

import pytest

from twostep import agents
from twostep.agents import versions
from twostep.errors import ToolMissing
from twostep.pipeline import doctor


@pytest.fixture
def all_found(monkeypatch):
    monkeypatch.setattr(versions, "versions", lambda names: {n: f"{n} 1.0" for n in names})


def test_credentials_per_cli_with_their_roles(all_found) -> None:
    health = doctor.check({"GEMINI_API_KEY": "k"})
    by_cli = {k["cli"]: k for k in health.credentials}
    assert sorted(by_cli) == sorted(agents.NAMES)
    assert by_cli["gemini"]["ok"] and by_cli["gemini"]["from"] == "GEMINI_API_KEY"
    assert by_cli["gemini"]["roles"] == ["planner", "executor"]
    assert not by_cli["codex"]["ok"] and "OPENAI_API_KEY" in by_cli["codex"]["problem"]
    assert health.exit_code == 16


def test_every_key_present_is_exit_0(all_found) -> None:
    environ = {"GEMINI_API_KEY": "g", "ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o"}
    health = doctor.check(environ)
    assert health.exit_code == 0
    assert [t["name"] for t in health.tools] == ["git", "rg", "repomix", *agents.NAMES]


def test_a_missing_tool_outranks_missing_keys(monkeypatch) -> None:
    def found(names):
        if names == ["rg"]:
            raise ToolMissing("`rg` not found")
        return dict.fromkeys(names, "1.0")
    monkeypatch.setattr(versions, "versions", found)
    health = doctor.check({})
    rg = next(t for t in health.tools if t["name"] == "rg")
    assert not rg["ok"] and "ripgrep" in rg["install"]
    assert health.exit_code == 5
