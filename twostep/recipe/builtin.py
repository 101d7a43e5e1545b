"""The built-in recipes: the YAML files of the top-level `recipes/` folder.

One lookup serves a checkout and an installed wheel: `twostep/recipe/builtins` is a symlink to
`recipes/` in the checkout, and the wheel ships the same files at that path (pyproject's
force-include).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from twostep.errors import InputError, RecipeError

#: The recipe `run`, `plan` and `execute` use when none is named (`twostep init` writes it).
DEFAULT_FILE = "twostep.yaml"


def recipes_dir() -> Path:
    return Path(__file__).with_name("builtins")


def names() -> list[str]:
    return sorted(p.stem for p in recipes_dir().glob("*.yaml"))


def locate(spec: str, cwd: Path) -> tuple[Path, str]:
    """Resolve a recipe argument to (path, name for messages): an existing path wins, then a
    built-in name."""
    path = Path(spec).expanduser()
    if not path.is_absolute():
        path = cwd / path
    looks_like_path = "/" in spec or spec.endswith((".yaml", ".yml"))
    if path.is_file() or looks_like_path:
        return path, spec
    builtin = recipes_dir() / f"{spec}.yaml"
    if builtin.is_file():
        return builtin, str(builtin)
    near = difflib.get_close_matches(spec, names(), n=1, cutoff=0.5)
    guess = f"did you mean {near[0]!r}? " if near else ""
    raise RecipeError(f"{spec}: no such recipe file or built-in recipe",
                      hint=f"{guess}built-ins: {', '.join(names())}; "
                           "or give a path to a recipe.yaml")


def named_or_default(value: str | None, cwd: Path) -> str:
    """RECIPE as given, else ./twostep.yaml when it exists."""
    if value:
        return value
    if (cwd / DEFAULT_FILE).is_file():
        return DEFAULT_FILE
    raise InputError(f"no RECIPE given and no ./{DEFAULT_FILE} here",
                     hint="name one (twostep recipes lists the built-ins), or write "
                          f"{DEFAULT_FILE} with `twostep init`")
