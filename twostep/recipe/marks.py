"""YAML loading that remembers where every value came from, so errors can say file:line:col.

PyYAML's marks are 0-based; everything here is 1-based, as editors show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twostep.errors import RecipeError


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class MarkedDict(dict):
    """A mapping that also knows the position of itself, of each key and of each value."""

    where: Where
    key_where: dict
    value_where: dict


class MarkedList(list):
    where: Where
    item_where: list


def _loader_for(name: str) -> type:
    # A private subclass: registering constructors on yaml.SafeLoader would change
    # every other user of PyYAML in the process.
    class Loader(yaml.SafeLoader):
        pass

    def here(node: yaml.Node) -> Where:
        return Where(name, node.start_mark.line + 1, node.start_mark.column + 1)

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> MarkedDict:
        out = MarkedDict()
        out.where, out.key_where, out.value_where = here(node), {}, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise RecipeError(f"{here(key_node)}: mapping keys must be plain words")
            if key in out:
                raise RecipeError(f"{here(key_node)}: duplicate key {key!r}")
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_where[key], out.value_where[key] = here(key_node), here(value_node)
        return out

    def sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> MarkedList:
        out = MarkedList(loader.construct_object(n, deep=True) for n in node.value)
        out.where, out.item_where = here(node), [here(n) for n in node.value]
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    return Loader


def load_text(text: str, name: str) -> Any:
    """Parse YAML text; syntax errors become RecipeError('name:line:col: problem')."""
    try:
        return yaml.load(text, Loader=_loader_for(name))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = exc.problem or exc.context or "invalid YAML"
        raise RecipeError(f"{where}: YAML syntax error: {problem}",
                          hint="fix the YAML syntax at that position") from None
    except yaml.YAMLError as exc:
        raise RecipeError(f"{name}:1:1: YAML error: {exc}") from None


def read_yaml(path: Path, display: str | None = None) -> Any:
    """Read a YAML file, rejecting unreadable, binary and empty content with a located error."""
    name = display or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RecipeError(
            f"{name}: no such recipe file",
            hint="give a path to a recipe.yaml or a built-in name (twostep recipes)") from None
    except OSError as exc:
        raise RecipeError(f"{name}: cannot read: {exc.strerror}") from None
    if b"\0" in raw:
        raise RecipeError(f"{name}:1:1: binary content (NUL byte), not a YAML recipe")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RecipeError(f"{name}:{line}:1: not UTF-8 text") from None
    data = load_text(text, name)
    if data is None:
        raise RecipeError(f"{name}:1:1: the recipe is empty",
                          hint="start from a built-in: twostep recipes --show default")
    return data
