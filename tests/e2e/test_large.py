"""Issue 11's dry-run promise, end to end with stand-in model CLIs (real git, rg, repomix): in
the large strategy the script holds the rg stages, the ranking, the tiers and the compress flag,
and bash of it, on an identical repository, gives the planner the same tiered input and the
executor the same input, callers included, as `twostep run`.

The codebase is small but forced to "large" with a 16K-token planner window, so that all three
tiers are populated: full text, compressed, and files only the map names.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

from tests.support.helpers import calls, git, make_repo, standin_env, twostep

SPEC = "Make slugify drop punctuation, so that Slugger.make gives clean slugs.\n"
RECIPE = ("extends: python\nverify: []\nstrategies:\n  small: {below: 10}\n  medium: {below: 20}\n"
          "  large: {fill: full}\n"  # to the budget: every tier is populated
          "planner:\n  context_tokens: 18000\n  output_tokens: 2000\n")
PLAN = """# Plan

1. In `core/slugify.py` make `slugify` drop punctuation.

```twostep-files
modify: core/slugify.py
```
"""
SLUGS = ('"""Slugs."""\n\n\ndef slugify(text):\n    return "-".join(text.lower().split())\n\n\n'
         'class Slugger:\n    def make(self, text):\n        return slugify(text)\n')


def _codebase() -> dict[str, str]:
    """Four packages of eight generated modules (deterministic), the module the spec concerns,
    and one caller of it."""
    rng, words = random.Random(7), "alpha beta gamma delta epsilon zeta theta kappa".split()
    files = {"core/slugify.py": SLUGS}
    for pkg in ("core", "util", "net", "store"):
        files[f"{pkg}/__init__.py"] = ""
        for n in range(8):
            files[f"{pkg}/m{n}.py"] = f'"""Module {pkg}.m{n}."""\n\n' + "".join(
                f"def {rng.choice(words)}_{pkg}_{n}_{f}(x, y):\n    '''Compute it.'''\n"
                f"    total = x + y * {f}\n    return total - {n}\n\n\n" for f in range(30))
    files["util/m3.py"] += ("from core.slugify import slugify\n\n\n"
                            "def title_slug(t):\n    return slugify(t)\n")
    return files


def test_large_dry_run_reproduces_the_tiered_inputs(tmp_path):
    files = _codebase()
    repo, twin = make_repo(tmp_path / "repo", files), make_repo(tmp_path / "twin", files)
    (tmp_path / "r.yaml").write_text(RECIPE)
    (tmp_path / "spec.md").write_text(SPEC)
    edit = {"path": "core/slugify.py", "content": "# punctuation\n", "append": True}
    env = standin_env(tmp_path, plan=PLAN, edits=[edit])
    args = ("run", str(tmp_path / "r.yaml"), "--spec", str(tmp_path / "spec.md"), "--yes")

    dry = twostep(*args, "--dry-run", cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    script = dry.stdout.decode()
    for stage in ("xargs -0 -r rg ", "twostep patterns ", "twostep relevant ", "twostep tiers ",
                  " --compress ", "twostep trim-tiers ", "twostep callers "):
        assert stage in script, stage
    assert calls(env) == []

    ran = twostep(*args, cwd=repo, env=env)
    assert ran.returncode == 0, ran.stderr.decode()
    manifest = json.loads(next((repo / ".twostep/runs").glob("*/manifest.json")).read_text())
    tiers = manifest["tiers"]
    assert "core/slugify.py" in tiers["full"]
    assert tiers["compressed"] and tiers["left_out"], tiers  # every tier is exercised

    bashed = subprocess.run(["bash", "-c", script], cwd=twin, env=env, capture_output=True)
    assert bashed.returncode == 0, bashed.stderr.decode()
    assert (twin / "AI-PLAN.md").read_bytes() == (repo / "AI-PLAN.md").read_bytes()
    assert git(twin, "diff") == git(repo, "diff") != ""
    for tool in ("gemini", "claude"):
        inputs = [c["stdin_sha256"] for c in calls(env) if c["tool"] == tool]
        assert len(inputs) == 2 and inputs[0] == inputs[1], tool
    sent = (Path(env["STANDIN_DIR"]) / "gemini.stdin").read_text()
    assert "<codebase_map>" in sent and SLUGS.strip() in sent  # the map, and the file whole
    executor = (Path(env["STANDIN_DIR"]) / "claude.stdin").read_text()
    assert "READ-ONLY CONTEXT" in executor and "def title_slug" in executor  # its caller
