"""Packs full of `@`: every planner and executor sends them within seconds, reads no file behind
them, and a CLI that stalls anyway is stopped without leaving a process behind.

gemini 0.61.0 globs the workspace for every `@token` of its input that names no file; on the
text of real Go and TypeScript (tests/corpora/realcode/) that glob spins for ever before the
first request (docs/cli-facts.md). claude reads the file behind every `@path`, even outside
the repository. The packs here are real code, 1 to 3.4 MB (codex takes at most 1 MB).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.helpers import git, twostep
from tests.support.realcli import installed_env
from tests.support.realcode import CADDY_STALLER, at_tokens_repo, caddy_repo, zod_repo

pytestmark = pytest.mark.realcli

REQUIRED = ("git", "repomix", "gemini", "claude", "codex", "twostep")
API = {"gemini": "gemini", "claude": "anthropic", "codex": "openai"}
TARGET = "NOTES.md"
CONTENT = "# Notes\n\nRoutes keep their @id.\n"
PLAN = f"""# Plan

## Task 1: Notes
Write `{TARGET}`.

```twostep-files
task 1: Notes
create: {TARGET}
```
"""
SPEC = "Write down how routes keep their `@id` (see @go/caddyconfig and dev@example.com).\n"
#: Within seconds: the request went out well before this, or the CLI stalled.
SECONDS = 45
#: What each CLI takes whole: gemini all 3.4 MB; claude refuses more than about 1M of its
#: own tokens (2.3 MB here); codex's input is capped at 1 MiB.
SELECTION = {"gemini": ["."],
             "claude": ["go", "py", "pkg", "ts/src/v4/core", "ts/src/v4/mini",
                        "ts/src/v4/locales"],
             "codex": ["go/caddyconfig/httpcaddyfile", "py/email", "py/smtplib.py",
                       "py/dataclasses.py", "py/urllib", "pkg", "ts/src/v4/core/regexes.ts",
                       "ts/src/v4/classic/tests/string.test.ts"]}


@pytest.fixture(scope="module")
def at_repo(tmp_path_factory):
    return at_tokens_repo(tmp_path_factory.mktemp("at") / "repo")


@pytest.fixture
def env(fake_api, cli_home):
    return installed_env(fake_api.url, cli_home, REQUIRED)


def _recipe(tmp: Path, cli: str, role: str, **agent: object) -> str:
    if cli == "claude":  # claude refuses more than its model's window itself
        agent["model"] = "sonnet[1m]"
    keys = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in agent.items())
    path = tmp / f"{role}-{cli}.yaml"
    path.write_text(f"extends: default\ncodebase: {json.dumps(SELECTION[cli])}\n"
                    f"{role}:\n  cli: {cli}\n  timeout: 120\n{keys}")
    return str(path)


def _configure(fake, plan: str = PLAN) -> None:
    fake.configure(
        gemini={"plan": plan, "script": [{"tool": "write_file",
                                          "args": {"file_path": TARGET, "content": CONTENT}}]},
        anthropic={"side_text": plan, "script": [{"tool": "Write", "path": TARGET,
                                                  "content": CONTENT}]},
        openai={"planner": {"text": plan},
                "executor": {"script": [{"write": TARGET, "content": CONTENT}]}})


def _seconds(repo: Path, env: dict, step: str) -> float:
    run = json.loads(twostep("runs", "--json", cwd=repo, env=env).stdout)[-1]
    return next(s["seconds"] for s in run["steps"] if s["name"] == step)


def _sent(fake, cli: str) -> list[str]:
    return [r["input_text"] or "" for r in fake.requests if r["api"] == API[cli]]


@pytest.mark.parametrize("cli", ["gemini", "claude", "codex"])
def test_each_planner_sends_a_pack_full_of_at_within_seconds(cli, at_repo, env, fake_api,
                                                              tmp_path):
    _configure(fake_api)
    spec = tmp_path / "spec.md"
    spec.write_text(SPEC)
    recipe = _recipe(tmp_path, cli, "planner", context_tokens=3_000_000)

    result = twostep("plan", recipe, "--spec", str(spec), "--strategy", "small", "-o", "-",
                     cwd=at_repo, env=env, timeout=240)

    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert result.stdout.decode() == PLAN
    seconds = _seconds(at_repo, env, "planner")
    assert seconds < SECONDS, f"the {cli} planner took {seconds} s"
    sent = max(_sent(fake_api, cli), key=len)
    assert "addresses_test.go" in sent and '#$%@' in sent, "the staller was not sent"
    assert "--- Content from referenced files ---" not in sent
    assert "dev@example.com" in sent  # not rewritten to "dev @example.com"
    print(f"{cli} planner: {len(sent):,} characters sent, the call took {seconds} s")


@pytest.mark.parametrize("cli", ["gemini", "claude", "codex"])
def test_each_executor_sends_a_pack_full_of_at_within_seconds(cli, at_repo, env, fake_api,
                                                               tmp_path):
    _configure(fake_api)
    (tmp_path / "plan.md").write_text(PLAN)
    recipe = _recipe(tmp_path, cli, "executor", context_tokens=3_000_000, output_tokens=32_000)
    try:
        result = twostep("execute", recipe, "--plan", str(tmp_path / "plan.md"), "--yes",
                         "--strategy", "small", cwd=at_repo, env=env, timeout=240)
        err = result.stderr.decode()
        assert result.returncode == 0, err
        assert (at_repo / TARGET).read_text() == CONTENT
        seconds = _seconds(at_repo, env, "task-1-try-1-executor")
        assert seconds < SECONDS, f"the {cli} executor took {seconds} s"
        sent = max(_sent(fake_api, cli), key=len)
        assert "addresses_test.go" in sent and "--- Content from referenced files ---" not in sent
        print(f"{cli} executor: {len(sent):,} characters sent, the session took {seconds} s")
    finally:
        (at_repo / TARGET).unlink(missing_ok=True)


@pytest.mark.parametrize("cli", ["claude", "codex", "gemini"])
def test_no_cli_reads_a_file_behind_an_at_path(cli, env, fake_api, tmp_path):
    """Planner and executor given `@/abs/path` and `@untracked` in the spec and the plan: no
    file's content reaches the API. Without CLAUDE_CODE_DISABLE_ATTACHMENTS claude reads and
    sends both, in either role, even with no tools. gemini inlines a file of its workspace
    (the repository, for the executor) by itself: an untracked one is not checked for it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CONTENT\n")
    repo = caddy_repo(tmp_path / "repo")
    (repo / "local.txt").write_text("UNTRACKED-CONTENT\n")
    mentions = f"@{secret}" if cli == "gemini" else f"@{secret} and @local.txt"
    _configure(fake_api, plan=PLAN + f"\nCompare with {mentions} first.\n")
    spec = tmp_path / "spec.md"
    spec.write_text(f"Read {mentions}, then @{repo}/go.mod.\n")

    result = twostep("run", "default", "--planner", cli, "--executor", cli, "--spec",
                     str(spec), "--yes", "--allow-dirty", cwd=repo, env=env, timeout=240)

    assert result.returncode == 0, result.stderr.decode()
    called = [r for r in fake_api.requests if r["api"] == API[cli]]
    assert len(called) >= 2
    bodies = json.dumps([r["body"] for r in called])
    assert "TOPSECRET" not in bodies and "UNTRACKED-CONTENT" not in bodies


# -- a gemini that stalls anyway: the setting undone by a system settings file ---------------

def _stalling_env(env: dict, tmp_path: Path) -> dict:
    """The real gemini as it was before the fix, and relaunched as users run it: a `gemini`
    first on PATH turns recursive file search back on in the settings twostep wrote, then
    becomes the real one."""
    real = shutil.which("gemini", path=env["PATH"])
    bin_dir = tmp_path / "stalling-bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "gemini"
    wrapper.write_text(f"""#!/usr/bin/env python3
import json, os, sys
path = os.path.join(os.environ["GEMINI_CLI_HOME"], ".gemini", "settings.json")
data = json.load(open(path))
data["context"] = {{"fileFiltering": {{"enableRecursiveFileSearch": True}}}}
json.dump(data, open(path, "w"))
os.execv({real!r}, [{real!r}, *sys.argv[1:]])
""")
    wrapper.chmod(0o755)
    stalling = {k: v for k, v in env.items() if k != "GEMINI_CLI_NO_RELAUNCH"}
    stalling["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return stalling


def _gemini_pids(home: str) -> list[int]:
    """Live processes of gemini (node) started with this test's HOME."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and b"gemini" in cmdline and f"HOME={home}".encode() in environ:
            found.append(int(entry.name))
    return found


def _none_left(home: str, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while _gemini_pids(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _gemini_pids(home)


def test_a_stalled_real_gemini_is_stopped_and_named(env, fake_api, tmp_path):
    repo = caddy_repo(tmp_path / "repo")
    assert (repo / CADDY_STALLER).is_file()
    stalling = _stalling_env(env, tmp_path)
    (tmp_path / "recipe.yaml").write_text("extends: default\nplanner:\n  stall_after: 8\n")
    spec = tmp_path / "spec.md"
    spec.write_text(SPEC)

    result = twostep("plan", str(tmp_path / "recipe.yaml"), "--spec", str(spec), "--strategy",
                     "small", cwd=repo, env=stalling, timeout=120)

    err = result.stderr.decode()
    assert result.returncode == 7, err
    assert "the planner (`gemini`) sent no request and printed nothing for 8 s" in err, err
    assert "planner.log" in err and "twostep resume" in err
    assert fake_api.by_api("gemini") == []
    assert _none_left(env["HOME"]), "a gemini process outlived twostep"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP],
                         ids=["SIGTERM", "SIGINT", "SIGHUP"])
def test_stopping_twostep_leaves_no_stalled_gemini(sig, env, fake_api, tmp_path):
    repo = caddy_repo(tmp_path / "repo")
    stalling = _stalling_env(env, tmp_path)
    spec = tmp_path / "spec.md"
    spec.write_text(SPEC)
    proc = subprocess.Popen([sys.executable, "-m", "twostep", "plan", "default", "--spec",
                             str(spec), "--strategy", "small"], cwd=repo, env=stalling,
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while len(_gemini_pids(env["HOME"])) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_gemini_pids(env["HOME"])) >= 2, "gemini and its relaunched child should run"
    time.sleep(3)  # well into the stall

    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err.decode()
    assert _none_left(env["HOME"], within=0.5), "a gemini process outlived twostep"
    assert fake_api.by_api("gemini") == []
    assert git(repo, "status", "--porcelain") == ""


# -- the built-in go and typescript recipes, end to end, on real code ------------------------

GO_PLAN = """# Plan

## Task 1: Document the address parser
Add a comment to `caddyconfig/httpcaddyfile/addresses.go` that says which `@` forms it keeps.

```twostep-files
task 1: Document the address parser
modify: caddyconfig/httpcaddyfile/addresses.go
read: caddyconfig/httpcaddyfile/addresses_test.go
```
"""
TS_PLAN = GO_PLAN.replace("caddyconfig/httpcaddyfile/addresses.go", "src/v4/core/regexes.ts") \
    .replace("caddyconfig/httpcaddyfile/addresses_test.go", "src/v4/core/checks.ts")


@pytest.mark.parametrize("recipe,make,plan,target", [
    ("go", caddy_repo, GO_PLAN, "caddyconfig/httpcaddyfile/addresses.go"),
    ("typescript", zod_repo, TS_PLAN, "src/v4/core/regexes.ts"),
], ids=["go-caddy", "typescript-zod"])
def test_builtin_recipe_plans_and_executes_real_code(recipe, make, plan, target, env, fake_api,
                                                     tmp_path):
    repo = make(tmp_path / "repo")
    (repo / "twostep.yaml").write_text(f"extends: {recipe}\nverify: []\n")
    git(repo, "add", "twostep.yaml")
    git(repo, "commit", "-qm", "recipe")
    note = "\n// Keeps @id, @scope/pkg and user@host forms as written.\n"
    fake_api.configure(gemini={"plan": plan}, anthropic={"script": [
        {"tool": "Append", "path": target, "text": note}]})
    spec = tmp_path / "spec.md"
    spec.write_text(SPEC)

    result = twostep("run", "--spec", str(spec), "--yes", cwd=repo, env=env, timeout=300)

    assert result.returncode == 0, result.stderr.decode()
    assert (repo / target).read_text().endswith(note)
    assert git(repo, "status", "--porcelain").split() == ["M", target, "??", "AI-PLAN.md"]
    sent = max(_sent(fake_api, "gemini"), key=len)
    assert "@" in sent and len(fake_api.by_api("gemini")) == 1


@pytest.mark.parametrize("cli", ["gemini", "claude", "codex"])
@pytest.mark.parametrize("recipe,make", [("go", caddy_repo), ("typescript", zod_repo)],
                         ids=["go-caddy", "typescript-zod"])
def test_builtin_recipes_plan_real_code_with_each_planner(recipe, make, cli, env, fake_api,
                                                          tmp_path):
    repo = make(tmp_path / "repo")
    _configure(fake_api)
    spec = tmp_path / "spec.md"
    spec.write_text(SPEC)

    result = twostep("plan", recipe, "--planner", cli, "--spec", str(spec), "-o", "-",
                     cwd=repo, env=env, timeout=240)

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == PLAN
    seconds = _seconds(repo, env, "planner")
    assert seconds < SECONDS, f"the {cli} planner took {seconds} s"
    assert "@" in max(_sent(fake_api, cli), key=len)
