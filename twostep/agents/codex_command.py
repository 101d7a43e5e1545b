"""The `codex exec` command line and environment for twostep's two roles, as pure data.

Every flag below answers a finding of CLI-FACTS-codex (codex 0.169.0); the section is cited
next to it. The caller runs `argv` with `env`, in a process group it kills on its own
wall-clock timeout (§7.4, §8: codex has no turn cap and no header timeout), with stdin set
EXACTLY to `stdin_file` or to DEVNULL (§3: an inherited open pipe hangs codex forever),
and must create `codex_home` (an empty private directory, §4) before the call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Role = Literal["planner", "executor"]

PROVIDER_ID = "twostep"
#: The variable codex reads the key from (`env_key` of the custom provider, §2.2).
KEY_ENV = "TWOSTEP_CODEX_API_KEY"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: §3: the whole user text (prompt + `<stdin>` block) is capped at this many characters.
MAX_INPUT_CHARS = 1_048_576


@dataclass(frozen=True)
class Retries:
    """The provider's retry caps (§8). Defaults are the §13 command line's."""

    request_max_retries: int = 2
    stream_max_retries: int = 2
    stream_idle_timeout_ms: int = 120_000


@dataclass(frozen=True)
class CodexCall:
    """What to run. `stdin_file` None means: run with stdin=DEVNULL, never inherited."""

    argv: tuple[str, ...]
    env: dict[str, str]
    stdin_file: str | None


def base_url(env: Mapping[str, str]) -> str:
    """codex itself ignores OPENAI_BASE_URL (§2.1); twostep honours it through the provider."""
    return env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL


def api_key(env: Mapping[str, str]) -> str | None:
    """CODEX_API_KEY first (codex's own name), then OPENAI_API_KEY, which `codex exec`
    would otherwise ignore (§2.2)."""
    return env.get("CODEX_API_KEY") or env.get("OPENAI_API_KEY") or None


def provider_table(url: str, retries: Retries) -> str:
    """The inline TOML table of the custom provider (§2.1: plain HTTP POST, no websocket
    probe, capped retries; `openai` itself cannot be overridden). json.dumps gives a valid
    TOML basic string."""
    fields = {"name": json.dumps(PROVIDER_ID), "base_url": json.dumps(url),
              "env_key": json.dumps(KEY_ENV), "wire_api": '"responses"',
              "request_max_retries": str(retries.request_max_retries),
              "stream_max_retries": str(retries.stream_max_retries),
              "stream_idle_timeout_ms": str(retries.stream_idle_timeout_ms)}
    return "{" + ",".join(f"{k}={v}" for k, v in fields.items()) + "}"


def _common(url: str, retries: Retries, project_docs: bool) -> list[str]:
    args = ["-c", f"model_provider={PROVIDER_ID}",
            "-c", f"model_providers.{PROVIDER_ID}={provider_table(url, retries)}",
            # §8: without this a refused connection retries forever, whatever the caps.
            "--disable", "unbounded_connection_retries",
            # §9: with both, the API is the only host codex connects to.
            "--disable", "plugins", "-c", "analytics.enabled=false",
            # §11: no session rollout files; §4: no config but ours (never --trust).
            "--ephemeral", "--ignore-user-config", "--ignore-rules",
            "--skip-git-repo-check"]
    if not project_docs:
        args += ["-c", "project_doc_max_bytes=0"]  # §4: the repo's AGENTS.md stays out
    return args


def _role_args(role: Role, writable_roots: Sequence[str]) -> list[str]:
    if role == "planner":
        if writable_roots:
            raise ValueError("the planner is read-only: writable_roots must be empty")
        # §7.6: no shell, no web; apply_patch stays offered but read-only refuses it.
        return ["-s", "read-only", "--disable", "shell_tool", "--disable", "goals",
                "-c", 'web_search="disabled"']
    args = ["-s", "workspace-write",
            # §7.2: otherwise /tmp and $TMPDIR are writable too.
            "-c", "sandbox_workspace_write.exclude_slash_tmp=true",
            "-c", "sandbox_workspace_write.exclude_tmpdir_env_var=true",
            # §7.5: the executor's shell must not see the caller's keys and tokens.
            "-c", "shell_environment_policy.inherit=core"]
    for root in writable_roots:
        args += ["--add-dir", root]
    return args


def codex_argv(role: Role, model: str, *, cwd: str, output_file: str,
               prompt: str | None = None, url: str = DEFAULT_BASE_URL,
               project_docs: bool = False, writable_roots: Sequence[str] = (),
               retries: Retries = Retries(), binary: str = "codex") -> list[str]:
    """`codex exec` for one role. With `prompt`, codex appends a non-empty stdin as a
    `<stdin>` block; without it the whole text comes from stdin (`-`), §3."""
    if role not in ("planner", "executor"):
        raise ValueError(f"unknown codex role {role!r}")
    if not model:
        raise ValueError("codex needs an explicit model (§1: the tools depend on it)")
    argv = [binary, "exec", "-m", model, "-C", cwd]
    argv += _role_args(role, writable_roots)
    argv += _common(url, retries, project_docs)
    argv += ["--json", "-o", output_file]
    # "--" keeps a prompt that starts with "-" from being read as a flag.
    argv += ["--", prompt] if prompt is not None else ["-"]
    return argv


def codex_env(parent: Mapping[str, str], codex_home: str) -> dict[str, str]:
    """The environment for codex: the caller's, plus a private CODEX_HOME (§4) and the key
    under KEY_ENV. A missing key is left to codex, which then sends no request and says
    `Missing environment variable: TWOSTEP_CODEX_API_KEY` (§2.2)."""
    env = {k: v for k, v in parent.items() if k != KEY_ENV}
    env["CODEX_HOME"] = codex_home
    key = api_key(parent)
    if key:
        env[KEY_ENV] = key
    return env


def codex_call(role: Role, model: str, *, parent_env: Mapping[str, str], codex_home: str,
               cwd: str, output_file: str, prompt: str | None = None,
               stdin_file: str | None = None, project_docs: bool = False,
               writable_roots: Sequence[str] = (), retries: Retries = Retries(),
               binary: str = "codex") -> CodexCall:
    """argv + env + stdin for one run; the base URL and key come from `parent_env`."""
    if prompt is None and stdin_file is None:
        raise ValueError("codex needs a prompt or a stdin file (§3: empty stdin exits 1)")
    argv = codex_argv(role, model, cwd=cwd, output_file=output_file, prompt=prompt,
                      url=base_url(parent_env), project_docs=project_docs,
                      writable_roots=writable_roots, retries=retries, binary=binary)
    return CodexCall(tuple(argv), codex_env(parent_env, codex_home), stdin_file)


def user_text(prompt: str | None, stdin_text: str) -> str:
    """The user message codex builds from the prompt argument and stdin (§3)."""
    if prompt is None:
        return stdin_text
    if not stdin_text.strip():
        return prompt
    tail = "" if stdin_text.endswith("\n") else "\n"
    return f"{prompt}\n\n<stdin>\n{stdin_text}{tail}</stdin>"


def fits_input(prompt: str | None, stdin_text: str) -> bool:
    """Whether codex will accept this input at all (§3: over the cap it exits 1 without a
    request). len() counts code points, as codex does."""
    return len(user_text(prompt, stdin_text)) <= MAX_INPUT_CHARS
