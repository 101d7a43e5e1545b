"""manifest.json has one shape (version 1): from_json reads exactly what to_json writes, and
refuses any other version or shape instead of guessing."""

from __future__ import annotations

import json

import pytest

from twostep.errors import InputError
from twostep.runs.manifest import VERSION, Manifest, PackRecord, SentRecord, StepRecord


def full() -> Manifest:
    m = Manifest(id="r1", created="now", recipe_source="go", recipe_name="go", strategy="small",
                 plan="AI-PLAN.md", phases=["plan", "execute"], slice_pathspecs=["src"],
                 slice_notes=["why"], execute_by="plan")
    m.steps.append(StepRecord("pack", "repomix", 0, 1.5))
    m.packs["planner"] = PackRecord(10, 2, 40, ["secret.env"])
    m.sent.append(SentRecord("planner", "gemini", "Google", "m", 2, "l.json", "l.txt"))
    m.usage.append({"role": "planner", "input_tokens": 1, "output_tokens": 2, "cost_usd": 0.1})
    m.mark_done("pack")
    return m


def test_from_json_reads_what_to_json_writes():
    m = full()
    assert m.version == VERSION == 1
    assert Manifest.from_json(json.loads(json.dumps(m.to_json()))) == m


@pytest.mark.parametrize("version", [None, 2, 3, "1"])
def test_another_version_is_refused(version):
    data = full().to_json()
    data["version"] = version
    with pytest.raises(InputError, match=f"manifest version {version!r}; this twostep reads"):
        Manifest.from_json(data)


@pytest.mark.parametrize("change", [lambda d: d.pop("strategy"), lambda d: d.update(extra=1)])
def test_another_shape_is_not_a_manifest(change):
    data = full().to_json()
    change(data)
    with pytest.raises(InputError, match="not a twostep manifest"):
        Manifest.from_json(data)
