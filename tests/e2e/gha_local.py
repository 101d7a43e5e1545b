"""Runs a composite GitHub Action's `run:` steps locally, as the Actions runner does.

Enough of the runner for scripts/github/action.yml: `${{ … }}` expressions over inputs, env,
github, runner and steps outputs (with `||`), each step's env and working-directory, bash with
`-eo pipefail`, and the GITHUB_OUTPUT, GITHUB_ENV and GITHUB_PATH files read back after every
step. An expression it does not know fails the test instead of evaluating to "".
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TOKEN = "ghs_standin_token"


@dataclass
class StepRun:
    name: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def returncode(self) -> int:
        return self.steps[-1].returncode if self.steps else 0

    @property
    def log(self) -> str:
        return "\n".join(f"## {s.name} ({s.returncode})\n{s.stdout}{s.stderr}" for s in self.steps)


def parse_output_file(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks (GITHUB_OUTPUT, GITHUB_ENV)."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                block.append(inner)
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


class LocalRunner:
    """One job's worth of state: workspace, RUNNER_TEMP, env and PATH additions."""

    def __init__(self, action_dir: Path, root: Path, base_env: dict[str, str]) -> None:
        self.action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
        self.action_dir = action_dir
        self.workspace = root / "workspace"
        self.temp = root / "runner-temp"
        self.files = root / "runner-files"
        for d in (self.workspace, self.temp, self.files):
            d.mkdir(parents=True, exist_ok=True)
        self.summary = self.files / "step-summary.md"
        self.env = {**base_env, "RUNNER_TEMP": str(self.temp), "GITHUB_ACTIONS": "true",
                    "GITHUB_WORKSPACE": str(self.workspace),
                    "GITHUB_STEP_SUMMARY": str(self.summary)}
        self.path_additions: list[str] = []

    def evaluate(self, text: str, ctx: dict[str, Any]) -> str:
        return EXPRESSION.sub(lambda m: self._alternatives(m.group(1), ctx), text)

    def _alternatives(self, expr: str, ctx: dict[str, Any]) -> str:
        value = ""
        for alternative in expr.split("||"):
            value = self._lookup(alternative.strip(), ctx)
            if value:
                return value
        return value

    def _lookup(self, name: str, ctx: dict[str, Any]) -> str:
        parts = name.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return ctx["inputs"].get(parts[1], "")
        if parts[0] == "env" and len(parts) == 2:
            return self.env.get(parts[1], "")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return ctx["steps"].get(parts[1], {}).get(parts[3], "")
        known = {"github.action_path": str(self.action_dir), "github.token": TOKEN,
                 "runner.temp": str(self.temp), "github.workspace": str(self.workspace)}
        if name in known:
            return known[name]
        raise AssertionError(f"the local runner does not know the expression {name!r}")

    def inputs(self, given: dict[str, str]) -> dict[str, str]:
        unknown = set(given) - set(self.action["inputs"])
        assert not unknown, f"not inputs of action.yml: {unknown}"
        ctx: dict[str, Any] = {"inputs": {}, "steps": {}}
        defaults = {k: self.evaluate(str(v.get("default", "")), ctx)
                    for k, v in self.action["inputs"].items()}
        return {**defaults, **given}

    def run(self, given: dict[str, str], step_env: dict[str, str] | None = None) -> ActionRun:
        """Run every step in order; stop at the first that fails, as a composite action does."""
        ctx: dict[str, Any] = {"inputs": self.inputs(given), "steps": {}}
        self.env.update(step_env or {})  # the caller step's env: reaches every composite step
        ran: list[StepRun] = []
        for step in self.action["runs"]["steps"]:
            result = self._step(step, ctx)
            ran.append(result)
            if step.get("id"):
                ctx["steps"][step["id"]] = result.outputs
            if result.returncode != 0:
                break
        outputs = {name: self.evaluate(str(output["value"]), ctx)
                   for name, output in self.action["outputs"].items()}
        return ActionRun(ran, outputs, dict(self.env))

    def _step(self, step: dict[str, Any], ctx: dict[str, Any]) -> StepRun:
        assert step.get("shell") == "bash" and "run" in step, f"not a bash run step: {step}"
        files = {name: self.files / f"{name.lower()}-{len(os.listdir(self.files))}"
                 for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")}
        for f in files.values():
            f.write_text("")
        own = {k: self.evaluate(str(v), ctx) for k, v in step.get("env", {}).items()}
        env = {**self.env, **own, **{k: str(v) for k, v in files.items()}}
        env["PATH"] = os.pathsep.join([*reversed(self.path_additions), self.env["PATH"]])
        script = self.files / "step.sh"
        script.write_text(self.evaluate(step["run"], ctx), encoding="utf-8")
        cwd = self.workspace / self.evaluate(step.get("working-directory", "."), ctx)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                              check=False)
        self.env.update(parse_output_file(files["GITHUB_ENV"].read_text()))
        self.path_additions += [p for p in files["GITHUB_PATH"].read_text().splitlines() if p]
        outputs = parse_output_file(files["GITHUB_OUTPUT"].read_text())
        return StepRun(step.get("name", "?"), proc.returncode, proc.stdout, proc.stderr, outputs)
