"""`twostep init`: a commented twostep.yaml that extends the built-in recipe matching the
repository's languages and verifies with the test command the project declares (both found by
recipe/detect.py). It never overwrites a file."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from twostep.errors import InputError
from twostep.recipe.detect import Project, files_text

#: Checks worth suggesting, commented out, per built-in (the user knows their test command).
SUGGESTED_VERIFY = {"python": [["python", "-m", "pytest", "-q"]],
                    "typescript": [["npx", "tsc", "--noEmit"], ["npm", "test"]],
                    "go": [["go", "vet", "./..."]], "rust": [["cargo", "test"]],
                    "java": [["./gradlew", "test"]], "default": [["make", "test"]]}


def _comment(sentence: str) -> list[str]:
    return textwrap.wrap(sentence, 92, initial_indent="# ", subsequent_indent="# ",
                         break_on_hyphens=False)


def _verify_lines(p: Project) -> list[str]:
    """The project's declared command uncommented; else the built-in's, commented, or an empty
    verify where the built-in's would fail."""
    own, v = p.recipe.verify, p.verify
    lines = ["# The checks that must pass after the executor's edits: argv lists, never shell "
             "strings."]
    if v.declared:
        instead = "" if v.commands == own else f", instead of the built-in verify: {p.shown(own)}"
        lines += _comment(f"From {v.declared.origin}: the project's own test command{instead}.")
        return [*lines, "verify:", *[f"  - {json.dumps(list(cmd))}" for cmd in v.commands]]
    lines += _comment(f"{p.says[0].upper()}{p.says[1:]}.")
    if not p.as_builtin:
        lines.append("verify: []")
    elif own:
        lines += ["# The built-in's:", *[f"#   - {json.dumps(list(cmd))}" for cmd in own]]
    return [*lines, "# e.g. your own test command instead:", "# verify:",
            *[f"#   - {json.dumps(cmd)}" for cmd in SUGGESTED_VERIFY[p.builtin]]]


def text(p: Project, *, schema_file: str | None = None) -> str:
    recipe = p.recipe
    seen = "; ".join(f"{name}: {files_text(counts)}" for name, counts in p.found)
    lines = [
        "# twostep.yaml: the recipe `twostep run`, `plan` and `execute` use when no RECIPE is",
        "# given. Written by `twostep init`; check it with `twostep check`.",
        f"# Tracked files seen: {seen or 'no language a built-in is for'}.",
        "# The annotated reference: `twostep recipes --show default`.",
    ]
    if schema_file:
        lines.append(f"# yaml-language-server: $schema={schema_file}")
    else:
        lines.append("# Editor completion: `twostep init --schema` (or `twostep schema recipe`).")
    return "\n".join([
        *lines,
        f"extends: {p.builtin}",
        "",
        "# What the planner sees: git pathspecs of the tracked files. The built-in's are:",
        f"# codebase: {json.dumps(list(recipe.codebase))}",
        "",
        "# The models (the built-in's shown; any key of planner/executor can be overridden).",
        f"# planner:  {{model: {recipe.planner.model}, timeout: {recipe.planner.timeout:g}}}",
        f"# executor: {{model: {recipe.executor.model}, timeout: {recipe.executor.timeout:g}}}",
        "",
        *_verify_lines(p),
    ]) + "\n"


def write(path: Path, content: str) -> None:
    """Create `path`; refuse to replace anything already there."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(content)
    except FileExistsError:
        raise InputError(f"{path.name} already exists; twostep init never overwrites it",
                         hint=f"check it with `twostep check {path.name}`, or move it "
                              "away first") from None
