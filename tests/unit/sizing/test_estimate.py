"""twostep.sizing.estimate: file selection mirrors repomix, and the byte band holds repomix's real
count."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from twostep.core.recipe import Strategies
from twostep.errors import InputError
from twostep.pack.linktree import link_tree
from twostep.pipeline.packstep import TREE_PACK_FLAGS
from twostep.sizing import estimate as est
from twostep.sizing.strategy import decide
from twostep.tools.repomix import parse_repomix_summary

ROOT = Path(__file__).resolve().parents[3]
REPOMIX = ROOT / ".tools/node_modules/.bin/repomix"
GHP = "ghp_" + "a1B2" * 9  # matches secretlint's GitHub classic token rule (36 chars)


def make_repo(path: Path, files: dict[str, bytes | str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(body.encode() if isinstance(body, str) else body)
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=path, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=path, check=True)
    return path


def repomix_count(repo: Path, tmp: Path, specs: list[str] = ()) -> tuple[int, str]:
    """Pack the selected tracked files as twostep does (workflow.pack_steps: git ls-files, a
    linked tree, `repomix .` with TREE_PACK_FLAGS); (Total Tokens, xml)."""
    tree, out = tmp / "tree", tmp / "out.xml"
    listed = subprocess.run(["git", "ls-files", "-z", "--", *specs], cwd=repo,
                            capture_output=True, check=True).stdout
    link_tree(repo, tree, [os.fsdecode(p) for p in listed.split(b"\0") if p])
    run = subprocess.run([str(REPOMIX), ".", *TREE_PACK_FLAGS, "-o", str(out)], cwd=tree,
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, REPOMIX_TOKEN_CACHE="0"))
    shutil.rmtree(tree)
    return parse_repomix_summary(run.stdout).total_tokens, out.read_text()


needs_repomix = pytest.mark.skipif(not REPOMIX.exists(),
                                   reason="repomix not installed (scripts/setup)")


def test_selection_mirrors_repomix(tmp_path):
    repo = make_repo(tmp_path / "r", {
        "a.py": "print('hi')\n", "img.png": b"\x89PNG", "nul.txt": b"x\0y",
        "latin.txt": b"caf\xe9\n", "big.PDF": b"%PDF", "sub/readme.md": "hello\n",
    })
    os.symlink("a.py", repo / "link.py")
    subprocess.run(["git", "add", "link.py"], cwd=repo, check=True)
    (repo / "untracked.py").write_text("x = 1\n")
    e = est.estimate(repo, [])
    # a.py, latin.txt (decodable, so only uncertain) and sub/readme.md
    assert e.files == 3
    assert {d for d, _ in e.by_dir} == {".", "sub"}
    assert est.estimate(repo, ["*.py"]).files == 1


def test_not_a_repository(tmp_path):
    with pytest.raises(InputError):
        est.estimate(tmp_path, [])


def test_secret_candidates(tmp_path):
    repo = make_repo(tmp_path / "r", {
        "gh.py": f"TOKEN = '{GHP}'\n",
        "db.py": "URL = 'postgres://admin:s3cr3t@db.example.com/x'\n",
        "aws.py": "AWS_ACCOUNT_ID = '1234-5678-9012'\n", "hook.txt": "HTTPS://HOOKS.SLACK.COM/x\n",
        "key.pem": "-----BEGIN RSA PRIVATE KEY-----\n", "ok.py": "ghp_short = 1  # not a token\n",
        "enc.pem": "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",  # secretlint lets these through
    })
    assert set(est.estimate(repo, []).secret) == {"gh.py", "db.py", "aws.py", "hook.txt",
                                                  "key.pem"}


def test_files_git_grep_cannot_see_stay_uncertain(tmp_path):
    repo = make_repo(tmp_path / "r", {".gitattributes": "*.cfg binary\n", "a.cfg": f"k={GHP}\n"})
    e = est.estimate(repo, ["a.cfg"])
    assert e.low < e.high and est._grep_skips(repo, ["a.cfg", ".gitattributes"]) == {"a.cfg"}
    assert e.low <= est.HEADER_TOKENS + 1  # only the header and the tree line are sure


def test_a_diff_driver_keeps_a_file_in_sight_and_symlinks_are_reported(tmp_path):
    """`*.py diff=python` (sympy's .gitattributes) does not hide files from git grep: the band
    stays narrow; a symlink is not packed, and says so."""
    repo = make_repo(tmp_path / "r", {".gitattributes": "*.py diff=python\n",
                                      "a.py": "def f():\n    return 1\n" * 400})
    (repo / "link.py").symlink_to("a.py")
    subprocess.run(["git", "add", "link.py"], cwd=repo, check=True)
    e = est.estimate(repo, [])
    assert est._grep_skips(repo, ["a.py"]) == set() and e.high < 3 * e.low
    assert e.unpacked == (("link.py", "a symlink, which repomix does not follow"),)


def test_binary_extensions_match_repomix():
    src = ROOT / ".tools/node_modules/binary-extensions/binary-extensions.json"
    if not src.exists():
        pytest.skip("node_modules not installed")
    assert frozenset(json.loads(src.read_text())) == est.BINARY_EXTENSIONS


def test_by_dir_breaks_down_big_directories():
    files = [est._File(p, "", 0, tokens=t) for p, t in
             [("src/a/x.py", 60), ("src/b/y.py", 30), ("src/z.py", 5), ("doc/r.md", 4), ("R", 1)]]
    assert est._by_dir(files) == (("src", 95), ("src/a", 60), ("src/b", 30), ("src/*", 5),
                                  ("doc", 4), (".", 1))


def _stdlib_files(package: str) -> dict[str, bytes]:
    src = Path(sysconfig.get_paths()["stdlib"]) / package
    return {f"{package}/{p.relative_to(src)}": p.read_bytes() for p in src.rglob("*.py")}


GENERATED = {
    "one-file": lambda: {"a.txt": "x\n"},  # almost all header: checks HEADER_TOKENS
    "python": lambda: _stdlib_files("json"),
    "unicode-and-data": lambda: {
        "docs/intro.md": "# Héllo wörld ✓\n日本語のテキスト。Ελληνικά. emoji 🎉\n" * 40,
        "data/table.csv": "".join(f"{i},{i * i},{hex(i)}\n" for i in range(400)),
        "src/app.js": "export const f = (a, b) => a ?? b;\n" * 60,
        "latin1.txt": b"na\xefve caf\xe9\n" * 20, "blob.bin": b"\0" * 64,
    },
    "secrets": lambda: {"conf.py": f"T = '{GHP}'\n" + "x = 1\n" * 300,
                        "main.py": "print('main')\n" * 50},
}


@needs_repomix
@pytest.mark.parametrize("kind", sorted(GENERATED))
def test_band_contains_repomix_count(tmp_path, kind):
    repo = make_repo(tmp_path / "r", GENERATED[kind]())
    exact, _ = repomix_count(repo, tmp_path)
    e = est.estimate(repo, [])
    assert e.low <= e.tokens <= e.high
    assert e.low <= exact <= e.high


@needs_repomix
def test_symlinks_binaries_and_secrets_match_repomix(tmp_path):
    """What repomix drops (symlinks, binary extensions, NUL content, a secret) stays out of
    the sure part of the band, and the file count matches the pack."""
    repo = make_repo(tmp_path / "r", {"src/a.py": "print('a')\n" * 200, "img.png": b"\x89PNG" * 99,
                                      "nul.txt": b"x\0y" * 99, "conf.py": f"T = '{GHP}'\n"})
    os.symlink("src/a.py", repo / "link.py")
    os.symlink("src", repo / "dirlink")
    subprocess.run(["git", "add", "link.py", "dirlink"], cwd=repo, check=True)
    exact, xml = repomix_count(repo, tmp_path)
    assert xml.count("<file path=") == 1 and "link.py" not in xml and "dirlink" not in xml
    e = est.estimate(repo, [])
    assert e.files == 1 and e.low <= exact <= e.high


@needs_repomix
def test_decide_or_defer_gives_the_exact_strategy(tmp_path):
    """decide() answers only when the band is clear of both thresholds; otherwise the caller
    counts with repomix. Either way the strategy is the one of repomix's count."""
    repo = make_repo(tmp_path / "r", {**_stdlib_files("json"), **_stdlib_files("html")})
    exact, _ = repomix_count(repo, tmp_path, ["html"])
    e = est.estimate(repo, ["html"])
    assert e.low <= exact <= e.high
    inside = Strategies(exact, 2 * exact)             # a threshold inside the band: defer
    below = Strategies(e.low // 4, e.low // 2)       # both below: large, no count needed
    above = Strategies(e.high + 1, 2 * e.high)       # both above: small
    assert decide(e, inside) is None
    assert decide(e, below) == "large" == below.choose(exact)
    assert decide(e, above) == "small" == above.choose(exact)
