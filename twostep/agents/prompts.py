"""The default prompts of both roles. Where the prompt sits relative to the input depends on
the CLI (gemini puts stdin before `-p`; claude and codex put the prompt first), so each adapter
picks the wording that says where the input is."""

from __future__ import annotations

_PLAN_BODY = """
Write a precise, step-by-step implementation plan in Markdown for another engineer (an AI
coding agent) who will implement it without asking questions. For each step name the
files involved by their exact repository-relative paths in backticks, the functions or
types to change, and the tests to add or update. Do not write the full implementation.

End the plan with a fenced code block whose info string is `twostep-files` that lists
every file the executor must read, modify, create or delete, one per line, as
`ACTION: path` (ACTION is read, modify, create or delete), grouped under a
`task N: TITLE` line for each step. When some steps do not depend on each other, give
every task an `after: N[, M]` line naming the tasks it needs done first (none for a task
that needs nothing): independent tasks then run side by side. For example:

```twostep-files
read: go.mod
task 1: Add the handler
modify: src/app/handler.go
task 2: Document the endpoint
modify: docs/api.md
task 3: Test the handler
after: 1
create: src/app/handler_test.go
```

Output only the plan.
"""

_PLAN_HEAD = """\
You are the planner in a two-step Plan -> Execute workflow. {where} you have the feature
specification, followed by a repomix pack of the codebase (each file inside
<file path="..."> tags).
"""

_EXEC = """\
You are the executor in a two-step Plan -> Execute workflow. {where} is the implementation
plan, followed by a repomix pack of the code it concerns. Implement the plan completely by
editing the files in the current working directory. Follow the plan; do not ask
questions; do not commit. When done, reply with a short summary of the changes.
"""


def planner(input_first: bool) -> str:
    """`input_first`: the CLI sends stdin before the prompt (gemini)."""
    return _PLAN_HEAD.format(where="Above" if input_first else "Below") + _PLAN_BODY


def executor(input_first: bool) -> str:
    return _EXEC.format(where="Above" if input_first else "Below")
