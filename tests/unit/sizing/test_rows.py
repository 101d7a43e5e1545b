"""`twostep measure`'s rows never count a file twice and add up to the total shown."""

from __future__ import annotations

from twostep.sizing.rows import rows, table

BY_DIR = (("src", 900), ("src/a", 500), ("src/b", 400), ("docs", 60), (".", 40))


def test_rows_are_disjoint_and_add_up():
    got = rows(BY_DIR, 1_100)
    labels = [label for label, _ in got]
    assert "src" not in labels and {"src/a", "src/b", "docs", "."} <= set(labels)
    assert sum(t for _, t in got) == 1_100


def test_rows_fold_the_tail_into_one_row():
    many = tuple((f"d{i}", 10) for i in range(15))
    got = rows(many, 150, limit=10)
    assert got[-1] == ("(5 more directories)", 50) and sum(t for _, t in got) == 150


def test_table_uses_thousands_separators():
    assert table(BY_DIR, 1_234_567)[-1].strip() == "1,234,567  total"
