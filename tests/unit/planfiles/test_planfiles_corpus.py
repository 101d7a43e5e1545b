"""The measured bar: realistic plans over four repositories, with their true file sets.

tests/corpora/planfiles/repos/*.yaml describe the repositories (tracked, ignored, untracked files
and symlinks); plans/*.md are plans written the way planners write them; corpus.yaml holds the
truth. scripts/eval_planfiles.py prints the same figures as a table, next to the seed's regex.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from twostep.errors import NothingToExecute
from twostep.planfiles import require_something, resolve

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("eval_planfiles",
                                               ROOT / "scripts" / "eval_planfiles.py")
ev = importlib.util.module_from_spec(_spec)
sys.modules["eval_planfiles"] = ev
_spec.loader.exec_module(ev)

REPOS, PLANS = ev.load_corpus()
IDS = [p["plan"] for p in PLANS]


def test_corpus_is_big_and_varied_enough():
    assert len(PLANS) >= 8
    assert len({p["repo"] for p in PLANS}) >= 2
    assert any(p.get("refused") for p in PLANS) and any(p.get("ambiguous") for p in PLANS)
    texts = [(ev.CORPUS / "plans" / p["plan"]).read_text() for p in PLANS]
    with_section = sum("```twostep-files" in t for t in texts)
    assert 0 < with_section < len(texts)  # some plans have the files section, some ignore it


@pytest.mark.parametrize("entry", PLANS, ids=IDS)
def test_plan(entry):
    repo = REPOS[entry["repo"]]
    res = resolve((ev.CORPUS / "plans" / entry["plan"]).read_text(), repo.view)
    truth = set(entry.get("files") or [])
    assert set(res.files) == truth  # recall 1.0 and precision 1.0, per plan
    assert not [f for f in res.files if repo.forbidden(f)]
    assert set(res.create) == set(entry.get("create") or [])
    refused = {r.mention.text for r in res.refused}
    assert set(entry.get("refused") or []) <= refused
    assert {a.mention.text for a in res.ambiguous} == set(entry.get("ambiguous") or [])
    if entry.get("nothing"):
        with pytest.raises(NothingToExecute):
            require_something(res, entry["plan"])
    else:
        require_something(res, entry["plan"])


def test_totals_and_the_seed():
    rows = ev.evaluate(rg=None)
    ours, seed = ev.Score(), ev.Score()
    for _, o, s in rows:
        ours.merge(o)
        seed.merge(s)
    assert (ours.recall, ours.precision, ours.forbidden) == (1.0, 1.0, 0)
    assert seed.recall < 0.5 and seed.forbidden > 0  # what the issue reports about the seed


@pytest.mark.skipif(not (Path(ev.ROOT / ".venv/bin/rg").exists() or shutil.which("rg")),
                    reason="no rg")
@pytest.mark.parametrize("entry", PLANS, ids=IDS)
def test_seed_emulation_matches_real_rg(entry):
    venv_rg = ev.ROOT / ".venv/bin/rg"
    rg = str(venv_rg) if venv_rg.exists() else shutil.which("rg")
    plan = ev.CORPUS / "plans" / entry["plan"]
    exts = REPOS[entry["repo"]].spec["seed_exts"]
    assert ev.seed_select(plan.read_text(), exts, None, plan) == ev.seed_select("", exts, rg, plan)
