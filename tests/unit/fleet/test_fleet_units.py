"""The fleet's pieces: the batch file's items, the result's totals, and the fleet's ledger
(runs/fleetlink.py) as spend.check counts it across the items' run directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import make_repo
from twostep.core.cost import Price
from twostep.errors import InputError, OverBudget
from twostep.fleet import items, result
from twostep.fleet.state import Entry
from twostep.runs import fleetlink, spend


@pytest.fixture
def repo(tmp_path):
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"})
    (repo / "specs").mkdir()
    for name in ("one", "two"):
        (repo / "specs" / f"{name}.md").write_text(f"{name}\n")
    (repo / "r.yaml").write_text("extends: python\n")
    return repo


def test_json_lines_default_ids_and_paths_relative_to_the_file(repo):
    (repo / "b.jsonl").write_text('{"spec": "specs/one.md", "recipe": "r.yaml"}\n\n'
                                  '{"spec": "specs/two.md", "recipe": "python", '
                                  '"branch": "fix/two"}\n')
    one, two = items.load(repo / "b.jsonl", repo)
    assert (one.id, one.line, one.recipe) == ("one", 1, str(repo / "r.yaml"))
    assert (two.id, two.line, two.recipe, two.branch) == ("two", 3, "python", "fix/two")
    assert one.spec_path == repo / "specs" / "one.md" and one.repo == repo


def test_one_branch_twice_in_a_repository_is_refused(repo):
    (repo / "b.yaml").write_text("- {spec: specs/one.md, branch: x}\n"
                                 "- {spec: specs/two.md, branch: x}\n")
    with pytest.raises(InputError, match=r"b.yaml:2: branch 'x' is already"):
        items.load(repo / "b.yaml", repo)


@pytest.mark.parametrize("text", ["[]\n", "", "- {spec: specs/one.md, id: '-x'}\n",
                                  "- {spec: [a]}\n", "- 3\n"])
def test_bad_items(repo, text):
    (repo / "b.yaml").write_text(text)
    with pytest.raises(InputError) as err:
        items.load(repo / "b.yaml", repo)
    assert str(err.value).startswith(f"{repo / 'b.yaml'}:") and err.value.hint


def _entry(item_id: str, code: int | None, cost: float, seconds: float | None) -> Entry:
    item = items.Item(item_id, f"{item_id}.md", Path(f"/{item_id}.md"), Path("/r"))
    data = {"exit_code": code, "run_id": f"run-{item_id}", "seconds": seconds,
            "usage": {"executor": {"calls": 1, "input_tokens": 10, "output_tokens": 2,
                                   "cached_tokens": 0, "cost_usd": cost}}}
    return result.entry_from_result(Entry(item), data)


def test_totals_counts_percentiles_and_the_exit_code():
    entries = [_entry("a", 0, 0.5, 10), _entry("b", 0, 0.25, 20), _entry("c", 8, 0.125, 5),
               _entry("d", 0, 0.0, 30)]
    out = result.build("f", entries, 42.0)
    assert out["counts"] == {"done": 3, "failed": 1} and out["exit_code"] == 8
    assert out["cost_usd"] == 0.875 and out["cost_per_done_usd"] == round(0.875 / 3, 6)
    assert out["usage"]["executor"]["calls"] == 4
    assert out["seconds"] == {"p50": 20, "p90": 30, "wall": 42.0}
    assert result.percentile([], 0.5) is None
    assert result.build("f", [_entry("a", 0, 0, 1), _entry("b", 130, 0, 1)],
                        None)["exit_code"] == 130


def test_the_fleet_ledger_counts_every_items_run(tmp_path):
    fleet, first, second = tmp_path / "fleet", tmp_path / "r1", tmp_path / "r2"
    for d in (fleet, first, second):
        d.mkdir()
    fleetlink.write_budget(fleet, 1.0)
    env = {fleetlink.ENV: str(fleet), fleetlink.ITEM_ENV: "a"}
    fleetlink.link(first, env)
    (first / "planner.usage.json").write_text(json.dumps({"cost_usd": 0.75}))
    outer = fleetlink.ledgers(env)
    assert [str(d) for d in outer[0].dirs] == [str(first.resolve())]
    fleetlink.link(second, {**env, fleetlink.ITEM_ENV: "b"})  # seen by the same ledger
    assert len(outer[0].dirs) == 2
    price = Price(1_000_000.0, 0.0, 0.0)  # $1 a token
    spend.check(role="planner", model="m", budget=5, run_dir=second, tokens_in=0,
                tokens_out=0, price=price, outer=outer)
    with pytest.raises(OverBudget, match="of the fleet fleet's"):
        spend.check(role="planner", model="m", budget=5, run_dir=second, tokens_in=1,
                    tokens_out=0, price=price, outer=outer)
    assert fleetlink.ledgers({}) == () and fleetlink.linked(fleet) == {
        "a": first.resolve(), "b": second.resolve()}
