"""The package's shape stays what the README's map says: subpackages by concern in layers, a
small top level, no import cycle (imports under TYPE_CHECKING and inside functions included),
and the command line as the only layer that imports click."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "twostep"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every twostep module this file imports, wherever the import statement stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("twostep")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("twostep"):
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in files and m != name}
            for name, path in files.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*trail, node, nxt]
            if nxt not in state and (found := visit(nxt, [*trail, node])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_no_import_cycle():
    # A package's __init__ importing its own submodules is not a cycle of concerns.
    graph = {m: {d for d in deps if not (m.count(".") == 1 and d.startswith(m + "."))
                 and not (d.count(".") == 1 and m.startswith(d + "."))}
             for m, deps in _graph().items()}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_subpackages_by_concern_and_a_small_top_level():
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert {"core", "cli", "pipeline", "runs", "sizing", "pack", "planfiles", "recipe", "tools",
            "agents"} <= set(subpackages)
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 10, top


def test_only_the_command_line_imports_click():
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not any(n == "click" or n.startswith("click.") for n in names), path


#: The layers, bottom first (README "The package"): a package imports only packages of lower
#: layers, never one of its own layer or above, counting imports inside functions and under
#: TYPE_CHECKING. The top-level modules (errors, log, atomic, redact) are the base of all.
LAYERS = (
    ("errors", "log", "atomic", "redact", "__init__"),  # base utilities, no twostep imports
    ("core",),                          # the vocabulary: steps, values, recipe model, cost
    ("tools", "tasks"),                 # git and repomix; the plan's tasks
    ("planfiles", "pack", "agents"),    # what a plan names; packs; one adapter per model CLI
    ("recipe", "sizing"),               # recipes as YAML; sizes, ranking, tiers
    ("runs",),                          # the run store: manifest, ledger, checkpoints
    ("execution",),                     # what task-by-task stages do to a run
    ("pipeline",),                      # the engine: build, run, render, record a run
    ("fleet",),                         # many runs: a batch file's items, N at a time
    ("cli",),                           # click: every command and stage
    ("__main__",),
)
LAYER = {name: index for index, names in enumerate(LAYERS) for name in names}


def _unit(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def test_packages_import_only_lower_layers():
    upward = sorted(
        f"{module} -> {dep}" for module, deps in _graph().items() for dep in deps
        if _unit(dep) != _unit(module) and LAYER[_unit(dep)] >= LAYER[_unit(module)])
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_every_package_has_a_layer():
    units = {_unit(name) for name in _graph()}
    assert units <= set(LAYER), units - set(LAYER)


def test_the_design_notes_show_the_layers_as_the_contract_has_them():
    text = (PACKAGE.parent / "docs" / "design.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`twostep/" in line]
    shown = [set(re.findall(r"`twostep/(\w+)[/.]", row)) for row in rows]
    layers = [set(names) - {"__init__", "__main__"} for names in reversed(LAYERS)]
    assert shown == [names for names in layers if names], shown
