"""The action's data handling, in Python so that a runner needs no jq: the step outputs from
twostep's `--json` result, the approved plan from the issue's comments, and the comments.

Standard library only: it runs on the runner's python3, before or beside twostep's venv.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import uuid
from pathlib import Path
from typing import Any

BEGIN = "<!-- twostep-plan:begin -->"
END = "<!-- twostep-plan:end -->"
COMMENT_LIMIT = 65_000  # GitHub refuses comment bodies over 65,536 characters

# twostep's exit codes (README "Exit codes"), for a status when no JSON result was printed.
EXIT_NAMES = {0: "ok", 1: "error", 2: "usage", 3: "recipe", 4: "input", 5: "tool-missing",
              6: "step", 7: "planner", 8: "executor", 9: "no-changes", 10: "verify",
              11: "nothing-to-execute", 12: "not-confirmed", 13: "dirty", 14: "too-large",
              15: "timeout", 16: "credentials", 18: "over-budget", 130: "interrupted"}


def parse_result(text: str) -> dict[str, Any]:
    """twostep's JSON object: the whole stdout, else its last line that is one (tolerates noise)."""
    candidates = [text, *reversed(text.strip().splitlines())]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return data
    return {}


def pr_url(data: dict[str, Any]) -> str:
    pr = data.get("pr_url") or data.get("pr") or ""
    return str(pr.get("url", "")) if isinstance(pr, dict) else str(pr)


def step_outputs(data: dict[str, Any], exit_code: int, plan_path: str,
                 result: str) -> dict[str, str]:
    """The action's outputs; the process's exit code wins over the one in the JSON."""
    plan = data.get("plan_path") or data.get("plan") or plan_path
    return {
        "run-id": str(data.get("run_id") or ""),
        "status": str(data.get("status") or EXIT_NAMES.get(exit_code, "error")),
        "exit-code": str(exit_code),
        "plan-path": plan if isinstance(plan, str) else plan_path,
        "branch": str(data.get("branch") or ""),
        "pr-url": pr_url(data),
        "result": result,
    }


def write_outputs(path: str, outputs: dict[str, str]) -> None:
    """GITHUB_OUTPUT lines; a multi-line value uses the name<<DELIMITER form."""
    with open(path, "a", encoding="utf-8") as out:
        for name, value in outputs.items():
            if "\n" in value:
                delimiter = f"ghadelimiter_{uuid.uuid4().hex}"
                out.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                out.write(f"{name}={value}\n")


def summary(outputs: dict[str, str]) -> str:
    rows = [f"| {name} | `{value}` |" for name, value in outputs.items() if value]
    return "\n".join(["### twostep", "", "| output | value |", "|---|---|", *rows, ""])


def cmd_outputs(args: argparse.Namespace) -> int:
    text = Path(args.result).read_text(encoding="utf-8", errors="replace")
    outputs = step_outputs(parse_result(text), args.exit_code, args.plan_path, args.result)
    write_outputs(os.environ["GITHUB_OUTPUT"], outputs)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as out:
            out.write(summary(outputs))
    shown = ", ".join(f"{k} {v}" for k, v in outputs.items() if v and k != "result")
    print(f"twostep: {shown}")
    return 0


def json_values(text: str) -> list[Any]:
    """`gh api --paginate` prints one JSON array per page, back to back."""
    decoder, values, at = json.JSONDecoder(), [], 0
    while at < len(text):
        if text[at].isspace():
            at += 1
            continue
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    return values


def plan_from_comments(text: str, author: str) -> str | None:
    """The plan in the newest comment by AUTHOR that holds both markers, or None."""
    pages = [p if isinstance(p, list) else [p] for p in json_values(text)]
    comments = [c for page in pages for c in page]
    for comment in reversed(comments):
        body = str(comment.get("body") or "").replace("\r\n", "\n")
        login = (comment.get("user") or {}).get("login")
        if login != author or BEGIN not in body:
            continue
        start = body.index(BEGIN) + len(BEGIN)
        end = body.rfind(END)
        return body[start:end].strip("\n") + "\n" if end > start else None
    return None


def cmd_plan_from_comments(args: argparse.Namespace) -> int:
    plan = plan_from_comments(Path(args.comments).read_text(encoding="utf-8"), args.author)
    if plan is None or not plan.strip():
        return 1
    sys.stdout.write(plan)
    return 0


def plan_comment(args: argparse.Namespace) -> str:
    plan = Path(args.plan).read_text(encoding="utf-8", errors="replace").strip("\n")
    body = "\n".join([
        f"### twostep plan (run `{args.run_id}`)", "", BEGIN, plan, END, "", "---",
        ("A maintainer can edit the plan above in this comment, then comment `/approve` to "
         f"execute it on a new branch and open a pull request. [Log]({args.log_url})"), ""])
    if len(body) <= COMMENT_LIMIT:
        return body
    return (f"twostep wrote a plan of {len(plan):,} characters (run `{args.run_id}`): too long "
            f"for a comment, so it cannot be approved here. See the [log]({args.log_url}).\n")


def result_comment(args: argparse.Namespace) -> str:
    if args.status != "ok":
        where = f" on branch `{args.branch}`" if args.branch else ""
        return (f"twostep {args.mode} failed: **{args.status}** (exit {args.exit_code}) in run "
                f"`{args.run_id or '?'}`{where}. See the [log]({args.log_url}).\n")
    if args.mode == "plan":
        if args.plan and Path(args.plan).is_file():
            return plan_comment(args)
        return (f"twostep planned (run `{args.run_id}`) but wrote no plan file. "
                f"[Log]({args.log_url})\n")
    if args.pr_url:
        return f"twostep executed the plan (run `{args.run_id}`): {args.pr_url}\n"
    return (f"twostep executed the plan on branch `{args.branch}` (run `{args.run_id}`); no pull "
            f"request was opened. [Log]({args.log_url})\n")


def cmd_comment(args: argparse.Namespace) -> int:
    sys.stdout.write(result_comment(args))
    return 0


def cmd_split_args(args: argparse.Namespace) -> int:
    """Extra arguments, shell-quoted in one input, as NUL-terminated words for `mapfile -d ''`."""
    sys.stdout.write("".join(f"{word}\0" for word in shlex.split(args.words)))
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="helpers.py", description=__doc__)
    sub = top.add_subparsers(required=True)
    out = sub.add_parser("outputs", help="write GITHUB_OUTPUT from twostep's JSON result")
    out.add_argument("--result", required=True)
    out.add_argument("--exit-code", type=int, required=True)
    out.add_argument("--plan-path", default="")
    out.set_defaults(func=cmd_outputs)
    plan = sub.add_parser("plan-from-comments", help="print the approved plan from gh api output")
    plan.add_argument("comments")
    plan.add_argument("--author", required=True)
    plan.set_defaults(func=cmd_plan_from_comments)
    comment = sub.add_parser("comment", help="print the issue comment for a result")
    for name in ("mode", "status", "exit-code", "run-id", "branch", "pr-url", "plan", "log-url"):
        comment.add_argument(f"--{name}", default="")
    comment.set_defaults(func=cmd_comment)
    split = sub.add_parser("split-args", help="split shell-quoted words")
    split.add_argument("words")
    split.set_defaults(func=cmd_split_args)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
