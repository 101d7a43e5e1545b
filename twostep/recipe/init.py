"""`twostep init`: a commented twostep.yaml that extends the built-in recipe matching the
repository's languages, detected from its tracked files. It never overwrites a file."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from twostep.errors import InputError
from twostep.recipe import load as recipes

#: Built-in recipe -> the suffixes of the files it is about.
LANGUAGES = {"go": (".go",), "python": (".py", ".pyi"),
             "typescript": (".ts", ".tsx", ".mts", ".cts")}
#: Checks worth suggesting, commented out, per built-in (the user knows their test command).
SUGGESTED_VERIFY = {"python": [["python", "-m", "pytest", "-q"]],
                    "typescript": [["npx", "tsc", "--noEmit"], ["npm", "test"]],
                    "go": [["go", "vet", "./..."]], "default": [["make", "test"]]}


def detect(paths: Iterable[str]) -> list[tuple[str, int]]:
    """(built-in, tracked files in that language), most files first."""
    counts: Counter[str] = Counter()
    for path in paths:
        suffix = PurePosixPath(path).suffix.lower()
        for name, suffixes in LANGUAGES.items():
            if suffix in suffixes:
                counts[name] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def choose(found: list[tuple[str, int]]) -> str:
    return found[0][0] if found else "default"


def text(found: list[tuple[str, int]], *, schema_file: str | None = None) -> str:
    base = choose(found)
    recipe = recipes.load(base)
    seen = ", ".join(f"{n} ({c} file{'s' if c != 1 else ''})" for n, c in found) or "no language"
    lines = [
        "# twostep.yaml: the recipe `twostep run`, `plan` and `execute` use when no RECIPE is",
        "# given. Written by `twostep init`; check it with `twostep check`.",
        f"# Tracked files seen: {seen}.",
        "# The annotated reference: `twostep recipes --show default`.",
    ]
    if schema_file:
        lines.append(f"# yaml-language-server: $schema={schema_file}")
    else:
        lines.append("# Editor completion: `twostep init --schema` (or `twostep schema recipe`).")
    lines += [
        f"extends: {base}",
        "",
        "# What the planner sees: git pathspecs of the tracked files. The built-in's are:",
        f"# codebase: {json.dumps(list(recipe.codebase))}",
        "",
        "# The models (the built-in's shown; any key of planner/executor can be overridden).",
        f"# planner:  {{model: {recipe.planner.model}, timeout: {recipe.planner.timeout:g}}}",
        f"# executor: {{model: {recipe.executor.model}, timeout: {recipe.executor.timeout:g}}}",
        "",
        "# The checks that must pass after the executor's edits: argv lists, never shell strings.",
        "# The built-in's:" if recipe.verify else "# The built-in has none.",
        *[f"#   - {json.dumps(list(cmd))}" for cmd in recipe.verify],
        "# e.g. your own test command instead:",
        "# verify:",
        *[f"#   - {json.dumps(cmd)}" for cmd in SUGGESTED_VERIFY[base]],
    ]
    return "\n".join(lines) + "\n"


def write(path: Path, content: str) -> None:
    """Create `path`; refuse to replace anything already there."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(content)
    except FileExistsError:
        raise InputError(f"{path.name} already exists; twostep init never overwrites it",
                         hint=f"check it with `twostep check {path.name}`, or move it "
                              "away first") from None
