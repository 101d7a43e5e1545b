"""A failed model call says why, where its log is, and how to go on: every CLI in both roles,
with the REAL pinned CLIs against the loopback fake's 429, 500 and a stream cut mid-response.

twostep's stderr must carry the CLI's own reason on the error line (the API status and
message, which each adapter finds where its CLI puts it: claude's JSON reply, gemini's error
object after a Node stack trace on stderr, codex's events), the path of the full log, and the
resume hint with the run's id; and never a line of a stack trace. Retries are 0 (the recipe's
`retries:` sets claude's CLAUDE_CODE_MAX_RETRIES, gemini's maxAttempts and codex's caps), so
each call fails at once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.realcli.test_agents_e2e import PLAN, SPEC, small_repo
from tests.support.helpers import twostep
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

CLIS = ("claude", "gemini", "codex")
API = {"gemini": "gemini", "claude": "anthropic", "codex": "openai"}
FAULTS = {"429": {"status": 429}, "500": {"status": 500}, "cut": {"cut": True}}
#: What each CLI's own reason says, as its adapter reads it (one line after "exited with
#: code N: "). codex names no status for a 5xx: it says "high demand" (its words).
REASONS = {
    ("claude", "429"): "API Error: Request rejected (429)",
    ("claude", "500"): "API Error: 500 fake injected error 500",
    ("claude", "cut"): "API Error: Connection to the API was lost",
    ("gemini", "429"): "API error 429: fake injected error 429",
    ("gemini", "500"): "API error 500: fake injected error 500",
    ("gemini", "cut"): "terminated (other side closed)",
    ("codex", "429"): "last status: 429 Too Many Requests",
    ("codex", "500"): "high demand",
    ("codex", "cut"): "stream disconnected before completion",
}
CASES = [(cli, role, fault) for cli in CLIS for role in ("planner", "executor") for fault in FAULTS]


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home, ("git", "repomix", *CLIS, "twostep"))


def _configure(fake, cli: str, role: str, fault: dict) -> None:
    """The CLI under test fails with `fault`; the plan exists, so the executor is the only call."""
    if cli == "codex":
        fake.configure(openai={role: {"text": PLAN, "fault": fault}})
    elif cli == "claude":
        fake.configure(anthropic={"side_text": PLAN, "fault": fault})
    else:
        fake.configure(gemini={"plan": PLAN, "fault": fault})


def _command(cli: str, role: str, tmp_path: Path, repo: Path) -> list[str]:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"extends: default\n{role}:\n  cli: {cli}\n  retries: 0\n")
    if role == "planner":
        spec = tmp_path / "spec.md"
        spec.write_text(SPEC)
        return ["plan", str(recipe), "--spec", str(spec)]
    (repo / "AI-PLAN.md").write_text(PLAN)
    return ["execute", str(recipe), "--plan", "AI-PLAN.md", "--yes", "--execute-by", "plan"]


@pytest.mark.parametrize("cli,role,fault", CASES, ids=["-".join(c) for c in CASES])
def test_a_failed_call_says_why_where_its_log_is_and_how_to_resume(cli, role, fault, env,
                                                                     fake_api, tmp_path):
    repo = small_repo(tmp_path / "repo")
    _configure(fake_api, cli, role, FAULTS[fault])

    result = twostep(*_command(cli, role, tmp_path, repo), cwd=repo, env=env, timeout=180)

    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == (7 if role == "planner" else 8), err
    assert fake_api.by_api(API[cli]), "the CLI never reached the fake"
    [run] = json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)
    line = next(ln for ln in err.splitlines() if ln.startswith("twostep: error: "))
    assert re.search(rf"`{cli}` exited with code \d+: .*{re.escape(REASONS[cli, fault])}", line), \
        err
    log = re.search(r"^  full log: (\S+)", err, re.M)
    assert log and Path(log.group(1)).is_file() and Path(log.group(1)).parent.name == run["id"]
    assert f"hint: run {run['id']} can be resumed: `twostep resume`" in err
    assert not [ln for ln in err.splitlines() if ln.startswith("    at ") or "file:///" in ln]
    # the manifest, and so `twostep runs`, keeps the same line
    assert run["error"] == line.removeprefix("twostep: error: ") and run["resumable"]
    assert run["outcome"] == "failed" and run["exit_name"] == role
