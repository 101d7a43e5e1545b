"""twostep.agents.codex_command: the codex exec command line as pure data
(CLI-FACTS-codex §2-§9, §13). The real binary runs it in tests/realcli/test_codex_cli.py."""

from __future__ import annotations

import pytest

from twostep.agents.codex_command import (
    DEFAULT_BASE_URL,
    KEY_ENV,
    MAX_INPUT_CHARS,
    Retries,
    api_key,
    base_url,
    codex_argv,
    codex_call,
    codex_env,
    fits_input,
    provider_table,
    user_text,
)


def pairs(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


def planner(**kwargs) -> list[str]:
    return codex_argv("planner", "gpt-5.5", cwd="/repo", output_file="/run/plan.md", **kwargs)


def executor(**kwargs) -> list[str]:
    return codex_argv("executor", "gpt-5.5", cwd="/repo", output_file="/run/last.md",
                      **kwargs)


def test_planner_is_read_only_without_shell():
    argv = planner(prompt="Create a plan")
    assert argv[:6] == ["codex", "exec", "-m", "gpt-5.5", "-C", "/repo"]
    assert pairs(argv, "-s") == ["read-only"]
    assert {"shell_tool", "goals", "unbounded_connection_retries", "plugins"} <= set(
        pairs(argv, "--disable"))
    assert 'web_search="disabled"' in pairs(argv, "-c")
    assert argv[-2:] == ["--", "Create a plan"]


def test_executor_is_confined_to_the_repository():
    argv = executor(prompt="Implement", writable_roots=["/repo-extra"])
    configs = pairs(argv, "-c")
    assert pairs(argv, "-s") == ["workspace-write"]
    assert {"sandbox_workspace_write.exclude_slash_tmp=true",
            "sandbox_workspace_write.exclude_tmpdir_env_var=true",
            "shell_environment_policy.inherit=core"} <= set(configs)
    assert pairs(argv, "--add-dir") == ["/repo-extra"]
    assert "shell_tool" not in pairs(argv, "--disable")


@pytest.mark.parametrize("build", [planner, executor])
def test_both_roles_share_the_isolation_flags(build):
    argv = build()
    for flag in ("--json", "--ephemeral", "--ignore-user-config", "--ignore-rules",
                 "--skip-git-repo-check"):
        assert flag in argv
    assert "--trust" not in argv  # §4: it persists into CODEX_HOME
    configs = pairs(argv, "-c")
    assert {"model_provider=twostep", "analytics.enabled=false",
            "project_doc_max_bytes=0"} <= set(configs)
    assert argv[-1] == "-"  # no prompt: the whole text comes from stdin
    assert pairs(argv, "-o") == [argv[argv.index("-o") + 1]]


def test_project_docs_opt_in_keeps_agents_md():
    assert "project_doc_max_bytes=0" not in pairs(planner(project_docs=True), "-c")


def test_provider_table_is_valid_toml_with_the_caps():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    table = provider_table('http://h:1/v1?q="x"', Retries(0, 1, 3000))
    parsed = tomllib.loads(f"p = {table}")["p"]
    assert parsed == {"name": "twostep", "base_url": 'http://h:1/v1?q="x"', "env_key": KEY_ENV,
                      "wire_api": "responses", "request_max_retries": 0,
                      "stream_max_retries": 1, "stream_idle_timeout_ms": 3000}
    argv = planner(url="http://127.0.0.1:9/v1")
    assert f"model_providers.twostep={provider_table('http://127.0.0.1:9/v1', Retries())}" in (
        pairs(argv, "-c"))


@pytest.mark.parametrize("bad", [
    {"role": "reviewer"}, {"model": ""}, {"writable_roots": ["/x"]}])
def test_bad_arguments_are_refused(bad):
    args = {"role": "planner", "model": "gpt-5.5", **bad}
    with pytest.raises(ValueError):
        codex_argv(args.pop("role"), args.pop("model"), cwd="/r", output_file="/o", **args)


def test_base_url_and_key_come_from_the_environment():
    assert base_url({}) == DEFAULT_BASE_URL
    assert base_url({"OPENAI_BASE_URL": "http://127.0.0.1:5/v1"}) == "http://127.0.0.1:5/v1"
    assert api_key({"OPENAI_API_KEY": "a", "CODEX_API_KEY": "c"}) == "c"
    assert api_key({"OPENAI_API_KEY": "a"}) == "a"
    assert api_key({"OPENAI_API_KEY": ""}) is None


def test_env_has_private_home_and_provider_key():
    parent = {"PATH": "/bin", "CODEX_HOME": "/root/.codex", "OPENAI_API_KEY": "sk-1",
              KEY_ENV: "stale"}
    env = codex_env(parent, "/run/codex-home")
    assert env["CODEX_HOME"] == "/run/codex-home" and env[KEY_ENV] == "sk-1"
    assert env["PATH"] == "/bin"
    assert KEY_ENV not in codex_env({"PATH": "/bin", KEY_ENV: "stale"}, "/h")
    assert parent["CODEX_HOME"] == "/root/.codex"  # the caller's mapping is not touched


def test_codex_call_bundles_argv_env_and_stdin():
    call = codex_call("executor", "gpt-5.5", parent_env={"OPENAI_BASE_URL": "http://f/v1"},
                      codex_home="/h", cwd="/repo", output_file="/o", stdin_file="/run/in.txt",
                      binary="/opt/codex")
    assert call.argv[0] == "/opt/codex" and call.argv[-1] == "-"
    assert call.stdin_file == "/run/in.txt"
    assert call.env == {"OPENAI_BASE_URL": "http://f/v1", "CODEX_HOME": "/h"}  # no key
    assert any('base_url="http://f/v1"' in a for a in call.argv)
    with pytest.raises(ValueError):
        codex_call("planner", "gpt-5.5", parent_env={}, codex_home="/h", cwd="/r",
                   output_file="/o")


def test_user_text_matches_codex():
    assert user_text("Plan", "A\nB\n") == "Plan\n\n<stdin>\nA\nB\n</stdin>"
    assert user_text("Plan", "A") == "Plan\n\n<stdin>\nA\n</stdin>"
    assert user_text("Plan", " \n\t") == "Plan"
    assert user_text(None, "all of it\n") == "all of it\n"


def test_fits_input_counts_code_points():
    wrapper = len(user_text("P", "x")) - 2  # 19 characters around a one-line stdin
    assert wrapper == 19
    room = MAX_INPUT_CHARS - 1 - wrapper
    assert fits_input("P", "é" * room) and not fits_input("P", "é" * (room + 1))
    assert fits_input(None, "x" * MAX_INPUT_CHARS) and not fits_input(None, "x" * (
        MAX_INPUT_CHARS + 1))
