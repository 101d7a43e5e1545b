"""A command's ok_codes (xargs' 123 when an rg found nothing) are success for the runner and for
the rendered bash alike; any other failure still fails both."""

from __future__ import annotations

import subprocess

import pytest

from twostep import errors
from twostep.core import render
from twostep.core.steps import Pipe
from twostep.core.values import Command, RunPath
from twostep.pipeline.runner import Runner


def _step(code: int) -> Pipe:
    return Pipe("t", "", (Command(("sh", "-c", f"echo out; exit {code}"), ok_codes=(123,)),),
                stdout=RunPath("out"))


@pytest.mark.parametrize("code,ok", [(0, True), (123, True), (1, False), (2, False)])
def test_runner_and_bash_agree(tmp_path, code, ok):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    runner = Runner(tmp_path, run_dir)
    if ok:
        runner.run_step(_step(code))
    else:
        with pytest.raises(errors.StepFailed):
            runner.run_step(_step(code))
    assert (run_dir / "out").read_text() == "out\n"
    script = f"set -euo pipefail\nRUN={run_dir}\n{render.pipe(_step(code))}\necho after\n"
    bashed = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert (bashed.returncode == 0) is ok and ("after" in bashed.stdout) is ok
