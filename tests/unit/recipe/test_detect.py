"""What the tracked files say: the built-in for the languages (JavaScript is typescript's; Rust
and Java have their own), and the test command the project declares, which `init` writes as
verify and a command without a recipe compares with the built-in's."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from twostep.recipe import detect
from twostep.recipe.detect import PYTEST, Declared

PLACEHOLDER = 'echo "Error: no test specified" && exit 1'


@pytest.mark.parametrize("files,expected", [
    (["index.js", "lib/a.js", "lib/b.jsx", "bin/c.mjs", "d.cjs", "package.json"], "typescript"),
    (["src/a.ts", "src/b.tsx", "c.py"], "typescript"),
    (["main.go", "go.mod", "tool.py"], "go"),
    (["a.py", "b.pyi", "web/c.ts"], "python"),
    (["src/main.rs", "src/lib.rs", "Cargo.toml", "build.py"], "rust"),
    (["src/main/java/App.java", "src/test/java/AppTest.java", "pom.xml"], "java"),
    (["README.md", "Makefile", "run.sh"], "default"),
])
def test_the_language_with_most_tracked_files_wins(files, expected):
    assert detect.choose(detect.detect(files)) == expected


def test_javascript_counts_for_typescript_by_suffix():
    found = detect.detect(["a.js", "b.js", "c.mjs", "d.ts", "e.JS"])
    assert found == [("typescript", Counter({".js": 3, ".mjs": 1, ".ts": 1}))]
    assert detect.files_text(found[0][1]) == "3 tracked .js, 1 .mjs, 1 .ts files"
    assert detect.files_text(Counter({".py": 1})) == "1 tracked .py file"


def _declared(tmp_path: Path, files: dict[str, str], builtin: str) -> Declared | None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return detect.declared(tmp_path, list(files), builtin)


@pytest.mark.parametrize("files,origin", [
    ({"pyproject.toml": "[project]\nname = 'x'\n\n[tool.pytest.ini_options]\naddopts = '-q'\n"},
     "pyproject.toml [tool.pytest.ini_options]"),
    ({"pyproject.toml": "[tool.pytest]\nminversion = '9.0'\n"}, "pyproject.toml [tool.pytest]"),
    ({"setup.cfg": "[metadata]\nname = x\n\n[tool:pytest]\ntestpaths = tests\n"},
     "setup.cfg [tool:pytest]"),
    ({"tox.ini": "[tox]\nenvlist = py3\n\n[pytest]\naddopts = -ra\n"}, "tox.ini [pytest]"),
    ({"pytest.ini": "[pytest]\n", "pyproject.toml": "[tool.pytest.ini_options]\n"},
     "pytest.ini [pytest]"),  # pytest's own order: pytest.ini first
    ({"tests/test_a.py": "", "tests/conftest.py": ""}, "the tests/ + tests/conftest.py convention"),
    ({"tests/test_a.py": "", "conftest.py": ""}, "the tests/ + conftest.py convention"),
])
def test_pytest_configured(tmp_path, files, origin):
    assert _declared(tmp_path, files, "python") == Declared(PYTEST, origin)


@pytest.mark.parametrize("files", [
    {"pyproject.toml": "[project]\nname = 'x'\n\n[tool.ruff]\nline-length = 100\n"},
    {"setup.cfg": "[metadata]\nname = x\n", "tox.ini": "[tox]\nenvlist = py3\n"},
    {"setup.cfg": "not = an ini\n[broken"},
    {"tests/test_a.py": ""},  # tests/ without a conftest.py
    {"conftest.py": ""},
])
def test_python_without_pytest(tmp_path, files):
    assert _declared(tmp_path, files, "python") is None


def test_untracked_configuration_does_not_count(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    assert detect.declared(tmp_path, ["a.py"], "python") is None


def test_pyproject_lines_when_tomllib_is_missing_or_fails():
    assert detect.pytest_table_by_lines("[tool.pytest.ini_options]\n") == \
        "[tool.pytest.ini_options]"
    assert detect.pytest_table_by_lines("  [ tool.pytest ]\n") == "[tool.pytest]"
    assert detect.pytest_table_by_lines("[tool.pytest-cov]\n[tool.ruff]\n") is None
    broken = "[project\n[tool.pytest.ini_options]\n"
    assert detect.pyproject_pytest(broken) == "[tool.pytest.ini_options]"


@pytest.mark.parametrize("manifest,expected", [
    ({"scripts": {"test": "jest --ci"}}, Declared(("npm", "test"),
                                                   "package.json scripts.test (jest --ci)")),
    ({"scripts": {"test": PLACEHOLDER}}, None),
    ({"scripts": {"build": "tsc"}}, None),
    ({"scripts": {"test": "  "}}, None),
    ({"name": "x"}, None),
    ([1, 2], None),
])
def test_package_json_test_script(tmp_path, manifest, expected):
    assert _declared(tmp_path, {"package.json": json.dumps(manifest)}, "typescript") == expected


def test_package_json_that_is_not_json(tmp_path):
    assert _declared(tmp_path, {"package.json": "{oops"}, "typescript") is None


@pytest.mark.parametrize("files,builtin,argv,origin", [
    (["go.mod", "main.go"], "go", ("go", "test", "./..."), "go.mod"),
    (["Cargo.toml", "src/lib.rs"], "rust", ("cargo", "test"), "Cargo.toml"),
    (["pom.xml"], "java", ("mvn", "test"), "pom.xml"),
    (["build.gradle", "gradlew"], "java", ("./gradlew", "test"), "build.gradle and its ./gradlew"),
    (["build.gradle.kts"], "java", ("gradle", "test"), "build.gradle.kts"),
    (["Cargo.toml"], "default", ("cargo", "test"), "Cargo.toml"),  # default: any declaration
])
def test_build_manifests(tmp_path, files, builtin, argv, origin):
    assert _declared(tmp_path, dict.fromkeys(files, ""), builtin) == Declared(argv, origin)


def test_each_builtin_reads_only_its_own_declaration(tmp_path):
    assert _declared(tmp_path, {"go.mod": "", "Cargo.toml": ""}, "python") is None


GO_VERIFY = (("go", "build", "./..."), ("go", "test", "./..."))


def test_verify_is_the_declared_command_or_the_builtins_that_runs_it():
    found = Declared(("go", "test", "./..."), "go.mod")
    assert detect.plan_verify("go", GO_VERIFY, found).commands == GO_VERIFY
    pytest_found = Declared(PYTEST, "tox.ini [pytest]")
    syntax = (("python", "-c", "import ast"),)
    assert detect.plan_verify("python", syntax, pytest_found).commands == (PYTEST,)


def test_undeclared_verify_keeps_a_harmless_builtin_and_drops_one_that_cannot_pass():
    syntax = (("python", "-c", "import ast"),)
    kept = detect.plan_verify("python", syntax, None)
    assert kept.commands == syntax and "No test command declared: no pytest" in kept.why
    dropped = detect.plan_verify("typescript", (("npm", "test"),), None)
    assert dropped.commands == () and "npm's placeholder" in dropped.why
    assert "`npm test` would fail" in dropped.why
    assert detect.plan_verify("default", (), None).commands == ()


@pytest.mark.parametrize("files,builtin,says,as_builtin", [
    ({"a.py": "", "pyproject.toml": "[tool.pytest.ini_options]\n"}, "python",
     "verify will run `python -m pytest -q`, from pyproject.toml [tool.pytest.ini_options]",
     False),
    ({"a.py": "", "pyproject.toml": "[project]\nname = 'x'\n"}, "python",
     "verify will run a syntax check only (every tracked .py file parses). No test command",
     True),
    ({"a.js": "", "package.json": '{"scripts": {"test": "tap"}}'}, "typescript",
     "verify will run `npm test`, from package.json scripts.test (tap)", True),
    ({"a.js": "", "package.json": json.dumps({"scripts": {"test": PLACEHOLDER}})}, "typescript",
     "verify will run nothing. No test command declared: package.json has no test script",
     False),
    ({"App.java": "", "build.gradle": "", "gradlew": ""}, "java",
     "verify will run `./gradlew test`, from build.gradle and its ./gradlew", False),
    ({"main.rs": "", "Cargo.toml": ""}, "rust", "verify will run `cargo test`, from Cargo.toml",
     True),
    ({"README.md": ""}, "default", "verify will run nothing. No test command declared", True),
])
def test_survey_says_what_verify_will_run(tmp_path, files, builtin, says, as_builtin):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    project = detect.survey(tmp_path, list(files))
    assert project.builtin == builtin
    assert project.says.startswith(says)
    assert project.as_builtin is as_builtin


def test_python_builtin_is_the_syntax_check_the_messages_call_it():
    project = detect.survey(Path("/nonexistent"), ["a.py"])
    assert "ast.parse" in " ".join(project.recipe.verify[0]) and "python" in detect.SYNTAX_ONLY
