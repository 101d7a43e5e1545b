"""Which tracked files a plan (AI-PLAN.md) refers to: the files twostep may send to the executor.

Public API (the CLI's `twostep files` and the executor step use only this):

    resolve(plan_text, repo, patterns=()) -> Resolution
    render_report(resolution, err_stream, plan_name="AI-PLAN.md")   # the stderr report
    require_something(resolution, plan_path)                        # raises NothingToExecute

How it decides (details in scan, resolve, answer, intent, paths):

* The plan is read as CommonMark (markdown-it-py, shared with twostep.tasks) and cut into
  candidates: files-section entries (```twostep-files blocks of `ACTION: PATH` lines, ACTION in
  read|modify|create|delete), link targets (`[x](pkg/a.go#L10-L20)`), code spans, file trees in
  code blocks, prose words, and tokens inside other code blocks. A plan wrapped in ```markdown is
  read as markdown.
* A candidate that is a tracked path is selected, after stripping markdown and locations
  (`:42`, `:Symbol`, `::test`, `#L10`), a leading `./`, and expanding `{a,b}`. A name that is a
  root file ("Makefile", "Cargo.toml") is that file, with a note when the name also exists deeper.
  A partial path or bare name is selected only when exactly one tracked file ends with it;
  otherwise the plan itself must say which (its files section, a directory named on the same
  line, paragraph, parent list item or heading, a sibling file named on the same line), or it is
  reported as ambiguous and not selected. Code blocks count only full paths and their labels.
* URLs and paths under a host name (github.com/..., go.opentelemetry.io/...) are never resolved.
* Never selected, and reported as refused: absolute, `~`, `$VAR` and `..` paths, `.git/`,
  untracked or ignored files, symlinks whose target is outside the repository or untracked,
  paths inside submodules or beyond symlinked directories.
* With a files section, its read/modify/delete entries are selected and its creates reported;
  tracked files the prose names but the section forgot are still selected (the executor needs
  them) and reported as "mentioned in prose but not in files section". Entries that do not exist
  are unresolved. Without a section, a missing path is a file to create when the words around it
  say so ("Create `x.go`", "`x.go` (new)", a "New files" heading), else it is unresolved: "Add a
  method to `handlers.go`" names a file that should exist.
* Without a section that lists files, the prose is a reported fallback: `Resolution.fallback`
  says why (no twostep-files block, or one that lists no file), as does the report's summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from twostep.errors import NothingToExecute
from twostep.planfiles.answer import build_resolution
from twostep.planfiles.repoview import RepoView
from twostep.planfiles.resolve import Resolver
from twostep.planfiles.result import (
    Ambiguous,
    Discrepancy,
    Mention,
    Refused,
    Resolution,
    Unresolved,
)
from twostep.planfiles.scan import SECTION_INFO, scan

__all__ = [
    "SECTION_INFO",
    "Ambiguous",
    "Discrepancy",
    "Mention",
    "Refused",
    "RepoView",
    "Resolution",
    "Unresolved",
    "render_report",
    "require_something",
    "resolve",
]


def resolve(plan_text: str, repo: RepoView, *, patterns: Sequence[str] = ()) -> Resolution:
    """Resolve the files a plan names against the repository. `patterns` (globs from the recipe,
    e.g. "**/*.go") restrict the selection; files they leave out are listed in `excluded`."""
    return build_resolution(Resolver(repo, scan(plan_text), patterns).run())


def render_report(resolution: Resolution, err_stream: TextIO, *, plan_name: str = "plan") -> None:
    """Write what was not selected, and why, as `PLAN:LINE: kind: path: reason` lines, then a
    one-line summary. Nothing is written about files that were simply selected."""
    out = []
    for r in resolution.refused:
        out.append(_line(plan_name, r.mention, "refused", r.reason))
    for u in resolution.unresolved:
        hint = f"; did you mean {' or '.join(u.suggestions)}?" if u.suggestions else ""
        out.append(_line(plan_name, u.mention, "unresolved", u.reason + hint))
    for a in resolution.ambiguous:
        why = (f"matches {len(a.candidates)} tracked files ({', '.join(a.candidates)}); "
               "name the full path")
        out.append(_line(plan_name, a.mention, "ambiguous", why))
    for r in resolution.excluded:
        out.append(_line(plan_name, r.mention, "skipped", r.reason))
    for d in resolution.discrepancies:
        out.append(f"{plan_name}:{d.line}: note: {d.path}: {d.message}")
    for path in resolution.create:
        line = resolution.lines.get(path, (0,))[0]
        out.append(f"{plan_name}:{line}: create: {path}")
    out.append(_summary(resolution))
    err_stream.write("".join(line + "\n" for line in out))


def require_something(resolution: Resolution, plan_path: str) -> None:
    """Stop before the executor runs when the plan names nothing to read, change or create."""
    if not resolution.nothing:
        return
    dropped = len(resolution.refused) + len(resolution.unresolved) + len(resolution.ambiguous)
    detail = (f" ({dropped} mention(s) refused, unresolved or ambiguous; see above)"
              if dropped else "")
    raise NothingToExecute(
        f"{plan_path} names no tracked file and no file to create{detail}; nothing to execute",
        hint=f"edit {plan_path} to name repo-relative paths, ideally in a ```{SECTION_INFO} block "
             "(`modify: path/to/file`), or re-run the planner",
    )


def _line(plan: str, m: Mention, kind: str, why: str) -> str:
    return f"{plan}:{m.line}: {kind}: {m.text}: {why}"


def _summary(r: Resolution) -> str:
    parts = [f"{len(r.files)} file(s) selected", f"{len(r.create)} to create"]
    for name, items in (("refused", r.refused), ("unresolved", r.unresolved),
                        ("ambiguous", r.ambiguous), ("skipped", r.excluded)):
        if items:
            parts.append(f"{len(items)} {name}")
    source = f"fallback: {r.fallback}; read the prose" if r.fallback else "files section used"
    return f"twostep files: {', '.join(parts)} ({source})"
