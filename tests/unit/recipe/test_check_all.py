"""`twostep check` reports every problem in one pass, located and quoting the bad value, with
a "did you mean" for misspelt keys and recipe names."""

from __future__ import annotations

import json

from tests.support.helpers import twostep

FOUR = """extends: python
planner:
  model: ""
  retries: -1
  modle: x
executor:
  max_turns: 0
verify: ["go test"]
"""


def test_every_error_in_one_pass(tmp_path):
    (tmp_path / "r.yaml").write_text(FOUR)
    result = twostep("check", "r.yaml", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 3 and "5 problems" in err, err
    for line in ('r.yaml:3:10: model must be a non-empty string, got ""',
                 "r.yaml:4:12: retries must be a whole number from 0 to 10, got -1",
                 "r.yaml:5:3: unknown key 'modle' in planner", "did you mean 'model'?",
                 "r.yaml:7:14: max_turns must be a whole number from 1 to 1000, got 0",
                 "r.yaml:8:10: verify[0] must be an argv list, not a shell string"):
        assert line in err, (line, err)
    assert err.index(":3:10:") < err.index(":4:12:") < err.index(":8:10:")  # in file order


def test_check_json_lists_the_problems(tmp_path):
    (tmp_path / "r.yaml").write_text(FOUR)
    result = twostep("check", "r.yaml", "--json", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert result.returncode == 3 and data["ok"] is False and len(data["problems"]) == 5
    assert data["problems"][1] == {"file": "r.yaml", "line": 4, "col": 12, "hint": None,
                                   "message": "retries must be a whole number from 0 to 10, got -1"}


def test_misspelt_builtin_name(tmp_path):
    result = twostep("check", "pyhton", cwd=tmp_path)
    assert result.returncode == 3 and "did you mean 'python'?" in result.stderr.decode()


def test_misspelt_extends_is_located(tmp_path):
    (tmp_path / "r.yaml").write_text("name: mine\nextends: golang\n")
    err = twostep("check", "r.yaml", cwd=tmp_path).stderr.decode()
    assert "r.yaml:2:10: extends: golang: no such recipe" in err and "did you mean 'go'?" in err


def test_check_json_ok(tmp_path):
    result = twostep("check", "go", "--json", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert result.returncode == 0 and data["ok"] and data["summary"]["name"] == "go"
