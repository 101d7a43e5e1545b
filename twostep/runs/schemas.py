"""The published shapes of twostep's JSON output (`twostep schema NAME`), draft 2020-12.

A test validates real output against each and pins their field names: CI scripts (the GitHub
action's helpers.py reads run_id, status, branch, pr_url, plan_path) depend on them. Adding a
field is compatible; renaming or removing one needs a new `version`.
"""

from __future__ import annotations

from typing import Any

from twostep.errors import ExitCode

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://twostep.dev/schemas/"

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_NUM = {"type": "number"}


def _object(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An object that must have these fields (more may be added later)."""
    return {"type": "object", "properties": props,
            "required": list(props) if required is None else required}


_STEP = _object({"name": _STR, "exit_code": _INT, "seconds": _NUM})
_CALL = _object({"role": _STR, "step": _STR, "cli": _STR, "model": _STR, "task": _STR,
                 "round": _INT, "input_tokens": _INT, "output_tokens": _INT,
                 "cached_tokens": _INT, "cost_usd": _NUM, "cost_source": _STR},
                required=["role", "step", "input_tokens", "output_tokens", "cost_usd"])
_VERIFY = _object({
    "status": {"enum": ["passed", "failed", "skipped", "not-run", "unknown"]},
    "commands": {"type": "array", "items": _object({
        "argv": {"type": "array", "items": _STR},
        "exit_code": {"type": ["integer", "null"]},
        "seconds": {"type": ["number", "null"]}})},
})

_TASK = _object({
    "number": _INT, "title": _STR,
    "status": {"enum": ["done", "failed", "not-run"]},
    "planned_files": {"type": "array", "items": _STR,
                      "description": "the files the plan says the task changes"},
    "changed_files": {"type": "array", "items": _STR},
    "unplanned_files": {"type": "array", "items": _STR,
                        "description": "changed, though the task did not plan to"}})

_RESULT_FIELDS: dict[str, Any] = {
    "version": {"const": 1},
    "command": {"enum": ["run", "plan", "execute", "resume"]},
    "run_id": _OPT_STR,
    "status": {"enum": [code.label for code in ExitCode]},
    "exit_code": _INT,
    "error": _OPT_STR,
    "recipe": _OPT_STR,
    "strategy": {"enum": ["small", "medium", "large", None]},
    "plan_path": _OPT_STR,
    "run_dir": _OPT_STR,
    "usage": {"type": "object", "description": "per role (planner, executor): tokens and "
              "cost, from the run's usage ledger; {} when the CLIs report none"},
    "changed_files": {"type": "array", "items": _STR},
    "verify": {"anyOf": [_VERIFY, {"type": "null"}]},
    "branch": _OPT_STR,
    "pr_url": _OPT_STR,
    "steps": {"type": "array", "items": _STEP, "description": "with --verbose only: "
              "each internal step (the manifest always has them)"},
    "calls": {"type": "array", "description": "each model call in the usage ledger, in order "
              "(a task's or fix round's session is one)", "items": _CALL},
    "seconds": _NUM,
    "tasks": {"type": "array", "items": _TASK,
              "description": "each task of the plan and how it went"},
    "pr_error": {"type": "string", "description": "--pr was asked, but why no pull "
                 "request was opened (gh missing or not logged in)"},
}

RESULT = {
    **_object(_RESULT_FIELDS, [k for k in _RESULT_FIELDS if k not in ("steps", "pr_error")]),
    "title": "twostep run/plan/execute/resume --json result",
}

DOCTOR = {
    **_object({
        "ok": {"type": "boolean"}, "exit_code": {"enum": [0, 5, 16]},
        "tools": {"type": "array", "items": _object({
            "name": _STR, "ok": {"type": "boolean"}, "version": _OPT_STR, "install": _OPT_STR,
            "drift": _OPT_STR}, ["name", "ok", "version", "install"])},
        "credentials": {"type": "array", "items": _object({
            "cli": _STR, "ok": {"type": "boolean"}, "problem": _OPT_STR, "from": _OPT_STR,
            "roles": {"type": "array", "items": _STR}}, ["cli", "ok", "problem"])},
    }),
    "title": "twostep doctor --json",
}

CHECK = {
    **_object({
        "recipe": _STR, "ok": {"type": "boolean"},
        "problems": {"type": "array", "items": _object({
            "file": _OPT_STR, "line": {"type": ["integer", "null"]},
            "col": {"type": ["integer", "null"]}, "message": _STR, "hint": _OPT_STR})},
        "summary": {"type": ["object", "null"]},
    }),
    "title": "twostep check --json",
}

RECIPES = {"type": "array", "title": "twostep recipes --json",
           "items": _object({"name": _STR, "description": _STR, "path": _STR})}

RUNS = {"type": "array", "title": "twostep runs --json (each run's manifest.json, and how it "
                                   "ended: runs/story.py)",
        "items": _object({
            "id": _STR, "status": _STR, "strategy": _STR,
            "recipe": _object({"source": _STR, "name": _STR}),
            "steps": {"type": "array"}, "version": _INT,
            "failed_step": _OPT_STR, "exit_code": {"type": ["integer", "null"]},
            "error": {"type": ["string", "null"], "description": "why it failed, in one line: "
                      "a model CLI's own reason (API status and message)"},
            "outcome": {"enum": ["done", "failed", "over-budget", "rolled-back", "interrupted",
                                 "killed", "running"]},
            "exit_name": {"enum": [*(code.label for code in ExitCode), None]},
            "resumable": {"type": "boolean",
                          "description": "failed or interrupted, and not rolled back"},
            "title": {"type": "string", "description": "the first line of the run's spec"},
            "cost_usd": _NUM,
            "bytes": {"type": "integer", "description": "what `twostep runs prune` would free"},
        }, ["id", "status", "strategy", "recipe", "steps", "version", "outcome", "resumable",
            "title", "cost_usd", "bytes"])}

_USAGE = {"type": "object", "description": "per role (planner, executor): calls, tokens and "
          "cost; {} when the CLIs report none"}
_FLEET_ITEM = _object({
    "id": _STR, "spec": _STR, "recipe": _OPT_STR, "repo": _STR, "run_id": _OPT_STR,
    "status": {"enum": ["pending", "running", "done", "failed", "over-budget", "interrupted"]},
    "exit_code": {"type": ["integer", "null"]}, "branch": _OPT_STR, "pr_url": _OPT_STR,
    "cost_usd": _NUM, "usage": _USAGE, "seconds": {"type": ["number", "null"]},
    "error": _OPT_STR})
_OPT_NUM = {"type": ["number", "null"]}

FLEET = {
    **_object({
        "version": {"const": 1},
        "fleet_id": _STR,
        "status": {"enum": [code.label for code in ExitCode]},
        "exit_code": _INT,
        "items": {"type": "array", "items": _FLEET_ITEM},
        "cost_usd": _NUM,
        "cost_per_done_usd": _OPT_NUM,
        "usage": _USAGE,
        "counts": {"type": "object", "description": "items by status",
                   "additionalProperties": _INT},
        "seconds": _object({"p50": _OPT_NUM, "p90": _OPT_NUM, "wall": _OPT_NUM}),
    }),
    "title": "twostep batch --json and twostep batch merge (a fleet's result)",
}

SCHEMAS = {"result": RESULT, "fleet": FLEET, "doctor": DOCTOR, "check": CHECK,
           "recipes": RECIPES, "runs": RUNS}


def schema(name: str) -> dict[str, Any]:
    return {"$schema": DRAFT, "$id": f"{BASE}{name}.schema.json", **SCHEMAS[name]}
