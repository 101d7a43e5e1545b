"""Each adapter declares the recipe keys only its CLI has (core/options.py); an agent section is
checked against the keys of the CLI it names, and a key of another CLI or role is an error at
file:line:col that says whose key it is. `twostep check` shows each CLI's own mode."""

from __future__ import annotations

import dataclasses
import json

import pytest

from tests.support.helpers import twostep
from twostep import agents
from twostep.agents.claude import ClaudeOptions
from twostep.agents.codex import CodexOptions
from twostep.core.options import CliOptions
from twostep.errors import RecipeError
from twostep.recipe import choose
from twostep.recipe import load as recipes

#: What each adapter declares, by role: the whole of the per-CLI keys.
OWN = {("claude", "planner"): ["project_settings"],
       ("claude", "executor"): ["permission_mode", "allowed_tools", "max_turns",
                                "project_settings", "run_verify"],
       ("codex", "planner"): ["project_settings"], ("codex", "executor"): ["project_settings"],
       ("gemini", "planner"): [], ("gemini", "executor"): []}


def load(tmp_path, text: str):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    return recipes.load(str(path))


def problems(tmp_path, text: str) -> list[tuple[str, str | None]]:
    with pytest.raises(RecipeError) as info:
        load(tmp_path, text)
    found = getattr(info.value, "problems", [info.value])
    return [(str(p), p.hint) for p in found]


@pytest.mark.parametrize("cli,role", list(OWN))
def test_each_adapter_declares_its_keys(cli, role):
    assert list(agents.get(cli).options.keys(role)) == OWN[cli, role]


@pytest.mark.parametrize("cli,kind", [("claude", ClaudeOptions), ("codex", CodexOptions),
                                      ("gemini", CliOptions)])
def test_an_agent_holds_its_clis_options_and_stays_frozen_and_hashable(cli, kind):
    agent = recipes.make_agent("executor", {"cli": cli})
    assert type(agent.options) is kind
    assert hash(agent) == hash(recipes.make_agent("executor", {"cli": cli}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        agent.options.x = 1  # type: ignore[attr-defined]


def test_options_as_the_adapters_type():
    bare = dataclasses.replace(recipes.make_agent("executor", {"cli": "claude"}),
                               options=CliOptions())
    assert bare.options_as(ClaudeOptions) == ClaudeOptions()  # made without: the defaults
    codex = recipes.make_agent("executor", {"cli": "codex"})
    with pytest.raises(TypeError, match="holds CodexOptions, not ClaudeOptions"):
        codex.options_as(ClaudeOptions)


# -- the keys a recipe may give each CLI ------------------------------------------------------

def test_claude_takes_its_keys(tmp_path):
    r = load(tmp_path, "extends: default\nplanner: {cli: claude, project_settings: true}\n"
                       "executor:\n  permission_mode: auto\n  allowed_tools: [Read]\n"
                       "  max_turns: 9\n  project_settings: true\n  run_verify: true\n")
    assert r.planner.options == ClaudeOptions(project_settings=True)
    assert r.executor.options == ClaudeOptions("auto", ("Read",), 9, True, True)


@pytest.mark.parametrize("role", ["planner", "executor"])
def test_codex_takes_project_settings(tmp_path, role):
    r = load(tmp_path, f"extends: codex\n{role}: {{project_settings: true}}\n")
    assert getattr(r, role).options == CodexOptions(project_settings=True)


def test_gemini_takes_only_the_common_keys(tmp_path):
    r = load(tmp_path, "extends: default\nexecutor: {cli: gemini, model: m, retries: 3}\n")
    assert r.executor.options == CliOptions() and r.executor.retries == 3


# -- and what is another CLI's ----------------------------------------------------------------

def test_a_gemini_executor_with_claudes_keys_fails_at_each_key(tmp_path):
    found = problems(tmp_path, "extends: default\nexecutor: {cli: gemini, allowed_tools: [Read], "
                               "max_turns: 5, permission_mode: auto}\n")
    assert found == [
        (f"{tmp_path / 'r.yaml'}:2:25: allowed_tools is a key of claude's executor, "
         "not of gemini's executor", "gemini's executor has only the keys every agent has"),
        (f"{tmp_path / 'r.yaml'}:2:48: max_turns is a key of claude's executor, "
         "not of gemini's executor", "gemini's executor has only the keys every agent has"),
        (f"{tmp_path / 'r.yaml'}:2:62: permission_mode is a key of claude's executor, "
         "not of gemini's executor", "gemini's executor has only the keys every agent has")]


@pytest.mark.parametrize("text,message,hint", [
    ("extends: codex\nexecutor:\n  permission_mode: auto\n",
     "r.yaml:3:3: permission_mode is a key of claude's executor, not of codex's executor",
     "codex's own executor keys: project_settings"),
    ("extends: codex\nexecutor:\n  run_verify: true\n",
     "r.yaml:3:3: run_verify is a key of claude's executor, not of codex's executor", None),
    ("extends: claude\nplanner:\n  max_turns: 5\n",
     "r.yaml:3:3: max_turns is a key of claude's executor, not of claude's planner",
     "claude's own planner keys: project_settings"),
    ("extends: default\nplanner:\n  project_settings: true\n",
     "r.yaml:3:3: project_settings is a key of claude's and codex's planner, not of gemini's "
     "planner", "gemini's planner has only the keys every agent has"),
])
def test_another_clis_key_says_whose_it_is(tmp_path, text, message, hint):
    [(found, found_hint)] = problems(tmp_path, text)
    assert found.endswith(message)
    assert hint is None or found_hint == hint


@pytest.mark.parametrize("text,message,hint", [
    ("extends: default\nexecutor:\n  permision_mode: auto\n",
     "r.yaml:3:3: unknown key 'permision_mode' in executor", "did you mean 'permission_mode'?"),
    ("extends: codex\nexecutor:\n  modle: x\n",
     "r.yaml:3:3: unknown key 'modle' in executor", "did you mean 'model'?"),
    ("extends: default\nexecutor:\n  max_turns: 0\n",
     "r.yaml:3:14: max_turns must be a whole number from 1 to 1000, got 0", None),
    # An unknown cli is its own error; the CLI's keys cannot be judged without one.
    ("extends: default\nexecutor: {cli: gemni, max_turns: 5}\n",
     "r.yaml:2:17: cli: 'gemni' is not one of claude, codex, gemini", "did you mean 'gemini'?"),
])
def test_typos_and_bad_values_of_per_cli_keys(tmp_path, text, message, hint):
    [(found, found_hint)] = problems(tmp_path, text)
    assert found.endswith(message)
    assert hint is None or found_hint == hint


def test_command_line_choice_of_another_cli_drops_the_recipes_cli_keys():
    r = choose.apply(recipes.load("default"), choose.Choices(executor="codex"))
    assert r.executor.options == CodexOptions()


# -- twostep check -------------------------------------------------------------------------------

def test_check_fails_a_gemini_executor_with_claudes_keys(tmp_path):
    (tmp_path / "r.yaml").write_text("extends: default\nexecutor:\n  cli: gemini\n"
                                     "  allowed_tools: [Read]\n  max_turns: 5\n"
                                     "  permission_mode: auto\n")
    result = twostep("check", "r.yaml", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 3 and "3 problems" in err, err
    for line in ("r.yaml:4:3: allowed_tools is a key of claude's executor, not of gemini's",
                 "r.yaml:5:3: max_turns is a key of claude's executor",
                 "r.yaml:6:3: permission_mode is a key of claude's executor"):
        assert line in err, err
    data = json.loads(twostep("check", "r.yaml", "--json", cwd=tmp_path).stdout)
    assert data["problems"][0] == {
        "file": "r.yaml", "line": 4, "col": 3, "hint": "gemini's executor has only the keys "
                                                       "every agent has",
        "message": "allowed_tools is a key of claude's executor, not of gemini's executor"}


@pytest.mark.parametrize("recipe,planner,executor", [
    ("default", "gemini gemini-2.5-pro (default)", "claude sonnet (acceptEdits)"),
    ("claude", "claude opus (no tools)", "claude sonnet (acceptEdits)"),
    ("codex", "codex gpt-5.5 (read-only)", "codex gpt-5.5 (workspace-write)"),
    ("r.yaml", "gemini gemini-2.5-pro (default)", "gemini gemini-2.5-pro (auto_edit)"),
])
def test_check_shows_each_clis_own_mode(tmp_path, recipe, planner, executor):
    (tmp_path / "r.yaml").write_text("extends: default\nexecutor: {cli: gemini}\n")
    result = twostep("check", recipe, cwd=tmp_path)
    out = result.stdout.decode()
    assert result.returncode == 0 and f"planner {planner}; executor {executor};" in out, out


def test_check_json_shows_the_mode_and_the_clis_own_keys(tmp_path):
    data = json.loads(twostep("check", "codex-claude", "--json", cwd=tmp_path).stdout)
    planner, executor = data["summary"]["planner"], data["summary"]["executor"]
    assert planner == {"cli": "codex", "model": "gpt-5.5", "mode": "read-only",
                       "options": {"project_settings": False}}
    assert executor["mode"] == "acceptEdits" and executor["options"] == {
        "permission_mode": "acceptEdits", "allowed_tools": ["Read", "Glob", "Grep", "Edit(./**)"],
        "max_turns": 60, "project_settings": False, "run_verify": False}
