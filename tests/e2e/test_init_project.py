"""`init` knows the project: a JavaScript package gets the typescript built-in and its
package.json's `npm test`, a pytest project its pytest. Without a recipe and without
./twostep.yaml, measure and dry runs use the detected built-in and say so; a real run does too,
unless the built-in would verify otherwise than the project declares."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.support.helpers import ROOT, calls, example_repo, make_repo, standin_env, twostep

NO_YAML = "no twostep.yaml: using the built-in `{}` recipe, detected from {}; " \
          "`twostep init` writes one"


@pytest.fixture
def js_package(tmp_path):
    files = {f"lib/part{i}.js": f"module.exports = {i};\n" for i in range(48)}
    files["index.js"] = "module.exports = require('./lib/part0');\n"
    files["package.json"] = json.dumps({"name": "demo", "scripts": {"test": "node test.js"}})
    files["README.md"] = "# demo\n"
    return make_repo(tmp_path / "js", files)


@pytest.fixture
def pytest_project(tmp_path):
    return make_repo(tmp_path / "py", {
        "src/app/__init__.py": "", "src/app/core.py": "def f():\n    return 1\n",
        "tests/test_core.py": "from app.core import f\n\ndef test_f():\n    assert f() == 1\n",
        "pyproject.toml": "[project]\nname = 'app'\n\n[tool.pytest.ini_options]\n"
                          "testpaths = ['tests']\n"})


def _spec(tmp_path):
    spec = tmp_path / "spec.md"
    spec.write_text("# Spec\n\nAdd a function.\n")
    return str(spec)


def test_init_on_a_javascript_package(js_package):
    result = twostep("init", cwd=js_package)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "extends `typescript`, detected from 49 tracked .js files" in err
    assert "verify will run `npm test`, from package.json scripts.test (node test.js)" in err
    text = (js_package / "twostep.yaml").read_text()
    assert "# Tracked files seen: typescript: 49 tracked .js files." in text
    assert "# From package.json scripts.test (node test.js)" in text
    assert yaml.safe_load(text) == {"extends": "typescript", "verify": [["npm", "test"]]}
    assert twostep("check", cwd=js_package).returncode == 0


def test_init_on_a_pytest_project(pytest_project):
    result = twostep("init", cwd=pytest_project)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "verify will run `python -m pytest -q`, from pyproject.toml " \
           "[tool.pytest.ini_options]" in err
    text = (pytest_project / "twostep.yaml").read_text()
    assert "# From pyproject.toml [tool.pytest.ini_options]" in text
    assert "instead of\n# the built-in verify: a syntax check only" in text
    assert yaml.safe_load(text)["verify"] == [["python", "-m", "pytest", "-q"]]


@pytest.mark.parametrize("project,builtin,files", [
    ("js_package", "typescript", "49 tracked .js files"),
    ("pytest_project", "python", "3 tracked .py files"),
])
def test_measure_without_a_recipe_uses_the_detected_builtin(request, project, builtin, files):
    repo = request.getfixturevalue(project)
    result = twostep("measure", "--json", cwd=repo)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["recipe"] == builtin
    assert NO_YAML.format(builtin, files) in result.stderr.decode()
    assert twostep("check", cwd=repo).returncode == 4  # check stays strict


def test_dry_run_without_a_recipe_on_a_javascript_package(js_package, tmp_path):
    env = standin_env(tmp_path)
    result = twostep("run", "--spec", _spec(tmp_path), "--dry-run", cwd=js_package, env=env)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "# recipe: typescript (typescript)" in result.stdout.decode()
    assert "npm test" in result.stdout.decode()
    assert NO_YAML.format("typescript", "49 tracked .js files") in err
    assert "verify will run `npm test`, from package.json scripts.test" in err


def test_dry_run_without_a_recipe_on_a_pytest_project_warns_a_run_would_stop(
        pytest_project, tmp_path):
    env = standin_env(tmp_path)
    spec = _spec(tmp_path)
    dry = twostep("run", "--spec", spec, "--dry-run", cwd=pytest_project, env=env)
    err = dry.stderr.decode()
    assert dry.returncode == 0, err
    assert "# recipe: python (python)" in dry.stdout.decode()
    assert NO_YAML.format("python", "3 tracked .py files") in err
    assert "a real run would stop here: the built-in `python` (detected from 3 tracked .py " \
           "files) would verify with a syntax check only" in err
    real = twostep("run", "--spec", spec, "--yes", cwd=pytest_project, env=env)
    err = real.stderr.decode()
    assert real.returncode == 4, err
    assert "while pyproject.toml [tool.pytest.ini_options] declares `python -m pytest -q`" in err
    assert "`twostep init` writes twostep.yaml (verify: `python -m pytest -q`)" in err
    assert calls(env) == [] and not (pytest_project / ".twostep").exists()


def test_a_real_run_without_a_recipe_uses_a_builtin_that_verifies_as_declared(tmp_path):
    """The example project declares no test runner: the python built-in's syntax check is what
    init would keep, so the run goes ahead, saying so."""
    repo = example_repo(tmp_path / "repo")
    env = standin_env(tmp_path)
    result = twostep("run", "--spec", str(ROOT / "scripts" / "example" / "SPEC.md"), "--yes",
                     "--execute-by", "plan", "--json", cwd=repo, env=env)
    err = result.stderr.decode()
    assert result.returncode == 0, err
    assert "warning: no twostep.yaml: using the built-in `python` recipe, detected from" in err
    assert "verify will run a syntax check only (every tracked .py file parses)" in err
    assert json.loads(result.stdout)["recipe"] == "python"
