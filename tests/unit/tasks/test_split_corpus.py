"""The task splitter on the real plans of the planfiles corpus (real planners' shapes)."""

from __future__ import annotations

import itertools

import pytest

from tests.support.helpers import ROOT
from twostep.tasks.split import split_plan

_CORPUS = ROOT / "tests" / "corpora" / "planfiles" / "plans"


# The real plans: where each one's tasks come from, and how many there are.
CORPUS = {
    "go-01-request-id.md": ("list", 5), "go-02-config-reload.md": ("whole", 1),
    "go-03-tracing.md": ("steps", 4), "go-04-migration.md": ("list", 4),
    "go-05-gemini-style.md": ("headings", 2), "go-06-nothing.md": ("whole", 1),
    "java-01-order-status.md": ("headings", 5), "java-02-windows-crlf.md": ("list", 4),
    "kit-01-pagination.md": ("list", 6), "kit-02-pricing-banner.md": ("whole", 1),
    "ng-01-cart-discount.md": ("headings", 4), "ng-02-auth-refresh.md": ("list", 5),
    "ng-03-product-list-refactor.md": ("list", 5), "ng-04-claude-style.md": ("list", 5),
    "py-01-reverse-charge.md": ("list", 6), "py-02-cli-export.md": ("whole", 1),
    "rust-01-tokens.md": ("whole", 1), "rust-02-fmt-flag.md": ("whole", 1),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_plans(name: str) -> None:
    text = (_CORPUS / name).read_bytes().decode()
    s = split_plan(text)
    assert (s.source, len(s.tasks)) == CORPUS[name]
    lines = text.splitlines()
    for t in s.tasks:  # each task's text is exactly its lines of the plan
        assert t.text == "\n".join(lines[t.first_line - 1: t.last_line])
    for a, b in itertools.pairwise(s.tasks):
        assert a.last_line < b.first_line
    if s.source != "whole":  # the machine fence is no part of a task
        assert "twostep-files" not in "".join(t.text for t in s.tasks)


def test_corpus_details() -> None:
    go01 = split_plan((_CORPUS / "go-01-request-id.md").read_text())
    assert go01.tasks[0].title == "Create the middleware"
    assert "func RequestID" in go01.tasks[0].text  # the item's code block is the item's
    assert go01.epilogue.startswith("## Verification")
    assert ("create", "internal/http-server/middleware/request_id.go") in go01.files
    gemini = split_plan((_CORPUS / "go-05-gemini-style.md").read_text())
    assert [t.title for t in gemini.tasks] == ["Implementation Steps",
                                               "Testing"]  # not "Analysis", "Notes"
    java = split_plan((_CORPUS / "java-01-order-status.md").read_text())
    assert java.tasks[0].title == "enum + migration" and "Key files" in java.preamble
    ng = split_plan((_CORPUS / "ng-02-auth-refresh.md").read_text())
    assert ng.epilogue.startswith("**Don't**")  # the bullets after the list are not task 5
