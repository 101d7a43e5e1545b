"""Version drift: the versions twostep's real-CLI suite was run with (scripts/tools/
package.json pins them), and whether an installed CLI differs. A differing version may still
work, but the silent failures twostep catches were verified on the pinned one only."""

from __future__ import annotations

import re

from twostep import agents
from twostep.agents.versions import PINNED


def tested(tool: str) -> str | None:
    """The tested version of a tool, if twostep pins it."""
    package = agents.get(tool).package if tool in agents.ADAPTERS else PINNED.get(tool)
    return package.rsplit("@", 1)[1] if package else None


def drift(tool: str, reported: str) -> str | None:
    """A note when `reported` (the tool's `--version` line) is not the tested version."""
    pin = tested(tool)
    if pin is None:
        return None
    found = re.search(r"\d+\.\d+\.\d+[\w.-]*", reported)
    if found and found.group(0) == pin:
        return None
    seen = found.group(0) if found else reported
    return (f"{tool} {seen} is installed; twostep was tested with {pin} "
            f"(`{agents.get(tool).package if tool in agents.ADAPTERS else PINNED[tool]}`)")
