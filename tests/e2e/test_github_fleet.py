"""scripts/github/fleet-workflow.yml, the fleet over a matrix: its shape, then its jobs played
locally with the real twostep and the stand-in model CLIs: `fleet.sh matrix` emits the rows,
each row runs the composite action on its own runner (its own clone) and `fleet.sh keep`
keeps its result, and `fleet.sh merge` gives one fleet result and the job summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.e2e import gha_local
from tests.support.helpers import ROOT, example_repo, git, standin_env

GITHUB = ROOT / "scripts" / "github"
FLEET = GITHUB / "steps" / "fleet.sh"
RECIPE = str(ROOT / "scripts" / "example" / "recipe.yaml")
EDITS = [{"path": "wordfreq/cli.py", "content": "# --top\n", "append": True,
          "when": "task 1 of 2"},
         {"path": "tests/test_top.py", "content": "def test_top():\n    pass\n",
          "when": "task 2 of 2"}]


def test_the_workflow_is_reusable_and_fans_the_items_out():
    flow = yaml.safe_load((GITHUB / "fleet-workflow.yml").read_text())
    call = flow[True]["workflow_call"]  # YAML 1.1 reads the key `on` as True
    assert {"batch", "max-parallel", "max-cost", "pr"} <= set(call["inputs"])
    assert call["inputs"]["batch"]["required"] is True
    jobs = flow["jobs"]
    assert "fleet.sh matrix" in jobs["matrix"]["steps"][-1]["run"]
    strategy = jobs["item"]["strategy"]
    assert strategy["max-parallel"] == "${{ inputs.max-parallel }}"
    assert strategy["matrix"] == "${{ fromJSON(needs.matrix.outputs.matrix) }}"
    assert strategy["fail-fast"] is False
    action = next(s for s in jobs["item"]["steps"] if s.get("id") == "twostep")
    assert action["uses"] == "./.twostep-src/scripts/github"
    assert action["with"]["spec"] == "${{ matrix.spec }}"
    assert action["with"]["fail-on-error"] == "false"
    uploads = [s for s in jobs["item"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads and uploads[0]["with"]["name"] == "twostep-item-${{ matrix.id }}"
    assert jobs["merge"]["needs"] == ["matrix", "item"]
    assert "fleet.sh merge" in next(s for s in jobs["merge"]["steps"]
                                    if s.get("id") == "merge")["run"]
    for job in jobs.values():  # inputs reach scripts through env:, never spliced into them
        assert all("${{ inputs." not in s.get("run", "") for s in job["steps"])


def _twostep_on_path(tmp: Path) -> str:
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    (bin_dir / "twostep").write_text(f'#!/bin/sh\nexec {sys.executable} -m twostep "$@"\n')
    (bin_dir / "twostep").chmod(0o755)
    return str(bin_dir)


def _step(verb: str, cwd: Path, env: dict, tmp: Path, **more: str) -> dict:
    out = tmp / f"output-{verb}-{len(list(tmp.glob('output-*')))}"
    out.write_text("")
    proc = subprocess.run(["bash", str(FLEET), verb], cwd=cwd, capture_output=True, text=True,
                          env={**env, "GITHUB_OUTPUT": str(out), **more}, timeout=300)
    return {"code": proc.returncode, "log": proc.stdout + proc.stderr,
            **gha_local.parse_output_file(out.read_text())}


def test_the_jobs_run_locally_with_the_real_twostep(tmp_path):
    origin = example_repo(tmp_path / "origin")
    (origin / "specs").mkdir()
    for n in (1, 2, 3):
        (origin / "specs" / f"s{n}.md").write_text(f"Item {n}: add --top\n")
    (origin / "fleet.yaml").write_text("".join(
        f"- {{spec: specs/s{n}.md, recipe: {RECIPE}, id: item-{n}}}\n" for n in (1, 2, 3)))
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "the fleet")
    env = standin_env(tmp_path, edits=EDITS)
    env.update(PATH=f"{_twostep_on_path(tmp_path)}{os.pathsep}{env['PATH']}",
               PYTHONPATH=str(ROOT), INSTALL="false", INPUT_BATCH="fleet.yaml")
    emitted = _step("matrix", origin, {**env, "RUNNER_TEMP": str(tmp_path / "t0")}, tmp_path)
    assert emitted["code"] == 0, emitted["log"]
    rows = json.loads(emitted["matrix"])["include"]
    assert [r["id"] for r in rows] == ["item-1", "item-2", "item-3"]

    items = tmp_path / "artifacts"
    for row in rows:  # each matrix job: its own runner, its own checkout
        runner = gha_local.LocalRunner(GITHUB, tmp_path / f"runner-{row['id']}", env)
        subprocess.run(["git", "clone", "-q", str(origin), str(runner.workspace)], check=True)
        git(runner.workspace, "config", "user.email", "t@example.invalid")
        git(runner.workspace, "config", "user.name", "t")
        ran = runner.run({"install": "false", "mode": "run", "recipe": row["recipe"],
                          "spec": row["spec"], "fail-on-error": "false"})
        assert ran.returncode == 0 and ran.outputs["status"] == "ok", ran.log
        kept = _step("keep", runner.workspace, {**env, "RUNNER_TEMP": str(runner.temp)},
                     tmp_path, ITEM_ID=row["id"], TWOSTEP_RESULT=ran.outputs["result"],
                     TWOSTEP_EXIT_CODE=ran.outputs["exit-code"])
        assert kept["code"] == 0, kept["log"]
        items.mkdir(exist_ok=True)
        for result in (runner.temp / "twostep-items").glob("*.json"):  # the artifact
            (items / result.name).write_bytes(result.read_bytes())

    summary = tmp_path / "summary.md"
    merged = _step("merge", origin, {**env, "RUNNER_TEMP": str(tmp_path / "t9"),
                                     "GITHUB_STEP_SUMMARY": str(summary)},
                   tmp_path, ITEMS_DIR=str(items))
    assert merged["code"] == 0 and merged["exit-code"] == "0", merged["log"]
    fleet = json.loads(Path(merged["result"]).read_text())
    assert fleet["counts"] == {"done": 3} and [i["spec"] for i in fleet["items"]] == \
        [f"specs/s{n}.md" for n in (1, 2, 3)]
    text = summary.read_text()
    assert "### twostep fleet" in text and "| item-2 | done | twostep/" in text


def test_an_item_that_printed_no_result_is_merged_as_failed(tmp_path):
    origin = example_repo(tmp_path / "origin")
    (origin / "s.md").write_text("x\n")
    (origin / "fleet.yaml").write_text("- {spec: s.md, id: one}\n- {spec: s.md, id: two}\n")
    env = {**standin_env(tmp_path), "INSTALL": "false", "INPUT_BATCH": "fleet.yaml",
           "PYTHONPATH": str(ROOT), "RUNNER_TEMP": str(tmp_path / "t")}
    env["PATH"] = f"{_twostep_on_path(tmp_path)}{os.pathsep}{env['PATH']}"
    kept = _step("keep", origin, env, tmp_path, ITEM_ID="one", TWOSTEP_RESULT="",
                 TWOSTEP_EXIT_CODE="5")
    assert kept["code"] == 0, kept["log"]
    merged = _step("merge", origin, env, tmp_path)
    assert merged["code"] == 5, merged["log"]
    fleet = json.loads(Path(merged["result"]).read_text())
    assert [(i["id"], i["status"]) for i in fleet["items"]] == [("one", "failed"),
                                                               ("two", "pending")]
