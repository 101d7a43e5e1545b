"""Build the relevance corpus's codebases as git repositories, cached under a directory.

* `stdlib`: this interpreter's standard library, without site-packages and __pycache__ (the
  copy scripts/bench.py packs), so the paths are `json/decoder.py`, `email/message.py`, …
* `django`: the Django wheel pinned below, from PyPI through pip (`pip download --no-deps`),
  unpacked without its .dist-info: a large pure-Python codebase that is not the stdlib.

Run `python tests/corpora/relevance/build.py DEST` to build both, or import `build(dest)`.
A finished repository carries a marker naming what it was built from; a repository whose marker
matches is reused as is, anything else under its name is rebuilt from scratch.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

DJANGO = "django==5.1.4"
MARKER = ".git/twostep-corpus"
CODEBASES = ("stdlib", "django")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _commit(repo: Path, origin: str) -> Path:
    # A fixed identity and date: the repository's contents, not the machine, decide its state.
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=corpus", "-c", "user.email=corpus@example.invalid",
         "commit", "-qm", f"corpus: {origin}", "--date", "2000-01-01T00:00:00Z")
    (repo / MARKER).write_text(origin + "\n")
    return repo


def _cached(repo: Path, origin: str) -> bool:
    marker = repo / MARKER
    if marker.is_file() and marker.read_text().strip() == origin:
        return True
    shutil.rmtree(repo, ignore_errors=True)
    return False


def stdlib(dest: Path) -> Path:
    src = Path(sysconfig.get_paths()["stdlib"])
    repo = dest / "stdlib"
    origin = f"stdlib {sys.version.split()[0]} {src}"
    if _cached(repo, origin):
        return repo
    shutil.copytree(src, repo, symlinks=True,
                    ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
    return _commit(repo, origin)


def django(dest: Path) -> Path:
    repo = dest / "django"
    if _cached(repo, DJANGO):
        return repo
    with tempfile.TemporaryDirectory(prefix="corpus-dl-") as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--only-binary", ":all:", "-d", tmp, DJANGO], check=True)
        (wheel,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if ".dist-info/" not in n]
            archive.extractall(repo, names)
    return _commit(repo, DJANGO)


def build(dest: Path, names: tuple[str, ...] = CODEBASES) -> dict[str, Path]:
    """{name: repository} for the codebases asked for, built or reused under `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    builders = {"stdlib": stdlib, "django": django}
    return {name: builders[name](dest) for name in names}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: build.py DEST")
    for name, path in build(Path(sys.argv[1])).items():
        print(f"{name}\t{path}")
