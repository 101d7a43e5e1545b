"""Does the plan say to create the file it names here? Read from the words around the mention.

Only asked about paths that do not exist: an existing path is selected whatever the words say. The
answer separates "a file to create" from "a path the planner got wrong" (reported unresolved), so
"Add `x_test.go`" creates while "Add validation to `handlers.go`" names a file that should exist.
"""

from __future__ import annotations

import re

# (new), **NEW**, [new], "new file", a line starting with "New", a create word right after the path
_STRONG = re.compile(r"(?i)\(\s*(?:new|new file|created?|to create)\s*\)|\[\s*new\s*\]"
                     r"|\*\*\s*new\s*\*\*|\bnew files?\b|(?-i:\bNEW\b)|^\W*new\b")
_VERB = re.compile(r"(?i)\b(?:creat(?:e|es|ed|ing)|add(?:s|ed|ing)?|introduc\w*|scaffold\w*|"
                   r"generat\w*|writ(?:e|es|ing))\b")
_MOVE = re.compile(r"(?i)\b(?:renam|mov)(?:e|es|ed|ing)\b")
# A preposition between the verb and the path means the path is where things are added:
# "add a method to `store.go`", "create a helper in `util.go`".
_PREPOSITION = re.compile(r"(?i)\b(?:to|in|into|inside|within|from|of|on|at|for|under|with|next)\b")
_NEW_BEFORE = re.compile(r"(?i)\bnew\s+(?:[\w-]+\s+){0,2}$")
_AFTER = re.compile(r"(?i)^[\s*_:—–\-(]{0,6}(?:new|create[sd]?|added)\b")
_CELL = re.compile(r"(?i)^[\s*_`]*(?:new|create[sd]?|add(?:ed)?)[\s*_`.!]*$")
HEADING = re.compile(r"(?i)\b(new|creat\w*|add\w*)\b[^.]*\bfiles?\b"
                     r"|\bfiles?\b[^.]*\bto\s+(create|add)\b|^\W*(new|create)\W*$")
TREE_NOTE = re.compile(r"(?i)\bnew\b|\bcreat\w*|\badded\b")


def says_create(line: str, start: int, end: int, lead: str = "") -> bool:
    """`line` is the prose of one plan line (code spans and links blanked out, same length);
    the mention occupies line[start:end]; `lead` is the previous line of the same paragraph."""
    if _STRONG.search(line) or _MOVE.search(line):
        return True
    if line.lstrip().startswith("|") and any(_CELL.match(c) for c in line.split("|")):
        return True
    before = lead + " " + line[:start]
    if _NEW_BEFORE.search(before) or _AFTER.match(line[end:]):
        return True
    verbs = list(_VERB.finditer(before))
    return bool(verbs) and not _PREPOSITION.search(before[verbs[-1].end():])
