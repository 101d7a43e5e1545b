"""The batch file: a YAML list, or JSON Lines (one object a line), of items. Each item has
`spec:` (a path) and optionally `recipe:`, `id:`, `branch:` and `repo:` (another local git
repository). Paths are relative to the batch file's directory. Every problem is reported with
the file and line of its item and how to fix it."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from twostep.errors import InputError
from twostep.tools import git

KEYS = ("spec", "recipe", "id", "branch", "repo")
EXAMPLE = "- {spec: specs/add-login.md, recipe: python, id: login}"
#: An id names files in the fleet's directory and a matrix job: keep it to these.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Item:
    id: str
    spec: str  # as the batch file gives it
    spec_path: Path  # absolute
    repo: Path  # the repository's top level
    recipe: str | None = None
    branch: str | None = None
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "spec": self.spec, "spec_path": str(self.spec_path),
                "repo": str(self.repo), "recipe": self.recipe, "branch": self.branch,
                "line": self.line}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Item:
        return cls(data["id"], data["spec"], Path(data["spec_path"]), Path(data["repo"]),
                   data.get("recipe"), data.get("branch"), data.get("line", 0))


class _Where:
    """Where an item is, for its errors: `FILE:LINE`."""

    def __init__(self, path: Path, line: int) -> None:
        self.path, self.line = path, line

    def error(self, message: str, hint: str) -> InputError:
        return InputError(f"{self.path}:{self.line}: {message}", hint=hint)


def _raw(path: Path) -> list[tuple[int, Any]]:
    """(line, value) of each item, from JSON Lines or a YAML list."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the batch file: {exc}",
                         hint="give a YAML list or a JSON Lines file of items") from None
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if path.suffix in (".jsonl", ".ndjson") or first.startswith("{"):
        return _json_lines(path, text)
    return _yaml_list(path, text)


def _json_lines(path: Path, text: str) -> list[tuple[int, Any]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            found.append((number, json.loads(line)))
        except ValueError as exc:
            raise _Where(path, number).error(
                f"not a JSON object: {exc}",
                'one object a line, e.g. {"spec": "specs/a.md", "id": "a"}') from None
    return found


def _yaml_list(path: Path, text: str) -> list[tuple[int, Any]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise _Where(path, line).error(f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                       f"a list of items, one a line: {EXAMPLE}") from None
    if not isinstance(node, yaml.SequenceNode) or not isinstance(data, list):
        raise _Where(path, 1).error("expected a list of items",
                                    f"start each item with '- ', e.g. {EXAMPLE}")
    return [(n.start_mark.line + 1, value) for n, value in zip(node.value, data, strict=True)]


def load(path: Path, repo: Path) -> list[Item]:
    """The items of the batch file at `path`, checked; at least one. `repo`: the repository
    of the items that name none."""
    path = path.resolve()
    raw = _raw(path)
    if not raw:
        raise _Where(path, 1).error("no items", f"add one item a line: {EXAMPLE}")
    items = [_item(_Where(path, line), value, index, repo)
             for index, (line, value) in enumerate(raw, 1)]
    _unique(path, items)
    return items


def _text(where: _Where, data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise where.error(f"{key}: expected a non-empty string, got {value!r}",
                          f"write it as `{key}: VALUE`")
    return str(value)


def _item(where: _Where, data: Any, index: int, default: Path) -> Item:
    if not isinstance(data, dict):
        raise where.error(f"an item must be a mapping, got {data!r}", f"for example {EXAMPLE}")
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            raise where.error(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)"
                                                        if close else ""),
                              f"an item's keys are {', '.join(KEYS)}")
    spec = _text(where, data, "spec")
    if spec is None:
        raise where.error("the item has no spec:", "give each item `spec: PATH` (a file)")
    base = where.path.parent
    repo = _repo(where, base, _text(where, data, "repo"), default)
    spec_path = (base / spec).resolve()
    if not spec_path.is_file():
        raise where.error(f"spec: {spec}: no such file ({spec_path})",
                          "spec paths are relative to the batch file's directory")
    item_id = _text(where, data, "id") or _default_id(spec_path, index)
    if not _ID.match(item_id):
        raise where.error(f"id: {item_id!r}: use letters, digits, '.', '_' and '-' "
                          "(at most 64, not starting with '.' or '-')",
                          "an id names the item's files and its matrix job")
    return Item(item_id, spec, spec_path, repo, _recipe(base, _text(where, data, "recipe")),
                _text(where, data, "branch"), where.line)


def _recipe(base: Path, value: str | None) -> str | None:
    """A recipe file is relative to the batch file, as a spec is; a built-in's name stays."""
    if value is None or not (base / value).is_file():
        return value
    return str((base / value).resolve())


def _default_id(spec: Path, index: int) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", spec.stem).strip(".-")
    return stem[:64] if stem else f"item-{index}"


def _repo(where: _Where, base: Path, value: str | None, default: Path) -> Path:
    if value is None:
        return default
    path = (base / value).resolve()
    try:
        if path.is_dir():
            return git.root(path)
    except InputError:
        pass
    raise where.error(f"repo: {value}: not a git repository ({path})",
                      "repo: is a path to a local git repository, relative to the "
                      "batch file")


def _unique(path: Path, items: list[Item]) -> None:
    """Two items with one id, or one branch in one repository, would overwrite each other."""
    seen: dict[str, Item] = {}
    for item in items:
        if item.id in seen:
            raise _Where(path, item.line).error(
                f"id {item.id!r} is already the id of the item on line {seen[item.id].line}",
                "give each item its own `id:` (items of one spec file need one)")
        seen[item.id] = item
    branches: dict[tuple[Path, str], Item] = {}
    for item in items:
        if item.branch is None:
            continue
        other = branches.setdefault((item.repo, item.branch), item)
        if other is not item:
            raise _Where(path, item.line).error(
                f"branch {item.branch!r} is already the branch of the item on line {other.line}",
                "each item commits on its own branch: give another `branch:` or none")
