"""What a repository's tracked files say: the built-in recipe for its language, and the test
command the project declares (pytest configured, package.json's test script, go.mod,
Cargo.toml, a Maven or Gradle build). Read with the stdlib only: no TOML parser on 3.10."""

from __future__ import annotations

import configparser
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from twostep.core.recipe import Recipe
from twostep.errors import InputError
from twostep.log import LOG
from twostep.recipe import load as recipes
from twostep.recipe.builtin import DEFAULT_FILE
from twostep.tools import git

if sys.version_info >= (3, 11):
    import tomllib

Argv = tuple[str, ...]
Found = list[tuple[str, Counter[str]]]

#: Built-in recipe -> the suffixes of the files it is about (JavaScript is typescript's).
LANGUAGES = {"go": (".go",), "python": (".py", ".pyi"), "rust": (".rs",), "java": (".java",),
             "typescript": (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")}
PYTEST: Argv = ("python", "-m", "pytest", "-q")
#: What each built-in looked for, said when the project declares none of it.
LOOKED_FOR = {
    "python": "no pytest section in pytest.ini, pyproject.toml, tox.ini or setup.cfg, and no "
              "tests/ with a conftest.py",
    "typescript": "package.json has no test script, or only npm's placeholder",
    "go": "no go.mod", "rust": "no Cargo.toml", "java": "no pom.xml or build.gradle",
    "default": "no pytest configuration, package.json test script, go.mod, Cargo.toml, "
               "pom.xml or build.gradle"}
#: Built-ins whose own verify checks only that the sources parse.
SYNTAX_ONLY = {"python": "every tracked .py file parses"}


@dataclass(frozen=True)
class Declared:
    """A test command the project declares, and where."""

    argv: Argv
    origin: str


def detect(paths: Iterable[str]) -> Found:
    """(built-in, its tracked files counted by suffix), most files first."""
    language = {suffix: name for name, suffixes in LANGUAGES.items() for suffix in suffixes}
    found: dict[str, Counter[str]] = {}
    for path in paths:
        suffix = PurePosixPath(path).suffix.lower()
        if suffix in language:
            found.setdefault(language[suffix], Counter())[suffix] += 1
    return sorted(found.items(), key=lambda kv: (-kv[1].total(), kv[0]))


def choose(found: Found) -> str:
    return found[0][0] if found else "default"


def files_text(counts: Counter[str]) -> str:
    """`49 tracked .js files`, `40 tracked .ts, 9 .js files`."""
    (first, n), *rest = counts.most_common()
    listed = ", ".join([f"{n} tracked {first}", *(f"{m} {suffix}" for suffix, m in rest)])
    return f"{listed} file{'s' if counts.total() != 1 else ''}"


def _read(root: Path, name: str) -> str:
    try:
        return (root / name).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


_PYTEST_TABLE = re.compile(r"^[ \t]*\[[ \t]*tool\.pytest(\.ini_options)?[ \t]*\]", re.M)


def pyproject_pytest(text: str) -> str | None:
    """The pytest table pyproject.toml has; a line check where tomllib is missing or fails."""
    if sys.version_info >= (3, 11):
        try:
            tool = tomllib.loads(text).get("tool")
            table = tool.get("pytest") if isinstance(tool, dict) else None
            if not isinstance(table, dict):
                return None
            return "[tool.pytest.ini_options]" if "ini_options" in table else "[tool.pytest]"
        except tomllib.TOMLDecodeError:
            pass
    return pytest_table_by_lines(text)


def pytest_table_by_lines(text: str) -> str | None:
    """Python 3.10 has no TOML parser: the table's header line is enough to say pytest."""
    match = _PYTEST_TABLE.search(text)
    return f"[tool.pytest{match.group(1) or ''}]" if match else None


def _has_section(text: str, section: str) -> bool:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return False
    return parser.has_section(section)


def _pytest(root: Path, tracked: set[str]) -> Declared | None:
    """pytest's own order of configuration files, then the tests/ + conftest.py convention."""
    for name, section in (("pytest.ini", "pytest"), ("pyproject.toml", ""),
                          ("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if name not in tracked:
            continue
        if not section and (table := pyproject_pytest(_read(root, name))):
            return Declared(PYTEST, f"{name} {table}")
        if section and _has_section(_read(root, name), section):
            return Declared(PYTEST, f"{name} [{section}]")
    conftest = {"conftest.py", "tests/conftest.py"} & tracked
    if conftest and any(p.startswith("tests/") for p in tracked):
        return Declared(PYTEST, f"the tests/ + {min(conftest)} convention")
    return None


def _npm(root: Path, tracked: set[str]) -> Declared | None:
    try:
        manifest = json.loads(_read(root, "package.json")) if "package.json" in tracked else {}
    except ValueError:
        return None
    scripts = manifest.get("scripts") if isinstance(manifest, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if not isinstance(test, str) or not test.strip() or "no test specified" in test:
        return None
    shown = test if len(test) <= 60 else test[:57] + "…"
    return Declared(("npm", "test"), f"package.json scripts.test ({shown})")


def _jvm(root: Path, tracked: set[str]) -> Declared | None:
    if "pom.xml" in tracked:
        return Declared(("mvn", "test"), "pom.xml")
    gradle = sorted({"build.gradle", "build.gradle.kts"} & tracked)
    if gradle and "gradlew" in tracked:
        return Declared(("./gradlew", "test"), f"{gradle[0]} and its ./gradlew")
    return Declared(("gradle", "test"), gradle[0]) if gradle else None


def _manifest(name: str, argv: Argv) -> Callable[[Path, set[str]], Declared | None]:
    return lambda _root, tracked: Declared(argv, name) if name in tracked else None


FINDERS = {"python": _pytest, "typescript": _npm, "java": _jvm,
           "go": _manifest("go.mod", ("go", "test", "./...")),
           "rust": _manifest("Cargo.toml", ("cargo", "test"))}
#: Every command a finder can answer: a built-in's verify holding one needs the declaration.
TEST_COMMANDS = {PYTEST, ("npm", "test"), ("go", "test", "./..."), ("cargo", "test"),
                 ("mvn", "test"), ("./gradlew", "test"), ("gradle", "test")}


def declared(root: Path, tracked: Iterable[str], builtin: str) -> Declared | None:
    """The test command the project declares for the built-in's language (any, for default)."""
    paths = set(tracked)
    finders = [FINDERS[builtin]] if builtin in FINDERS else list(FINDERS.values())
    return next((d for find in finders if (d := find(root, paths))), None)


@dataclass(frozen=True)
class Verify:
    """What verify runs for this project, and why: from its declaration, or the built-in's."""

    commands: tuple[Argv, ...]
    declared: Declared | None
    why: str  # follows "verify will run …"


def plan_verify(builtin: str, own: tuple[Argv, ...], found: Declared | None) -> Verify:
    """The project's declared test command (the built-in's verify when that already runs it);
    else the built-in's, unless it runs a test command the project does not declare."""
    if found:
        return Verify(own if found.argv in own else (found.argv,), found, f", from {found.origin}")
    nothing = f". No test command declared: {LOOKED_FOR[builtin]}"
    needing = [" ".join(c) for c in own if c in TEST_COMMANDS]
    if needing:
        return Verify((), None, f"{nothing}; the built-in's `{needing[0]}` would fail without one")
    return Verify(own, None, nothing + ("" if own else f"; the built-in `{builtin}` has no check"))


@dataclass(frozen=True)
class Project:
    """What `init` and a command without a recipe know of the repository."""

    found: Found
    recipe: Recipe  # the built-in chosen
    verify: Verify

    @property
    def builtin(self) -> str:
        return self.recipe.name

    @property
    def as_builtin(self) -> bool:
        """The built-in verifies as the project declares: no twostep.yaml needed for that."""
        return self.verify.commands == self.recipe.verify

    @property
    def seen(self) -> str:
        if not self.found:
            return "as no Python, Go, TypeScript/JavaScript, Rust or Java file is tracked"
        return f"detected from {files_text(self.found[0][1])}"

    def shown(self, commands: tuple[Argv, ...]) -> str:
        if commands and commands == self.recipe.verify and self.builtin in SYNTAX_ONLY:
            return f"a syntax check only ({SYNTAX_ONLY[self.builtin]})"
        return ", then ".join(f"`{' '.join(c)}`" for c in commands) or "nothing"

    @property
    def mismatch(self) -> str:
        """Why the built-in's verify is not this project's."""
        found = self.verify.declared
        own = (f"the built-in `{self.builtin}` ({self.seen}) would verify with "
               f"{self.shown(self.recipe.verify)}")
        if found:
            return f"{own}, while {found.origin} declares `{' '.join(found.argv)}`"
        return f"{own}, which cannot pass here: {LOOKED_FOR[self.builtin]}"

    @property
    def says(self) -> str:
        return f"verify will run {self.shown(self.verify.commands)}{self.verify.why}"


def survey(root: Path, tracked: list[str]) -> Project:
    found = detect(tracked)
    recipe = recipes.load(choose(found))
    found_test = declared(root, tracked, recipe.name)
    return Project(found, recipe, plan_verify(recipe.name, recipe.verify, found_test))


def fallback(root: Path, *, real: bool, verifies: bool) -> str:
    """The built-in for a command given no RECIPE and no ./twostep.yaml, announced. A real run
    that verifies refuses it when `init` would write another verify: the run would skip the
    project's tests, or run a check that cannot pass and pay for fix rounds."""
    p = survey(root, git.ls_files(root))
    differs = verifies and not p.as_builtin
    if differs and real:
        raise InputError(f"no RECIPE given and no ./{DEFAULT_FILE}, and {p.mismatch}",
                         hint=f"`twostep init` writes {DEFAULT_FILE} (verify: "
                              f"{p.shown(p.verify.commands)}); or name a recipe")
    (LOG.warn if real else LOG.info)(f"no {DEFAULT_FILE}: using the built-in `{p.builtin}` "
                                     f"recipe, {p.seen}; `twostep init` writes one")
    if differs:
        LOG.warn(f"a real run would stop here: {p.mismatch}")
    elif verifies:
        LOG.info(p.says)
    return p.builtin
