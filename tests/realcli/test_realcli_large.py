"""Issue 11 with the REAL pinned gemini and repomix against the loopback fake: the large
strategy on a copy of the standard library (about 1,850 files selected by the python recipe,
about 8M tokens), forced to "large" by a recipe with small thresholds, and with a planner
window small enough to keep the request quick (150K tokens).

    twostep plan RECIPE --spec S -o -
exits 0; the planner's one request holds the spec, the map of every selected path, and the
defining file of the function the spec names (json/__init__.py for json.dumps) whole, and
stays within the planner's budget.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, git, twostep
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

SPEC = "Make json.dumps accept a sort_keys_casefold flag that sorts keys case-insensitively.\n"
PLAN = "# Plan\n\n1. In `json/__init__.py` add `sort_keys_casefold` to `dumps`.\n"
CONTEXT, OUTPUT = 150_000, 8_000
RECIPE = ("extends: python\nverify: []\n"
          "strategies:\n  small: {below: 10}\n  medium: {below: 20}\n"
          f"planner:\n  context_tokens: {CONTEXT}\n  output_tokens: {OUTPUT}\n")
REQUIRED = ("git", "repomix", "gemini", "twostep", "rg")


def _corpus():
    path = ROOT / "tests/corpora/relevance/build.py"
    spec = importlib.util.spec_from_file_location("relevance_corpus_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stdlib_repo(tmp_path_factory) -> Path:
    return _corpus().stdlib(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home, REQUIRED)


def test_large_plan_sends_the_defining_file_whole_and_the_map(stdlib_repo, env, fake_api,
                                                              tmp_path):
    fake_api.configure(gemini={"plan": PLAN})
    (tmp_path / "r.yaml").write_text(RECIPE)
    (tmp_path / "spec.md").write_text(SPEC)
    result = twostep("plan", str(tmp_path / "r.yaml"), "--spec", str(tmp_path / "spec.md"),
                     "-o", "-", cwd=stdlib_repo, env=env, timeout=300)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, err
    assert result.stdout.decode() == PLAN
    assert "strategy large" in err and "planner input in tiers, lean fill" in err

    [request] = [r for r in fake_api.by_api("gemini") if r["has_tools"]]
    sent = request["input_text"]
    assert sent.startswith(SPEC)
    defining = (stdlib_repo / "json/__init__.py").read_text(encoding="utf-8")
    assert defining.strip() in sent  # whole, not compressed
    assert "<codebase_map>" in sent
    selected = [p for p in git(stdlib_repo, "ls-files", "-z", "--", "*.py").split("\0") if p]
    names = [p.rpartition("/")[2] for p in selected]
    assert sum(f" {n} " in sent for n in names) / len(names) >= 0.99  # the map names them
    # it fits: characters within gemini's limit, tokens (4 chars each, generous) within budget
    assert len(sent) <= 4_150_000 and len(sent) // 4 <= CONTEXT - OUTPUT
    run_dir = next((stdlib_repo / ".twostep/runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "json/__init__.py" in manifest["tiers"]["full"]
    shutil.rmtree(stdlib_repo / ".twostep")
