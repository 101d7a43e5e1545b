"""Completion through click's protocol, as a shell calls it: files for --spec and --plan, the
recipes by name and file, the model CLIs with their models, run ids, and -q after a command."""

from __future__ import annotations

import os

from tests.support.helpers import make_repo, twostep


def _complete(words: str, cwd, **extra: str) -> list[tuple[str, str]]:
    parts = words.split(" ")
    env = dict(os.environ, COMP_WORDS=words, COMP_CWORD=str(len(parts) - 1),
               _TWOSTEP_COMPLETE="bash_complete", **extra)
    out = twostep(cwd=cwd, env=env).stdout.decode()
    return [tuple(line.split(",", 1)) for line in out.splitlines() if line]  # type: ignore[misc]


def test_spec_and_plan_complete_as_files(tmp_path):
    assert _complete("twostep run --spec ", tmp_path) == [("file", "")]
    assert _complete("twostep execute --plan AI", tmp_path) == [("file", "AI")]


def test_recipe_completes_builtin_names_and_yaml_files(tmp_path):
    (tmp_path / "mine.yaml").write_text("extends: go\n")
    (tmp_path / "notes.txt").write_text("")
    found = [v for _, v in _complete("twostep run ", tmp_path)]
    assert {"default", "go", "python", "typescript", "mine.yaml"} <= set(found)
    assert "notes.txt" not in found
    assert [v for _, v in _complete("twostep measure py", tmp_path)] == ["python"]


def test_agents_complete_cli_names_and_models(tmp_path):
    found = [v for _, v in _complete("twostep run --executor co", tmp_path)]
    assert found[0] == "codex" and "codex:gpt-5.5" in found
    assert all(v.startswith("co") for v in found)


def test_resume_and_rollback_complete_run_ids(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    for run_id in ("20261201T000000.000Z-aaaa", "20261202T000000.000Z-bbbb"):
        (repo / ".twostep" / "runs" / run_id).mkdir(parents=True)
        (repo / ".twostep" / "runs" / run_id / "manifest.json").write_text("{}")
    (repo / "sub").mkdir()
    assert [v for _, v in _complete("twostep resume ", repo / "sub")] == \
        ["20261202T000000.000Z-bbbb", "20261201T000000.000Z-aaaa"]
    assert [v for _, v in _complete("twostep rollback 20261201", repo)] == \
        ["20261201T000000.000Z-aaaa"]


def test_bash_falls_back_to_file_completion(tmp_path):
    source = twostep(cwd=tmp_path, env=dict(os.environ, _TWOSTEP_COMPLETE="bash_source"))
    assert "complete -o nosort -o default -F" in source.stdout.decode()


def test_quiet_verbose_and_no_color_work_after_the_command(tmp_path):
    listed = twostep("recipes", "-q", "--no-color", cwd=tmp_path)
    assert listed.returncode == 0 and b"default" in listed.stdout
    noisy = twostep("check", "go", "-v", cwd=tmp_path)
    quiet = twostep("check", "go", "-q", cwd=tmp_path)
    assert noisy.returncode == quiet.returncode == 0
    assert len(quiet.stderr) < len(noisy.stderr) or not quiet.stderr
