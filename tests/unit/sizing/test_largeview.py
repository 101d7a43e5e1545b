"""The large strategy's pieces: the rg pattern-file stages rank as relevant() does, the tiers'
budget, the trim by repomix's real count, and deciding by real size (never by the top of an
estimate's band)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.helpers import ROOT, make_repo
from twostep.pipeline import build, packstep, plannerview, tiersteps
from twostep.pipeline.job import Job
from twostep.pipeline.measure import Measurement
from twostep.pipeline.runner import Runner
from twostep.recipe import load as recipes
from twostep.sizing import largeview, relevance, rgsearch, trim
from twostep.sizing.estimate import Estimate

FILES = {"a/engine.py": "class Engine:\n    pass\n",
         "b/use.py": "from a.engine import Engine\nEngine()\n",
         "c/other.py": "x = 1\n", "README.md": "# engine room\n"}


def test_pattern_file_stages_rank_like_relevant(tmp_path: Path) -> None:
    make_repo(tmp_path, FILES)
    tracked = sorted(FILES)
    spec = "Make `Engine` start lazily; the engine must not block."
    t = relevance.terms(spec)
    (tmp_path / "d.pat").write_text("".join(f"{p}\n" for p in rgsearch.definition_patterns(t,
                                                                                           "python")))
    (tmp_path / "m.pat").write_text("".join(f"{p}\n" for p in rgsearch.mention_patterns(t)))
    outs = []
    for argv in (rgsearch.definition_search("python", str(tmp_path / "d.pat")),
                 rgsearch.mention_search(str(tmp_path / "m.pat"))):
        ls = subprocess.Popen(["git", "ls-files", "-z"], cwd=tmp_path, stdout=subprocess.PIPE)
        outs.append(subprocess.run([str(a) for a in rgsearch.xargs_argv(argv)], cwd=tmp_path,
                                   stdin=ls.stdout, capture_output=True, check=False).stdout)
        ls.wait()
    ranked = relevance.rank(outs[0], outs[1], t.paths, tracked, spec_terms=t,
                            sizes=relevance.file_sizes(tmp_path, tracked))
    assert ranked == relevance.relevant(tmp_path, spec, "python", tracked)
    assert ranked[0].path == "a/engine.py"
    back = relevance.parse_ranked(relevance.format_ranked(ranked))
    assert [(r.path, r.reasons) for r in back] == [(r.path, r.reasons) for r in ranked]
    assert [r.score for r in back] == [round(r.score, 3) for r in ranked]


def test_an_empty_pattern_file_matches_nothing(tmp_path: Path) -> None:
    make_repo(tmp_path, FILES)
    (tmp_path / "none.pat").write_text("")
    argv = [str(a) for a in rgsearch.mention_search(str(tmp_path / "none.pat"))]
    proc = subprocess.run([*argv, "a/engine.py"], cwd=tmp_path, capture_output=True)
    assert proc.returncode == 1 and proc.stdout == b""


def test_planner_budget_is_window_less_headroom_and_the_clis_limit(monkeypatch) -> None:
    r = recipes.load("python")
    b = largeview.planner_budget(r, 1_000)
    assert b.tokens == int((r.planner.input_budget - b.prose_tokens) * largeview.TOKEN_MARGIN)
    monkeypatch.setenv("TWOSTEP_MAX_INPUT_CHARS", "100000")
    assert largeview.planner_budget(r, 1_000).chars == int((100_000 - b.prose_chars)
                                                           * largeview.CHAR_MARGIN)


def _pack(*paths: str, body: str = "x" * 400) -> str:
    blocks = "".join(f'<file path="{p}">\n{body}\n</file>\n' for p in paths)
    return f"<files>\n{blocks}</files>\n"


def test_trim_takes_the_least_relevant_compressed_files_out_until_it_fits() -> None:
    report = {"compressed": ["a.py", "b.py", "c.py"], "full": ["f.py"], "left_out": [],
              "mapped": 4, "tokens": {"a.py": 100, "b.py": 100, "c.py": 100, "f.py": 10},
              "why": {"a.py": "compressed: relevance rank 2",
                      "b.py": "compressed: relevance rank 9",
                      "c.py": "compressed: no evidence of relevance"},
              "summary": "s"}
    full = trim.Pack(_pack("f.py"), 100, len(_pack("f.py")))
    text = _pack("a.py", "b.py", "c.py")
    compressed = trim.Pack(text, 300, len(text))
    assert trim.trim(full, compressed, "", report, budget_tokens=1_000, budget_chars=10**6) is None
    cut = trim.trim(full, compressed, "", report, budget_tokens=250, budget_chars=10**6)
    assert cut is not None and cut.dropped == ("b.py", "c.py")  # no evidence first, then rank 9
    assert 'path="a.py"' in cut.text and 'path="b.py"' not in cut.text and cut.tokens <= 250
    report["summary"] = "lean fill: 1 files in full text (10 tokens), 3 compressed (300), …"
    updated = trim.updated_report(report, cut.dropped)
    assert updated["compressed"] == ["a.py"] and updated["left_out"] == ["b.py", "c.py"]
    assert updated["summary"].startswith("lean fill: 1 files in full text (10 tokens), 1 "
                                         "compressed (300)")  # what is sent
    marks = trim.updated_map(updated, "")
    assert "C a.py 100" in marks and "- b.py 100" in marks and "F f.py 10" in marks


def test_files_a_pack_lacks_are_marked_not_packed_with_repomix_reason() -> None:
    """intersphinx.py planned in full text, dropped by repomix's secret scan: the map marks it
    x with the reason, the tier listing loses it, so the map claims nothing the input lacks."""
    report = {"full": ["a.py", "ext/intersphinx.py"], "compressed": ["c.py"], "left_out": [],
              "mapped": 3, "tokens": {"a.py": 5, "ext/intersphinx.py": 9, "c.py": 7},
              "why": {}, "summary": "s"}
    gone = trim.unpacked(report, {"full": _pack("a.py"), "compressed": _pack("c.py")},
                         ["ext/intersphinx.py"], [])
    assert gone == {"ext/intersphinx.py": "repomix's secret scan flagged it"}
    updated = trim.excluded_report(report, gone)
    assert updated["full"] == ["a.py"] and updated["excluded"] == gone
    text = trim.updated_map(updated, "")
    assert "x intersphinx.py 9 (not packed: repomix's secret scan flagged it)" in text
    assert trim.counts(updated) == "1 files in full text, 1 compressed, 1 not packed"


def test_a_tracked_symlink_is_never_planned_in_a_tier(tmp_path) -> None:
    repo = make_repo(tmp_path / "repo", {"a/engine.py": "class Engine:\n    pass\n"})
    (repo / "a/link.py").symlink_to("engine.py")
    subprocess.run(["git", "add", "a/link.py"], cwd=repo, check=True)
    r = recipes.load("python")
    selected = largeview.selection(repo, r)
    ranked = relevance.relevant(repo, "Fix Engine.", "python", selected)
    tiers = largeview.plan(repo, r, ranked, selected, 20)
    assert "a/link.py" not in tiers.full + tiers.compressed
    assert dict(tiers.excluded)["a/link.py"].startswith("a symlink")


def _decide(tmp_path, monkeypatch, band: tuple[int, int], counted: int | None):
    repo = make_repo(tmp_path / "repo", FILES)
    r = recipes.load("python")
    r = replace(r, strategies=replace(r.strategies, slice=("a/",)),
                planner=replace(r.planner, context_tokens=101_000, output_tokens=1_000))
    monkeypatch.setattr(plannerview, "estimate", lambda repo, specs: Estimate(
        sum(band) // 2, band[0], band[1], 1, 1, ()))
    calls = []

    def exact(recipe, repo, pathspecs, store=True):
        calls.append(pathspecs)
        return Measurement(counted or 0, True, "large", 1, chars=counted)
    monkeypatch.setattr(plannerview, "exact", exact)
    m = Measurement(10**7, False, "large", 4, low=5 * 10**6, high=10**8)
    job, notes = plannerview.decide(Job(r, spec_text="spec"), repo, m, "spec")
    return job, notes[0], calls


def test_a_slice_under_the_budget_is_kept_though_its_band_top_is_over(tmp_path, monkeypatch):
    """The terraform case: a slice that packs under the budget, with a pessimistic top above it,
    is counted by repomix and kept, never rejected on the top of the band."""
    job, note, calls = _decide(tmp_path, monkeypatch, (30_000, 300_000), counted=61_000)
    assert calls == [("a/",)] and job.tiers and job.floor_tokens == 61_000
    assert "counted by repomix" in note and "fits" in note


@pytest.mark.parametrize("band,fits", [((1_000, 50_000), True), ((200_000, 900_000), False)])
def test_a_band_on_one_side_of_the_budget_decides_without_counting(tmp_path, monkeypatch,
                                                                    band, fits):
    job, note, calls = _decide(tmp_path, monkeypatch, band, counted=None)
    assert calls == [] and job.floor_tokens is None
    assert ("does not fit" not in note) is fits


def test_whole_codebase_decided_by_real_count(tmp_path, monkeypatch) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    r = recipes.load("python")
    r = replace(r, planner=replace(r.planner, context_tokens=301_000, output_tokens=1_000))
    monkeypatch.setattr(plannerview, "exact", lambda recipe, repo, specs, store=True: Measurement(
        297_953, True, "large", 1, chars=1_100_000))
    m = Measurement(400_000, False, "large", 4, low=150_000, high=1_200_000)  # straddles
    job, notes = plannerview.decide(Job(r, spec_text="spec"), repo, m, "spec")
    assert not job.tiers and job.slice == r.codebase
    assert "the whole codebase fits the planner's budget (297,953 of 300,000 tokens" in notes[0]
    assert "all of it in full text" in notes[0]


def test_the_packed_map_claims_no_file_the_input_lacks(tmp_path, monkeypatch) -> None:
    """The pack phase's own steps with the real repomix: a relevant file its secret scan drops
    (intersphinx's tests hold URLs like https://user:pass@host) is marked x, not F."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(ROOT / ".venv/bin"), str(
        ROOT / ".tools/node_modules/.bin"), os.environ.get("PATH", "")]))
    files = {f"ext/m{i}.py": f"def inventory_{i}():\n    return {i}\n" for i in range(3)}
    files["ext/intersphinx.py"] = ("def fetch_inventory():\n"
                                   "    return 'https://user:s3cret@example.com/objects.inv'\n")
    repo = make_repo(tmp_path / "repo", files)
    run = tmp_path / "run"
    run.mkdir()
    (run / "spec.md").write_text("`fetch_inventory` should retry in ext/intersphinx.py.\n")
    runner = Runner(repo, run)
    for step in (packstep.config_step(), *tiersteps.steps(
            Job(recipes.load("python")), build.SPEC, build.SLICE, packstep.TREE_PACK_FLAGS)):
        runner.run_step(step)
    sent = (run / "slice.xml").read_text()
    assert 'path="ext/intersphinx.py"' not in sent
    assert "x intersphinx.py" in sent and "secret scan" in sent
    assert "ext/intersphinx.py" not in (run / "slice.files").read_text().split()
