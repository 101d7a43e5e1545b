"""Loop variables: bind `steps.var(name)` placeholders in a step to a value, for the runner.

The renderer leaves them to bash ("$TASK"); the runner substitutes them in every string and
run path of a step (its name included, so the manifest records `task-2-executor`), never in a
setting's value.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from twostep.core.steps import var
from twostep.core.values import RunPath, Setting

S = TypeVar("S")


def bind(step: S, name: str, value: int | str) -> S:
    """A copy of `step` with every `var(name)` replaced by `value`."""
    return _bind(step, var(name), str(value))


def _bind(obj: Any, token: str, value: str) -> Any:
    if isinstance(obj, str):
        return obj.replace(token, value) if token in obj else obj
    if isinstance(obj, tuple):
        return tuple(_bind(item, token, value) for item in obj)
    if isinstance(obj, RunPath):
        return RunPath(_bind(obj.rel, token, value))
    if isinstance(obj, Setting):  # set once for the whole script: no loop variable inside
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _bind(getattr(obj, f.name), token, value)
                   for f in dataclasses.fields(obj)}
        return dataclasses.replace(obj, **changes)
    return obj
