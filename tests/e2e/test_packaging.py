"""The built-in recipes ship inside the wheel: `pip install .` works, not only a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

from tests.support.helpers import ROOT

# One pytest worker runs the whole module: the wheel is built once.
pytestmark = pytest.mark.xdist_group("wheel")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                           str(ROOT)], capture_output=True, timeout=300)
    if proc.returncode != 0:
        pytest.fail(proc.stderr.decode()[-2000:])
    return next(out.glob("twostep-*.whl"))


def test_wheel_contains_recipes_not_the_example(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for recipe in ("default", "go", "python", "typescript", "rust", "java"):
        assert f"twostep/recipe/builtins/{recipe}.yaml" in names
    # The demo project is for the demo and the tests; it is not part of the installed tool.
    assert not any("example" in n for n in names)


def test_installed_wheel_finds_its_builtins(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = "import twostep.recipe.builtin as b; print(b.recipes_dir())"
    where = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True,
                           text=True)
    assert where.stdout.strip() == str(site / "twostep" / "recipe" / "builtins")
    check = subprocess.run([sys.executable, "-m", "twostep", "check", "python"], env=env,
                           cwd=tmp_path, capture_output=True, text=True)
    assert check.returncode == 0 and "ok" in check.stdout, check.stderr
