"""Acceptance, end to end with the REAL pinned gemini, claude, repomix and git against the
loopback fake of the model APIs (tests/support/fakeapi.py), on a copy of a real package that no
one here wrote: the standard library's `json` package, laid out as in CPython (Lib/json/), in a
fresh git repository.

    twostep run recipes/python.yaml --spec S --yes
exits 0; the planner's request holds >= 90% of the codebase's characters; AI-PLAN.md is the
planner's reply; the executor's Write lands; --dry-run calls no model and leaves
`git status --porcelain --ignored` empty; `bash` of the dry-run script reproduces the same
plan and edit. Also: --strategy medium feeds the executor only the plan's files, a planner
API failure exits 7 and leaves an existing plan alone, refused or absent edits exit 9.
The executor may write only inside the repository: a Write outside it is refused (exit 9).

Each twostep run here takes about 3-5 s (gemini ~2 s, claude ~1 s); the planner-500 test
waits one gemini retry backoff (5 s +-30 %).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, git, make_repo, twostep
from tests.support.realcli import installed_env
from twostep.recipe import load as recipes

pytestmark = pytest.mark.realcli

RECIPE = str(ROOT / "recipes" / "python.yaml")
PACKAGE = Path(json.__file__).resolve().parent  # stdlib json: real code no one here wrote
PREFIX = "Lib/json"
TARGET = f"{PREFIX}/scanner.py"     # the file the plan modifies
CONTEXT = f"{PREFIX}/decoder.py"    # the file the plan only reads
OLD = "__all__ = ['make_scanner']"
NEW = ("__all__ = ['make_scanner', 'SCANNER_API']\n\n#: Version of the scanner interface.\n"
       "SCANNER_API = 2")

PLAN = f"""# Plan: expose the scanner interface version

1. In `{TARGET}`, add a module constant `SCANNER_API = 2` right after `__all__`, and add
   its name to `__all__`.
2. Read `{CONTEXT}` for how the scanner is used; it does not change.

```twostep-files
modify: {TARGET}
read: {CONTEXT}
```
"""
SPEC_TEXT = "Expose the version of the JSON scanner interface as a module constant.\n"
REQUIRED = ("git", "repomix", "gemini", "claude", "twostep", "python")


# -- fixtures and helpers ----------------------------------------------------------------------

def package_files() -> dict[str, bytes]:
    files = {f"{PREFIX}/{p.relative_to(PACKAGE).as_posix()}": p.read_bytes()
             for p in sorted(PACKAGE.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert TARGET in files and CONTEXT in files, sorted(files)
    return files


def package_repo(path: Path) -> Path:
    """A fresh git repository holding a copy of the package, committed."""
    return make_repo(path, package_files())


def edited_target() -> str:
    original = (PACKAGE / "scanner.py").read_text(encoding="utf-8")
    assert original.count(OLD) == 1
    return original.replace(OLD, NEW)


@pytest.fixture
def env(fake_api, cli_home):
    """The real CLIs pointed at the fake, HOME isolated; skips when a binary is missing."""
    return installed_env(fake_api.url, cli_home, REQUIRED)


@pytest.fixture
def repo(tmp_path):
    return package_repo(tmp_path / "repo")


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.md"
    path.write_text(SPEC_TEXT, encoding="utf-8")
    return str(path)


#: These runs pin the single-session executor; test_realcli_tasks.py covers task by task.
PLAN_MODE = ("--execute-by", "plan")


def run_twostep(*args: str, repo: Path, env: dict) -> tuple[int, str]:
    if args[0] == "run":
        args = (*args, *PLAN_MODE)
    result = twostep(*args, cwd=repo, env=env, timeout=120)
    err = result.stderr.decode("utf-8", "replace").replace("\0", "\\0")
    return result.returncode, f"exit {result.returncode}; stderr:\n{err}"


def planner_requests(fake) -> list[dict]:
    """The planner's model calls (gemini's own side calls carry no tools)."""
    return [r for r in fake.by_api("gemini") if r["has_tools"]]


def executor_first_turns(fake) -> list[dict]:
    """The first turn of each claude session: its input_text is the prompt plus stdin."""
    return [r for r in fake.by_api("anthropic") if r["has_tools"] and r.get("step") in (0, None)
            and len([m for m in r["body"].get("messages", []) if m.get("role") == "user"]) == 1]


def codebase(repo: Path) -> dict[str, str]:
    """The files the python recipe's pathspecs select, with their text."""
    pathspecs = recipes.load(RECIPE).codebase
    paths = git(repo, "ls-files", "-z", "--", *pathspecs).split("\0")
    return {p: (repo / p).read_text(encoding="utf-8") for p in paths if p}


def coverage(text: str, files: dict[str, str]) -> float:
    """Share of the codebase's characters present verbatim (whole files) in `text`."""
    total = sum(len(body) for body in files.values())
    return sum(len(body) for body in files.values() if body in text) / total


def unique_lines(files: dict[str, str], path: str) -> list[str]:
    """Long lines of one file that occur in no other file: proof that file was sent."""
    others = "\n".join(body for p, body in files.items() if p != path)
    lines = {ln.strip() for ln in files[path].splitlines() if len(ln.strip()) >= 40}
    return sorted(ln for ln in lines if ln not in others)


def configure(fake, script: list[dict], plan: str = PLAN) -> None:
    fake.configure(gemini={"plan": plan}, anthropic={"script": script})


def write_target_script() -> list[dict]:
    return [{"tool": "Write", "path": TARGET, "content": edited_target(), "read_first": True}]


# -- the acceptance -----------------------------------------------------------------------------

def test_run_python_recipe_on_real_package(repo, spec, env, fake_api):
    configure(fake_api, write_target_script())
    files = codebase(repo)
    assert len(files) >= 5 and sum(map(len, files.values())) > 40_000

    code, out = run_twostep("run", RECIPE, "--spec", spec, "--yes", repo=repo, env=env)

    # The planner got the spec and (nearly) every character of the codebase.
    [planner] = planner_requests(fake_api)
    assert planner["model"] == recipes.load(RECIPE).planner.model
    sent = planner["input_text"]
    assert sent.startswith(SPEC_TEXT), out
    assert coverage(sent, files) >= 0.90, (coverage(sent, files), out)
    # AI-PLAN.md is the planner's reply, byte for byte.
    assert (repo / "AI-PLAN.md").read_text(encoding="utf-8") == PLAN, out
    # The executor (strategy small: the whole pack) ran in the repository and its Write landed.
    executors = executor_first_turns(fake_api)
    assert len(executors) == 1, out
    assert executors[0]["cwd"] == str(repo)
    assert PLAN in executors[0]["input_text"]
    assert coverage(executors[0]["input_text"], files) >= 0.90
    assert (repo / TARGET).read_text(encoding="utf-8") == edited_target(), out
    changed = git(repo, "status", "--porcelain").splitlines()
    assert sorted(changed) == sorted([f" M {TARGET}", "?? AI-PLAN.md"]), (changed, out)
    assert code == 0, out
    assert "strategy small" in out and "result: ok (exit 0)" in out


def test_dry_run_calls_no_model_and_bash_reproduces_the_run(repo, spec, env, fake_api, tmp_path):
    configure(fake_api, write_target_script())

    dry = twostep("run", RECIPE, "--spec", spec, "--yes", "--dry-run", *PLAN_MODE, cwd=repo,
                  env=env)
    assert dry.returncode == 0, dry.stderr.decode()
    assert fake_api.requests == []  # no model was called
    assert git(repo, "status", "--porcelain", "--ignored") == ""
    script = tmp_path / "twostep-run.sh"
    script.write_bytes(dry.stdout)
    assert b"fake-gemini-key" not in dry.stdout and b"sk-ant-fake" not in dry.stdout

    # The same run by twostep itself, on this repository...
    code, out = run_twostep("run", RECIPE, "--spec", spec, "--yes", repo=repo, env=env)
    assert code == 0, out
    # ...and by bash from the script, on a twin repository.
    twin = package_repo(tmp_path / "twin")
    bashed = subprocess.run(["bash", str(script)], cwd=twin, env=env, capture_output=True,
                            timeout=120)
    bash_err = bashed.stderr.decode("utf-8", "replace")
    planners = planner_requests(fake_api)
    assert len(planners) == 2, bash_err
    assert planners[0]["input_text"] == planners[1]["input_text"]  # the same spec + pack + prompt
    assert (twin / "AI-PLAN.md").read_bytes() == (repo / "AI-PLAN.md").read_bytes(), bash_err
    assert (twin / TARGET).read_text(encoding="utf-8") == edited_target(), bash_err
    assert git(twin, "diff") == git(repo, "diff") != ""
    executors = executor_first_turns(fake_api)
    assert len(executors) == 2 and executors[0]["input_text"] == executors[1]["input_text"]
    assert bashed.returncode == 0, f"bash exit {bashed.returncode}; stderr:\n{bash_err[-3000:]}"


def test_medium_strategy_sends_executor_only_the_plans_files(repo, spec, env, fake_api):
    configure(fake_api, [{"tool": "Edit", "path": TARGET, "old": OLD, "new": NEW}])
    files = codebase(repo)

    code, out = run_twostep("run", RECIPE, "--spec", spec, "--yes", "--strategy", "medium",
                            repo=repo, env=env)

    [planner] = planner_requests(fake_api)
    assert coverage(planner["input_text"], files) >= 0.90, out  # the planner still sees it all
    [run_dir] = list((repo / ".twostep" / "runs").iterdir())
    listing = (run_dir / "task-1.files").read_text(encoding="utf-8").split()
    assert sorted(listing) == sorted([TARGET, CONTEXT]), out  # the files the plan names
    [executor] = executor_first_turns(fake_api)
    # the plan's files; callers of what the plan changes would follow, marked read-only
    given = executor["input_text"].partition("READ-ONLY CONTEXT")[0]
    assert given.startswith(recipes.load(RECIPE).executor.prompt.rstrip("\n")), given[:300]
    for path in (TARGET, CONTEXT):  # repomix --stdin packed the plan's files, whole
        assert files[path] in given, f"{path} not sent to the executor"
    for path in sorted(set(files) - {TARGET, CONTEXT}):
        assert f'path="{path}"' not in given, f"{path} was sent to the executor"
        leaked = [ln for ln in unique_lines(files, path) if ln in given]
        assert not leaked, f"{path} content was sent to the executor: {leaked[:2]}"
    assert len(given) < 0.8 * sum(map(len, files.values()))
    assert (repo / TARGET).read_text(encoding="utf-8") == edited_target(), out
    assert code == 0, out
    assert "strategy medium" in out


# -- failures become distinct exit codes --------------------------------------------------------

def test_planner_api_500_exits_7_and_keeps_existing_plan(repo, spec, env, fake_api):
    precious = "# my own plan, hand written\n\nDo not overwrite.\n"
    (repo / "AI-PLAN.md").write_text(precious, encoding="utf-8")  # untracked: not "dirty"
    fake_api.configure(gemini={"fault": {"status": 500}},
                       anthropic={"script": write_target_script()})

    code, out = run_twostep("run", RECIPE, "--spec", spec, "--yes", repo=repo, env=env)

    assert code == 7, out
    assert "planner" in out and "gemini" in out
    assert (repo / "AI-PLAN.md").read_text(encoding="utf-8") == precious
    attempts = fake_api.by_api("gemini")
    assert attempts and all(r["status"] == 500 for r in attempts)
    assert len(planner_requests(fake_api)) == recipes.load(RECIPE).planner.retries  # maxAttempts
    assert fake_api.by_api("anthropic") == []  # the executor never ran
    assert git(repo, "status", "--porcelain").splitlines() == ["?? AI-PLAN.md"]
    manifest = json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)[-1]
    assert manifest["status"] == "failed" and manifest["exit_code"] == 7


@pytest.mark.parametrize("case", ["refused", "no-change"])
def test_executor_refused_or_idle_exits_9(case, repo, spec, env, fake_api):
    hook = repo / ".git" / "hooks" / "pre-commit"
    if case == "refused":
        # Even with acceptEdits and Write allowed, claude refuses writes into .git/.
        script = [{"tool": "Write", "path": ".git/hooks/pre-commit", "content": "exit 0\n"}]
    else:
        script = [{"tool": "Read", "path": TARGET}]  # reads, changes nothing
    configure(fake_api, script)

    code, out = run_twostep("run", RECIPE, "--spec", spec, "--yes", repo=repo, env=env)

    assert (repo / "AI-PLAN.md").read_text(encoding="utf-8") == PLAN, out
    # a session that changes nothing gets one more, fresh; refused edits stop at once
    assert len(executor_first_turns(fake_api)) == (1 if case == "refused" else 2), out
    assert code == 9, out
    assert ("edits were refused: Write(" if case == "refused" else "changed none of") in out
    assert not hook.exists()
    assert git(repo, "status", "--porcelain").splitlines() == ["?? AI-PLAN.md"]


def test_executor_write_outside_the_repository_is_refused(repo, spec, env, fake_api, tmp_path):
    outside = tmp_path / "outside" / "stolen.py"
    outside.parent.mkdir()
    # claude's acceptEdits alone refuses a Write outside its working directory.
    configure(fake_api, [{"tool": "Write", "path": str(outside), "content": "x = 1\n"}])

    code, out = run_twostep("run", RECIPE, "--spec", spec, "--yes", repo=repo, env=env)

    assert len(executor_first_turns(fake_api)) == 1, out
    assert not outside.exists(), f"the executor wrote {outside}; {out}"
    assert code == 9 and "edits were refused" in out, out
