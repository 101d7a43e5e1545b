"""The repomix command every pack step runs, and the config file it names.

repomix, started without `-c`, loads the first `repomix.config.{ts,mts,cts,js,mjs,cjs,json5,
jsonc,json}` in its working directory, else one in ~/.config/repomix. The `.js`/`.ts` ones are
imported, so a cloned repository's config is code that planning it would run; a `.json` one
can change what the planner sees (`output.removeComments`, `ignore`, `tokenCount.encoding`).
With `-c FILE` repomix reads FILE and nothing else (repomix 1.18.1 config/configLoad.js), so
every pack names twostep's own config: an empty object, repomix's defaults, the same on every
machine.
"""

from __future__ import annotations

from twostep.core.steps import WriteText
from twostep.core.values import Arg, RunPath

CONFIG = RunPath("repomix.config.json")

#: repomix flags for a tree that holds exactly the selected files: git already chose them,
#: so repomix's own ignore rules must not drop any (its defaults skip lock files, .env…), and
#: the order must not depend on git history (the tree is not the repository).
TREE_PACK_FLAGS = ("--no-gitignore", "--no-dot-ignore", "--no-default-patterns",
                   "--no-git-sort-by-changes", "--style", "xml")


def repomix(*args: Arg) -> tuple[Arg, ...]:
    """`repomix -c CONFIG ARGS`: the argv of a pack."""
    return ("repomix", "-c", CONFIG, *args)


def config_step() -> WriteText:
    """Writes CONFIG. It runs again on every resume: a run begun before the file existed (or
    one whose run directory was tidied) still packs with it."""
    return WriteText("repomix-config", CONFIG, "{}", every_time=True,
                     title="twostep's own repomix config, named with -c by every pack: repomix "
                           "then reads no repomix.config.* from the repository (a .js or .ts "
                           "one is code it would run) or from ~/.config/repomix")
