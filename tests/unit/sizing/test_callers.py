"""The executor sees the callers: files that use a symbol the plan changes, as read-only
context, apart from the planned files, ranked and cut to its budget."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from tests.support.helpers import calls, make_repo, standin_env, twostep
from twostep.recipe import load as recipes
from twostep.sizing import callers

FILES = {
    "billing/core.py": ("def refund(order, amount):\n    return amount\n\n\n"
                        "class Ledger:\n    pass\n"),
    "billing/api.py": ("from billing.core import refund, Ledger\n\n\n"
                       "def post(o):\n    return refund(o, 1)\n"),
    "shop/cart.py": "from billing.core import refund\n\n\ndef undo(o):\n    return refund(o, 2)\n",
    "shop/notes.py": "# refunding is not the same word\nx = 'refund_all'\n",
    "README.md": "# shop\n",
}
PLAN = """# Plan

1. In `billing/core.py` change `refund(order, amount)` to take a `reason`.

```twostep-files
modify: billing/core.py
```
"""


def test_callers_are_the_files_using_what_the_plan_changes(tmp_path):
    repo = make_repo(tmp_path / "repo", FILES)
    found = callers.find(repo, recipes.load("python"), PLAN, ["billing/core.py"])
    assert found.symbols == ("refund",)  # `reason` is defined nowhere: not a changed symbol
    assert found.added == ("billing/api.py", "shop/cart.py")  # whole words only, ties by path
    assert found.left_out == () and "billing/core.py" not in found.added


def test_callers_are_cut_to_the_executors_budget(tmp_path):
    repo = make_repo(tmp_path / "repo", FILES)
    r = recipes.load("python")
    small = replace(r, executor=replace(r.executor, context_tokens=2_000, output_tokens=100))
    found = callers.find(repo, small, PLAN, ["billing/core.py"], used_tokens=1_400)
    assert found.added == () and found.left_out == ("billing/api.py", "shop/cart.py")


def test_medium_run_gives_the_executor_the_callers_read_only(tmp_path):
    repo = make_repo(tmp_path / "repo", FILES)
    env = standin_env(tmp_path, plan=PLAN,
                      edits=[{"path": "billing/core.py", "content": "# reason\n", "append": True}])
    result = twostep("run", "python", "--spec", "-", "--yes", "--strategy", "medium", "-v",
                     cwd=repo, env=env, stdin=b"Refunds take a reason.\n")
    assert result.returncode == 0, result.stderr.decode()
    err = result.stderr.decode()
    assert "callers of refund: 2 file(s) added as read-only context" in err
    assert "left out" not in err  # said only when a caller is left out
    stdin = Path(env["STANDIN_DIR"], "claude.stdin").read_text()
    planned, _, context = stdin.partition("READ-ONLY CONTEXT")
    assert 'path="billing/core.py"' in planned and 'path="shop/cart.py"' not in planned
    assert 'path="shop/cart.py"' in context and 'path="billing/api.py"' in context
    assert 'path="shop/notes.py"' not in stdin
    run_dir = next((repo / ".twostep/runs").iterdir())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    sent = next(s for s in manifest["sent"] if s["role"] == "executor")
    # task by task (the default), the ledger lists the union of each task's files and callers
    assert sent["files"] == 3 and sent["listing"] == "task-files.txt"
    assert [c["tool"] for c in calls(env)] == ["gemini", "claude"]


def test_dunder_names_have_no_callers(tmp_path):
    repo = make_repo(tmp_path / "repo", {**FILES, "billing/core.py": "__all__ = ['refund']\n"
                                         + FILES["billing/core.py"]})
    plan = "Add `Ledger.close` and list it in `__all__` of `billing/core.py`.\n"
    found = callers.find(repo, recipes.load("python"), plan, ["billing/core.py"])
    assert found.symbols == ("Ledger",) and found.added == ("billing/api.py",)
