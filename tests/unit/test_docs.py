"""docs/: every fact about a model CLI names the tests that check it, and those tests exist;
nothing in the repository's documents points outside it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
CHECKED_BY = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _sections(text: str) -> list[tuple[str, str]]:
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def test_every_cli_fact_names_its_tests():
    text = (ROOT / "docs" / "cli-facts.md").read_text(encoding="utf-8")
    sections = _sections(text)
    assert sections
    for title, body in sections:
        assert "Checked by:" in body, f"section {title!r} names no test"
        assert CHECKED_BY.findall(body.split("Checked by:", 1)[1]), title


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_the_tests_a_document_names_exist(doc):
    for path, name in CHECKED_BY.findall(doc.read_text(encoding="utf-8")):
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in defined, f"{doc.name}: {path}::{name} does not exist"


@pytest.mark.parametrize("doc", [ROOT / "README.md", *DOCS], ids=["README.md",
                                                                 *[d.name for d in DOCS]])
def test_no_document_points_outside_the_repository(doc):
    assert "../shared" not in doc.read_text(encoding="utf-8")
