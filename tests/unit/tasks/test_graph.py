"""The order a plan states: `after:` lines, the waves, and the errors that name the line."""

from __future__ import annotations

import pytest

from twostep.errors import InputError
from twostep.tasks import graph, split_plan


def _plan(*tasks: str) -> str:
    body = "\n".join(tasks)
    return f"# Plan\n\nThe work.\n\n```twostep-files\n{body}\n```\n"


STRANDS = _plan("task 1: The parser", "modify: a.py",
                "task 2: The loader", "modify: b.py",
                "task 3: Parser tests", "after: 1", "create: test_a.py",
                "task 4: Loader tests", "after: 2", "create: test_b.py")


def test_two_strands_make_two_waves():
    split = split_plan(STRANDS)
    after = graph.prerequisites(split.tasks, "AI-PLAN.md")
    assert after == [(), (), (1,), (2,)]
    assert graph.waves(after) == [[1, 2], [3, 4]]
    assert [t.files for t in split.tasks][2] == (("create", "test_a.py"),)  # after: is no file


def test_no_after_line_keeps_todays_order():
    split = split_plan(_plan("task 1: A", "modify: a.py", "task 2: B", "modify: b.py",
                             "task 3: C", "modify: c.py"))
    after = graph.prerequisites(split.tasks)
    assert after == [(), (1,), (2,)] and graph.waves(after) == [[1], [2], [3]]


def test_the_plans_own_numbers_and_several_prerequisites():
    split = split_plan(_plan("task 10: A", "task 20: B", "task 30: C", "after: 10, 20"))
    assert graph.prerequisites(split.tasks) == [(), (), (1, 2)]


@pytest.mark.parametrize("tasks,message", [
    (("task 1: A", "after: 3", "task 2: B"), "AI-PLAN.md:7: after: 3: no task 3 in the plan"),
    (("task 1: A", "after: 1"), "AI-PLAN.md:7: after: task 1 cannot wait for itself"),
    (("task 1: A", "after: 2", "task 2: B", "after: 1"), "the tasks wait for each other"),
])
def test_unknown_numbers_and_cycles_name_the_line(tasks, message):
    split = split_plan(_plan(*tasks))
    with pytest.raises(InputError, match=r"^AI-PLAN\.md:[0-9]+: after: ") as found:
        graph.prerequisites(split.tasks, "AI-PLAN.md")
    assert message in str(found.value)
