"""Where built-in recipes live: inside the wheel (twostep/recipes) or, in a checkout, ./recipes."""

from __future__ import annotations

from pathlib import Path

from twostep.errors import RecipeError


def recipes_dir() -> Path:
    packaged = Path(__file__).with_name("recipes")
    if packaged.is_dir():
        return packaged
    # Editable installs and the source checkout: the top-level recipes/ folder.
    return Path(__file__).resolve().parent.parent / "recipes"


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
    raise RecipeError(f"{spec}: no such recipe file or built-in recipe",
                      hint=f"built-ins: {', '.join(names())}; or give a path to a recipe.yaml")
