"""The stages behind task mode, on a real git repository: each task's files, the proof of
work, checkpoints, fix rounds' early stop, the approved plan, rollback and validate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.helpers import git, make_repo
from twostep.cli import main
from twostep.errors import InputError, NoChanges, NotConfirmed, VerifyFailed
from twostep.execution import approval, fixing, plantasks, progress, rollback, taskwork, validate
from twostep.planfiles import RepoView
from twostep.runs import checkpoint
from twostep.tasks import fingerprint

PLAN = """# Plan

## Step 1: Change a
Edit `pkg/a.py`, reading `pkg/c.py`.

## Step 2: Change b
Edit `pkg/b.py`.

```twostep-files
modify: pkg/a.py
modify: pkg/b.py
read: pkg/c.py
create: pkg/new.py
```
"""
SECTION_PLAN = """# Plan

Do it.

```twostep-files
read: pkg/c.py
task 1: First
modify: pkg/a.py
task 2: Second
create: pkg/new.py
```
"""


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", {"pkg/a.py": "A = 1\n", "pkg/b.py": "B = 1\n",
                                         "pkg/c.py": "C = 1\n"})


@pytest.fixture
def run_dir(repo):
    path = repo / ".twostep" / "runs" / "20260101T000000.000Z-abcd"
    path.mkdir(parents=True)
    (repo / ".twostep" / ".gitignore").write_text("*\n")
    return path


def _prepare(repo: Path, run_dir: Path, plan: str = PLAN) -> list[plantasks.TaskPlan]:
    tasks = plantasks.plan_tasks(plan, RepoView.from_git(str(repo)))
    (run_dir / progress.TASKS).write_text(plantasks.to_json(tasks))
    taskwork.save_checkpoint(repo, run_dir, "base")
    return tasks


def test_each_task_gets_its_files_from_headings_and_the_section(repo, run_dir):
    first, second = _prepare(repo, run_dir)
    assert first.pack == ("pkg/a.py", "pkg/c.py") and first.modify == ("pkg/a.py",)
    assert second.pack == ("pkg/b.py",) and second.modify == ("pkg/b.py",)


def test_a_task_list_in_the_files_section(repo, run_dir):
    first, second = _prepare(repo, run_dir, SECTION_PLAN)
    assert (first.title, first.modify, first.pack) == ("First", ("pkg/a.py",),
                                                       ("pkg/a.py", "pkg/c.py"))
    assert (second.title, second.create, second.pack) == ("Second", ("pkg/new.py",),
                                                          ("pkg/c.py",))


def test_task_input_holds_the_plan_the_task_and_the_earlier_diff(repo, run_dir):
    _prepare(repo, run_dir)
    text, files = taskwork.task_input(repo, run_dir, 1, PLAN)
    assert "task 1 of 2: Change a" in text and PLAN.strip() in text and "git diff" not in text
    (repo / "pkg/a.py").write_text("A = 2\n")
    taskwork.save_checkpoint(repo, run_dir, "task-1")
    text, files = taskwork.task_input(repo, run_dir, 2, PLAN)
    assert "task 2 of 2: Change b" in text and "+A = 2" in text and files == ["pkg/b.py"]


def test_proof_retries_once_then_names_the_phantom_task(repo, run_dir):
    _prepare(repo, run_dir)
    (repo / "pkg/c.py").write_text("C = 2\n")  # not what task 1 plans
    assert taskwork.prove(repo, run_dir, 1, 1, 2) == taskwork.AGAIN
    with pytest.raises(NoChanges, match=re.escape("task 1 'Change a' changed none of: pkg/a.py")):
        taskwork.prove(repo, run_dir, 1, 2, 2)
    (repo / "pkg/a.py").write_text("A = 2\n")
    assert taskwork.prove(repo, run_dir, 1, 2, 2) == "done"
    result = json.loads((run_dir / "task-1.result.json").read_text())
    assert result["done"] == ["pkg/a.py"] and result["unplanned"] == ["pkg/c.py"]


def _verify(run_dir: Path, number: int, failed: int, output: str) -> None:
    (run_dir / f"verify-{number}.failed").write_text(f"{failed}\n")
    (run_dir / f"verify-{number}.out").write_text(output)


def test_fix_rounds_stop_on_a_repeated_failure(repo, run_dir):
    _prepare(repo, run_dir)
    verify = (("pytest", "-q"),)
    _verify(run_dir, 1, 1, "FAILED test_x - assert 1 == 2 in 0.31s\n")
    assert fixing.fix_round(repo, run_dir, 1, 2, verify, PLAN) == fixing.AGAIN
    given = (run_dir / "fix-1.md").read_text()
    assert "`pytest -q`" in given and "assert 1 == 2" in given and PLAN.strip() in given
    (repo / "pkg/a.py").write_text("A = 3\n")
    _verify(run_dir, 2, 1, "FAILED test_x - assert 1 == 2 in 0.45s\n")  # timing differs only
    assert fixing.fix_round(repo, run_dir, 2, 2, verify, PLAN) == fixing.FAILED
    assert (run_dir / "fix-2.status").read_text() == "failed\n"
    with pytest.raises(VerifyFailed, match="same failure"):
        raise fixing.still_failing(run_dir) or AssertionError("verify passed")
    rounds = progress.rounds(run_dir)
    assert rounds[0]["fingerprint"] == rounds[1]["fingerprint"] == \
        fingerprint(verify[0], "FAILED test_x - assert 1 == 2 in 0.31s\n")


def test_fix_rounds_stop_when_a_round_changed_nothing_or_are_spent(repo, run_dir):
    _prepare(repo, run_dir)
    verify = (("make", "test"),)
    _verify(run_dir, 1, 1, "error one\n")
    fixing.fix_round(repo, run_dir, 1, 1, verify, PLAN)
    _verify(run_dir, 2, 1, "error two\n")
    assert fixing.fix_round(repo, run_dir, 2, 1, verify, PLAN) == fixing.FAILED
    assert "changed nothing" in str(fixing.still_failing(run_dir))
    (repo / "pkg/b.py").write_text("B = 2\n")
    assert fixing.fix_round(repo, run_dir, 2, 1, verify, PLAN) == fixing.FAILED
    failure = fixing.still_failing(run_dir)
    assert failure is not None and failure.exit_code == 10
    assert str(failure) == "verify failed: make test; still failing after 1 fix round(s)"
    _verify(run_dir, 2, 0, "")
    assert fixing.fix_round(repo, run_dir, 2, 1, verify, PLAN) == fixing.PASSED
    assert fixing.still_failing(run_dir) is None


def test_an_edited_plan_is_refused_with_what_changed(tmp_path):
    plan, copy = tmp_path / "plan.md", tmp_path / "approved.md"
    plan.write_text("one\ntwo\n")
    approval.check(plan, copy)  # the first time approves
    approval.check(plan, copy)
    plan.write_text("one\nthree\n")
    with pytest.raises(NotConfirmed, match=r"(?s)changed after it was approved.*-two.*\+three"):
        approval.check(plan, copy)
    approval.reapprove(plan, copy, yes=True, review=None)
    approval.check(plan, copy)


def test_rollback_to_a_task_and_to_the_start_keeps_later_work(repo, run_dir):
    _prepare(repo, run_dir)
    (repo / "pkg/a.py").write_text("A = 2\n")
    taskwork.save_checkpoint(repo, run_dir, "task-1")
    (repo / "pkg/new.py").write_text("N = 1\n")
    validate.validate(repo, run_dir, yes=True)  # keeps, and marks the run's end
    rollback.rollback(repo, run_dir, 1)
    assert not (repo / "pkg/new.py").exists() and (repo / "pkg/a.py").read_text() == "A = 2\n"
    rollback.rollback(repo, run_dir)
    assert git(repo, "status", "--porcelain") == ""
    kept = checkpoint.lookup(repo, progress.ref(run_dir, "before-rollback"))
    rollback.rollback(repo, run_dir)  # already there: nothing to do, nothing overwritten
    assert checkpoint.lookup(repo, progress.ref(run_dir, "before-rollback")) == kept
    (repo / "pkg/b.py").write_text("mine\n")
    with pytest.raises(InputError):
        rollback.rollback(repo, run_dir, 1)
    assert (repo / "pkg/b.py").read_text() == "mine\n"


def test_validate_on_a_terminal_can_roll_back(repo, run_dir):
    _prepare(repo, run_dir)
    (repo / "pkg/a.py").write_text("A = 2\n")
    answers = iter(["r"])
    with pytest.raises(NotConfirmed, match="rolled back"):
        validate.validate(repo, run_dir, yes=False, ask=lambda _: next(answers),
                          interactive=True)
    assert git(repo, "status", "--porcelain") == ""


def _failed_verify(repo, run_dir):
    _prepare(repo, run_dir)
    (repo / "pkg/a.py").write_text("A = 2\n")
    _verify(run_dir, 1, 1, "FAILED test_x\n")
    assert fixing.fix_round(repo, run_dir, 1, 0, (("pytest", "-q"),), PLAN) == fixing.FAILED


def test_validate_shows_a_verify_that_still_fails_and_keeps_with_exit_10(repo, run_dir, capsys):
    _failed_verify(repo, run_dir)
    answers = iter(["k"])
    with pytest.raises(VerifyFailed, match="fixing is off") as failed:
        validate.validate(repo, run_dir, yes=False, ask=lambda _: next(answers),
                          interactive=True)
    assert failed.value.exit_code == 10 and "twostep rollback" in (failed.value.hint or "")
    assert "verify failed: pytest -q; fixing is off" in capsys.readouterr().err  # the summary
    assert (repo / "pkg/a.py").read_text() == "A = 2\n"  # kept
    with pytest.raises(VerifyFailed):  # --yes and no terminal keep too, and still exit 10
        validate.validate(repo, run_dir, yes=True)


def test_validate_can_roll_back_a_verify_that_still_fails(repo, run_dir):
    _failed_verify(repo, run_dir)
    with pytest.raises(NotConfirmed, match="rolled back"):
        validate.validate(repo, run_dir, yes=False, ask=lambda _: "r", interactive=True)
    assert git(repo, "status", "--porcelain") == ""


def test_tasks_stage_prints_tasks_and_json(repo, monkeypatch):
    (repo / "AI-PLAN.md").write_text(PLAN)
    monkeypatch.chdir(repo)
    text = CliRunner().invoke(main, ["tasks", "AI-PLAN.md"])
    assert text.exit_code == 0, text.output
    assert text.stdout == "1\t3-4\tChange a\n2\t6-7\tChange b\n"
    data = json.loads(CliRunner().invoke(main, ["tasks", "AI-PLAN.md", "--json"]).stdout)
    assert data["source"] == "headings"
    assert [t["modify"] for t in data["tasks"]] == [["pkg/a.py"], ["pkg/b.py"]]
    (repo / "AI-PLAN.md").write_text("# Plan\n\nThink about it.\n")
    assert CliRunner().invoke(main, ["tasks", "AI-PLAN.md"]).exit_code == 0
    assert CliRunner().invoke(main, ["tasks", "AI-PLAN.md", "--require-files"]).exit_code == 11


def test_a_file_the_section_creates_belongs_to_the_task_that_names_it(repo, run_dir):
    plan = PLAN.replace("Edit `pkg/b.py`.", "Edit `pkg/b.py` and add `pkg/new.py`.")
    first, second = _prepare(repo, run_dir, plan)
    assert second.create == ("pkg/new.py",) and first.create == ()
