"""repomix reads only twostep's own config: a repository's `repomix.config.js` is code that
repomix would import, and a `repomix.config.json` (the repository's or ~/.config/repomix's)
would change what the models see. Real repomix, stand-in models, in the run and in bash of its
dry-run, with the small strategy (a pack in a tree of links) and the medium one (packs from
`--stdin` in the repository)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.helpers import make_repo, standin_env, twostep

COMMENT = "# KEEP-THIS-COMMENT: the planner must see it"


def _repo(path: Path, marker: Path) -> Path:
    return make_repo(path, {
        "wordfreq/__init__.py": "VERSION = 1\n",
        "wordfreq/cli.py": f"{COMMENT}\ndef main():\n    return 0\n",
        "hidden_by_config.py": "SEEN = True\n",
        # Imported by repomix when it finds it: leaves a marker and strips comments.
        "repomix.config.js": (f"require('fs').appendFileSync({json.dumps(str(marker))}, "
                              "'ran\\n');\nmodule.exports = {output: {removeComments: true}};\n"),
    })


@pytest.mark.parametrize("strategy", ["small", "medium"])
def test_repository_and_user_repomix_configs_are_never_read(tmp_path, strategy):
    marker = tmp_path / "config-ran"
    repo, twin = _repo(tmp_path / "repo", marker), _repo(tmp_path / "twin", marker)
    # A user-wide config that would drop a file and strip comments from every pack.
    user_config = tmp_path / "xdg" / "repomix" / "repomix.config.json"
    user_config.parent.mkdir(parents=True)
    user_config.write_text(json.dumps({"output": {"removeComments": True},
                                       "ignore": {"customPatterns": ["hidden_by_config.py"]}}))
    recipe = tmp_path / "r.yaml"
    recipe.write_text('extends: python\ncodebase: ["*.py", "*.js"]\nverify: []\n')
    (tmp_path / "spec.md").write_text("Add a --top option.\n")
    env = standin_env(tmp_path, XDG_CONFIG_HOME=str(tmp_path / "xdg"),
                      edits=[{"path": "wordfreq/cli.py", "content": "# top\n", "append": True},
                             {"path": "tests/test_top.py", "content": "# top\n",
                              "when": "task 2 of 2"}])
    args = ("run", str(recipe), "--spec", str(tmp_path / "spec.md"), "--yes",
            "--strategy", strategy)
    ran = twostep(*args, cwd=repo, env=env)
    assert ran.returncode == 0, ran.stderr.decode()
    planner = Path(env["STANDIN_DIR"], "gemini.stdin").read_text()
    executor = Path(env["STANDIN_DIR"], "claude.stdin").read_text()
    dry = twostep(*args, "--dry-run", cwd=repo, env=env)
    bashed = subprocess.run(["bash", "-c", dry.stdout.decode()], cwd=twin, env=env,
                            capture_output=True)
    assert bashed.returncode == 0, bashed.stderr.decode()

    assert not marker.exists()  # the repository's config was never imported
    assert ' -c "$RUN"/repomix.config.json ' in dry.stdout.decode()
    assert COMMENT in planner and 'path="hidden_by_config.py"' in planner
    assert COMMENT in executor  # the executor's pack (the whole pack, or the task's files)
    assert Path(env["STANDIN_DIR"], "gemini.stdin").read_text() == planner
