"""Task-by-task execution with the REAL pinned gemini, claude, repomix and git against the
loopback fake of the model APIs, on a copy of the standard library's `json` package.

The plan has three `## Step N` tasks and no machine-readable section. The fake scripts each
claude session by what its input holds ("task 2 of 3", or a fix round's "# Fix the failing
check"), so the real claude makes a different real edit in each session. Covered: one fresh
session per task, each given its own task's file and no other's; a fix round that gets the
failing output and repairs it; an early stop on a repeated failure; an executor fault at task 3
then `resume`, which sends only task 3; a phantom task (exit 9, named); rollback; and the
dry-run script reproducing a run with tasks and a fix round.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, git, make_repo, twostep
from tests.support.realcli import installed_env

pytestmark = pytest.mark.realcli

PACKAGE = Path(json.__file__).resolve().parent
P = "Lib/json"
SCANNER, INIT, DECODER = f"{P}/scanner.py", f"{P}/__init__.py", f"{P}/decoder.py"
TASK_FILES = (SCANNER, INIT, DECODER)
PLAN = f"""# Plan: expose the scanner interface version

## Step 1: Add the constant to the scanner
In `{SCANNER}`, add a module constant `SCANNER_API = 2` at the end of the module.

## Step 2: Thread it through the module API
Re-export `SCANNER_API` from `{INIT}` so that `json.SCANNER_API` works.

## Step 3: Mention it in the decoder
In `{DECODER}`, add a comment at the end that names `SCANNER_API`.
"""
SPEC_TEXT = "Expose the version of the JSON scanner interface as json.SCANNER_API.\n"
GOOD_EXPORT = "\nfrom .scanner import SCANNER_API\n"
BAD_EXPORT = "\nfrom .scanner import SCANNER_API as SCANNER\n"
# Imports the copy under Lib/ (not the interpreter's json): fails until json.SCANNER_API exists.
CHECK = ["python", "-c", "import sys; sys.path.insert(0, 'Lib'); import json; "
         "print('json.SCANNER_API =', json.SCANNER_API)"]
FIX_MARK = "# Fix the failing check"


def append(path: str, text: str) -> list[dict]:
    return [{"tool": "Append", "path": path, "text": text}]


def sessions(export: str = GOOD_EXPORT, fix: list[dict] | None = None,
             task2: list[dict] | None = None) -> list[dict]:
    out = [{"when": FIX_MARK, "script": fix or []}] if fix is not None else []
    return [
        *out,
        {"when": "task 1 of 3", "script": append(SCANNER, "\nSCANNER_API = 2\n")},
        {"when": "task 2 of 3", "script": task2 if task2 is not None else append(INIT, export)},
        {"when": "task 3 of 3", "script": append(DECODER, "\n# SCANNER_API: see scanner.py\n")},
    ]


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home,
                         ("git", "repomix", "gemini", "claude", "twostep", "python"))


def package_repo(path: Path) -> Path:
    files = {f"{P}/{p.relative_to(PACKAGE).as_posix()}": p.read_bytes()
             for p in sorted(PACKAGE.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    return make_repo(path, files)


@pytest.fixture
def repo(tmp_path):
    return package_repo(tmp_path / "repo")


@pytest.fixture
def recipe(tmp_path):
    path = tmp_path / "recipe.yaml"
    path.write_text(f"extends: {ROOT / 'recipes' / 'python.yaml'}\n"
                    f"verify:\n  - {json.dumps(CHECK)}\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text(SPEC_TEXT, encoding="utf-8")
    return str(path)


def run(*args: str, repo: Path, env: dict) -> tuple[int, str]:
    result = twostep(*args, cwd=repo, env=env, timeout=180)
    return result.returncode, f"exit {result.returncode}; stderr:\n" + \
        result.stderr.decode("utf-8", "replace")


def go(recipe: str, spec: str, repo: Path, env: dict, *extra: str) -> tuple[int, str]:
    return run("run", recipe, "--spec", spec, "--yes", "--strategy", "medium", *extra,
               repo=repo, env=env)


def sessions_sent(fake) -> list[str]:
    """The input of each claude session, in order (its first turn's prompt + stdin)."""
    return [r["input_text"] for r in fake.by_api("anthropic") if r["has_tools"]
            and len([m for m in r["body"].get("messages", []) if m.get("role") == "user"]) == 1]


def manifest(repo: Path, env: dict) -> dict:
    return json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)[-1]


def changed(repo: Path) -> list[str]:
    return sorted(git(repo, "status", "--porcelain").splitlines())


# -- the tests ----------------------------------------------------------------------------------

def test_three_tasks_three_sessions_each_with_its_own_file_then_rollback(
        repo, recipe, spec, env, fake_api):
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"sessions": sessions()})
    originals = {p: (repo / p).read_text(encoding="utf-8") for p in TASK_FILES}

    code, out = go(recipe, spec, repo, env)

    sent = sessions_sent(fake_api)
    assert len(sent) == 3, out
    for number, (given, own) in enumerate(zip(sent, TASK_FILES, strict=True), 1):
        assert f"task {number} of 3" in given
        assert PLAN.strip() in given  # the whole plan, for orientation
        assert f'path="{own}"' in given and originals[own] in given, (number, own)
        for other in set(TASK_FILES) - {own}:
            assert f'path="{other}"' not in given and originals[other] not in given, other
    assert "SCANNER_API = 2" in sent[1] and "SCANNER_API = 2" in sent[2]  # earlier tasks' diff
    assert code == 0, out
    assert "twostep: ✓ python -c" in out  # the verify command passed
    assert changed(repo) == sorted(["?? AI-PLAN.md", *(f" M {p}" for p in TASK_FILES)])
    for number in (1, 2, 3):  # the summary gives each session's tokens, as claude reported them
        row = next(ln for ln in out.splitlines() if ln.strip().startswith(f"task {number} "))
        assert int(row.split()[-3].replace(",", "")) > 0, row
    refs = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/twostep").split()
    assert {r.rsplit("/", 1)[1] for r in refs} >= {"base", "task-1", "task-2", "task-3"}
    m = manifest(repo, env)
    assert [t["done"] for t in m["tasks"]] == [[p] for p in TASK_FILES]
    assert m["approved_plan"] and m["execute_by"] == "task"

    # rollback: to after task 1, then to before the run; the plan stays
    code, out = run("rollback", "--to-task", "1", repo=repo, env=env)
    assert code == 0, out
    assert changed(repo) == sorted(["?? AI-PLAN.md", f" M {SCANNER}"])
    code, out = run("rollback", repo=repo, env=env)
    assert code == 0, out
    assert changed(repo) == ["?? AI-PLAN.md"]
    # work done after the run is never thrown away
    (repo / DECODER).write_text("mine\n", encoding="utf-8")
    code, out = run("rollback", "--to-task", "2", repo=repo, env=env)
    assert code == 4 and (repo / DECODER).read_text(encoding="utf-8") == "mine\n", out


def test_fix_round_gets_the_failing_output_and_repairs(repo, recipe, spec, env, fake_api):
    fix = [{"tool": "Edit", "path": INIT, "old": BAD_EXPORT.strip(), "new": GOOD_EXPORT.strip()}]
    fake_api.configure(gemini={"plan": PLAN},
                       anthropic={"sessions": sessions(BAD_EXPORT, fix=fix)})

    code, out = go(recipe, spec, repo, env)

    sent = sessions_sent(fake_api)
    assert len(sent) == 4, out  # three tasks, one fix round
    fixing = sent[3]
    assert FIX_MARK in fixing and "AttributeError" in fixing and "SCANNER_API" in fixing
    assert " ".join(CHECK[:2]) in fixing  # the failing command
    assert code == 0, out
    assert "passed after 1 fix round" in out
    rounds = manifest(repo, env)["fix_rounds"]
    assert [r["passed"] for r in rounds] == [False, True]
    assert rounds[0]["fingerprint"] and rounds[0]["input_chars"] > 0


def test_repeated_failure_stops_early(repo, recipe, spec, env, fake_api):
    idle_fix = append(DECODER, "\n# looked at it\n")  # changes a file, fixes nothing
    fake_api.configure(gemini={"plan": PLAN},
                       anthropic={"sessions": sessions(BAD_EXPORT, fix=idle_fix)})

    code, out = go(recipe, spec, repo, env)

    assert code == 10, out
    assert "stopped early" in out and "same failure" in out, out
    assert len(sessions_sent(fake_api)) == 4  # fix_rounds is 2, but one round was enough
    rounds = manifest(repo, env)["fix_rounds"]
    assert len(rounds) == 2 and rounds[0]["fingerprint"] == rounds[1]["fingerprint"]
    assert "same failure" in rounds[1]["stopped"]


def test_executor_fault_at_task_3_then_resume_sends_only_task_3(
        repo, recipe, spec, env, fake_api):
    faulty = sessions()
    faulty[2] = {**faulty[2], "status": 400}
    fake_api.configure(gemini={"plan": PLAN}, anthropic={"sessions": faulty})

    code, out = go(recipe, spec, repo, env)
    assert code == 8, out
    assert len(sessions_sent(fake_api)) == 3

    fake_api.configure(anthropic={"sessions": sessions()})
    before = len(fake_api.requests)
    code, out = run("resume", "--allow-dirty", repo=repo, env=env)
    assert code == 0, out
    resumed = [r["input_text"] for r in fake_api.requests[before:]
               if r["api"] == "anthropic" and r["has_tools"] and r.get("step") == 0]
    assert len(resumed) == 1 and "task 3 of 3" in resumed[0], out
    assert not [r for r in fake_api.requests[before:] if r["api"] == "gemini"]
    assert changed(repo) == sorted(["?? AI-PLAN.md", *(f" M {p}" for p in TASK_FILES)])


def test_phantom_task_exits_9_naming_it(repo, recipe, spec, env, fake_api):
    fake_api.configure(gemini={"plan": PLAN}, anthropic={
        "sessions": sessions(task2=[{"tool": "Read", "path": INIT}])})

    code, out = go(recipe, spec, repo, env)

    assert code == 9, out
    assert f"task 2 'Thread it through the module API' changed none of: {INIT}" in out
    sent = sessions_sent(fake_api)
    assert [s.count("task 2 of 3") > 0 for s in sent] == [False, True, True]  # one retry
    assert manifest(repo, env)["status"] == "failed"


def test_dry_run_script_reproduces_tasks_and_a_fix_round(
        repo, recipe, spec, env, fake_api, tmp_path):
    fix = [{"tool": "Edit", "path": INIT, "old": BAD_EXPORT.strip(), "new": GOOD_EXPORT.strip()}]
    fake_api.configure(gemini={"plan": PLAN},
                       anthropic={"sessions": sessions(BAD_EXPORT, fix=fix)})
    dry = twostep("run", recipe, "--spec", spec, "--yes", "--strategy", "medium", "--dry-run",
                  cwd=repo, env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    assert fake_api.requests == [] and git(repo, "status", "--porcelain", "--ignored") == ""
    script = tmp_path / "run.sh"
    script.write_bytes(dry.stdout)

    code, out = go(recipe, spec, repo, env)
    assert code == 0, out
    by_twostep = len(sessions_sent(fake_api))
    twin = package_repo(tmp_path / "twin")
    bashed = subprocess.run(["bash", str(script)], cwd=twin, env=env, capture_output=True,
                            timeout=240)
    err = bashed.stderr.decode("utf-8", "replace")
    assert bashed.returncode == 0, err[-3000:]
    assert by_twostep == 4 and len(sessions_sent(fake_api)) == 2 * by_twostep, err[-2000:]
    assert git(twin, "diff") == git(repo, "diff") != ""
    assert (twin / "AI-PLAN.md").read_bytes() == (repo / "AI-PLAN.md").read_bytes()


@pytest.mark.parametrize("command, allowed", [
    ("python -m compileall -q Lib/json", True),   # the verify command: its rule allows it
    ("python -m http.server 8765", False),        # anything else stays refused
])
def test_run_verify_lets_claude_run_exactly_the_verify_command(
        command, allowed, repo, spec, env, fake_api, tmp_path):
    recipe = tmp_path / "verify.yaml"
    check = ["python", "-m", "compileall", "-q", "Lib/json"]
    recipe.write_text(f"extends: {ROOT / 'recipes' / 'python.yaml'}\n"
                      "executor: {run_verify: true}\n"
                      f"verify:\n  - {json.dumps(check)}\n", encoding="utf-8")
    script = [{"tool": "Bash", "command": command}, *append(SCANNER, "\nSCANNER_API = 2\n")]
    fake_api.configure(gemini={"plan": PLAN.split("## Step 2")[0]},
                       anthropic={"script": script})

    code, out = go(str(recipe), spec, repo, env)

    if allowed:
        assert code == 0, out
    else:
        assert code == 9 and "refused: Bash(" in out, out
