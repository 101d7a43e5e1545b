"""Unit tests of the plan -> files resolver: the `twostep-files` section, files to create,
the JSON and stderr report, and shapes added after the first corpus round."""

from __future__ import annotations

import io
import json

import pytest

from tests.support.planfiles_world import files
from twostep.errors import NothingToExecute
from twostep.planfiles import render_report, require_something, resolve

# -- the files section --------------------------------------------------------------------------

SECTION_PLAN = """\
# Plan

Change `internal/http-server/router.go` and cmd/api/main.go; also read `go.mod`.

```twostep-files
modify: internal/http-server/router.go
- edit: `internal/config/config.go`   # tolerant: bullets, backticks, comments, synonyms
read: go.mod
create: internal/http-server/health.go
create: Makefile
delete: internal/grpc-server/server.go
modify: internal/http-server/nope.go
this line is not an action
```
"""


def test_files_section(repo):
    res = resolve(SECTION_PLAN, repo)
    assert res.section_present and res.fallback == ""
    assert res.files == ("Makefile", "cmd/api/main.go", "go.mod", "internal/config/config.go",
                         "internal/grpc-server/server.go", "internal/http-server/router.go")
    assert res.create == ("internal/http-server/health.go",)
    assert res.delete == ("internal/grpc-server/server.go",)
    kinds = {(d.path, d.kind) for d in res.discrepancies}
    assert ("cmd/api/main.go", "prose-only") in kinds
    assert ("Makefile", "create-exists") in kinds
    assert ("this line is not an action", "section-syntax") in kinds
    assert [u.mention.text for u in res.unresolved] == ["internal/http-server/nope.go"]
    err = io.StringIO()
    render_report(res, err, plan_name="AI-PLAN.md")
    text = err.getvalue()
    assert ("AI-PLAN.md:3: note: cmd/api/main.go: mentioned in prose but not in files section"
            in text)
    assert "create: internal/http-server/health.go" in text
    assert "unresolved: internal/http-server/nope.go" in text
    assert text.endswith("(files section used)\n")


def test_section_yaml_style_and_unlabeled_fence(repo):
    yaml_style = ("```twostep-files\nmodify:\n  - go.mod\n  - cmd/api/main.go\n"
                  "create:\n  - x/new.go\n```")
    res = resolve(yaml_style, repo)
    assert res.files == ("cmd/api/main.go", "go.mod") and res.create == ("x/new.go",)
    unlabeled = "Files:\n```\nmodify: go.mod\nread: Makefile\n```"
    res = resolve(unlabeled, repo)
    assert res.section_present and res.files == ("Makefile", "go.mod")


def test_section_glob(repo):
    res = resolve("```twostep-files\nread: internal/http-server/*.go\n```", repo)
    assert res.files == ("internal/http-server/handler.go", "internal/http-server/handler_test.go",
                         "internal/http-server/router.go")


def test_prose_fallback_without_section(repo):
    res = resolve("Create `internal/http-server/health.go`; wire it in router.go.", repo)
    assert not res.section_present and res.fallback == "no twostep-files block"
    assert res.files == ("internal/http-server/router.go",)
    assert res.create == ("internal/http-server/health.go",)
    err = io.StringIO()
    render_report(res, err)
    assert err.getvalue().endswith("(fallback: no twostep-files block; read the prose)\n")


def test_prose_fallback_when_the_section_lists_no_file(repo):
    res = resolve("Edit `go.mod`.\n\n```twostep-files\ntask 1: Bump it\n```\n", repo)
    assert res.section_present and res.files == ("go.mod",)
    assert res.fallback == "the twostep-files block lists no file"
    assert json.loads(res.to_json())["fallback"] == res.fallback


@pytest.mark.parametrize("plan,created", [
    ("## New files\n\n- `internal/http-server/health.go`\n", "internal/http-server/health.go"),
    ("| `internal/x/y.go` | **new** |", "internal/x/y.go"),
    ("Add `health_test.go` in `internal/http-server/`.", "internal/http-server/health_test.go"),
    ("Move `cmd/api/main.go` to `cmd/server/main.go`.", "cmd/server/main.go"),
])
def test_creates_from_prose(plan, created, repo):
    assert created in resolve(plan, repo).create


def test_missing_file_without_create_intent_is_unresolved_with_suggestion(repo):
    res = resolve("Fix the bug in `internal/http/router.go`.", repo)
    [u] = res.unresolved
    assert u.mention.text == "internal/http/router.go"
    assert u.suggestions == ("internal/http-server/router.go",)


def test_patterns_restrict_and_report(repo):
    res = resolve("Edit `go.mod`, `cmd/api/main.go` and the Makefile.", repo,
                  patterns=["**/*.go", "go.mod"])
    assert res.files == ("cmd/api/main.go", "go.mod")
    assert [r.mention.text for r in res.excluded] == ["Makefile"]


# -- output -------------------------------------------------------------------------------------

def test_files_are_sorted_unique_and_lines_kept(repo):
    res = resolve("`go.mod`\n\n`Makefile` and go.mod again\n", repo)
    assert res.files == ("Makefile", "go.mod")
    assert res.lines["go.mod"] == (1, 3)


def test_to_json(repo):
    data = json.loads(resolve(SECTION_PLAN + "\nSee `/etc/passwd` and `handler.go`.",
                              repo).to_json())
    assert data["files_section"] is True
    assert "internal/http-server/router.go" in data["files"]
    assert data["create"] == ["internal/http-server/health.go"]
    assert data["refused"][0] == {"mention": "/etc/passwd", "line": 16, "source": "code",
                                  "reason": "absolute path (outside the repository)"}
    assert data["ambiguous"][0]["candidates"] == ["internal/grpc-server/handler.go",
                                                  "internal/http-server/handler.go"]
    assert {"files", "create", "delete", "unresolved", "ambiguous", "refused", "excluded",
            "discrepancies", "lines"} <= set(data)


def test_report_lines(repo):
    err = io.StringIO()
    render_report(resolve("Read `/etc/passwd`, `handler.go` and `nope/x.go`.", repo), err,
                  plan_name="P.md")
    lines = err.getvalue().splitlines()
    assert lines[0] == "P.md:1: refused: /etc/passwd: absolute path (outside the repository)"
    assert lines[1].startswith("P.md:1: unresolved: nope/x.go: ")
    assert lines[2].startswith("P.md:1: ambiguous: handler.go: matches 2 tracked files")
    assert lines[-1].startswith("twostep files: 0 file(s) selected, 0 to create, 1 refused")


def test_nothing_named_stops(repo):
    plan = "I need more information. See https://go.dev/doc and `github.com/acme/x/pkg/y.go`."
    res = resolve(plan, repo)
    assert res.nothing
    with pytest.raises(NothingToExecute) as exc:
        require_something(res, "AI-PLAN.md")
    assert exc.value.exit_code == 11
    assert "AI-PLAN.md" in str(exc.value) and "twostep-files" in exc.value.hint
    require_something(resolve("Create `x/new.go`.", repo), "AI-PLAN.md")  # a create is something
    require_something(resolve("Read go.mod.", repo), "AI-PLAN.md")


def test_unclosed_fence_and_empty_plan(repo):
    assert files("", repo) == []
    assert files("Intro\n```go\n// cmd/api/main.go\nfunc main() {}\n", repo) == ["cmd/api/main.go"]


# -- context, intent and wrappers added after the first corpus round -----------------------------

def test_create_intent_is_positional(repo):
    typo = resolve("Add validation to `internal/http-server/handlers.go`.", repo)
    assert typo.create == () and [u.mention.text for u in typo.unresolved] == [
        "internal/http-server/handlers.go"]
    assert typo.unresolved[0].suggestions == ()  # no tracked handlers.go anywhere
    assert resolve("Add `internal/http-server/health.go`.", repo).create == (
        "internal/http-server/health.go",)
    created = resolve("Tests go in a new `internal/x_test.go`.", repo).create
    assert created == ("internal/x_test.go",)
    split = "Export it from `go.mod`? no (create\n`internal/x/y.go`) instead."
    assert resolve(split, repo).create == ("internal/x/y.go",)


def test_markdown_wrapped_plan(repo):
    plan = ("```markdown\n# Plan\n\nEdit `router.go` and the Makefile.\n"
            "```go\n// cmd/api/main.go\n```\n```\n")
    assert files(plan, repo) == ["Makefile", "cmd/api/main.go", "internal/http-server/router.go"]


def test_readme_without_extension(repo):
    assert files("Finally, update the README.", repo) == ["README.md"]


def test_markdown_list_tree(repo):
    plan = "- internal/\n  - grpc-server/\n    - handler.go (log)\n"
    assert files(plan, repo) == ["internal/grpc-server/handler.go"]


def test_directory_named_by_its_last_components(repo):
    assert files("In `grpc-server`, update `handler.go`.", repo) == [
        "internal/grpc-server/handler.go"]


def test_sibling_context_stays_on_its_line(repo):
    plan = "Update `internal/grpc-server/server.go`.\nThen fix `handler.go` too."
    res = resolve(plan, repo)
    assert res.files == ("internal/grpc-server/server.go",) and len(res.ambiguous) == 1


def test_root_name_that_also_exists_deeper_is_noted(repo):
    res = resolve("Add a stage to the Dockerfile.", repo)
    assert res.files == ("Dockerfile",)
    [note] = [d for d in res.discrepancies if d.kind == "root-name"]
    assert "1 other tracked file" in note.message


def test_italics_and_footnotes(repo):
    assert files("_internal/config/config.go_ and internal/grpc-server/server.go*", repo) == [
        "internal/config/config.go", "internal/grpc-server/server.go"]


def test_crlf_and_windows_separators(repo):
    plan = "1. Open internal\\http-server\\router.go\r\n2. And `cmd\\api\\main.go`\r\n"
    assert files(plan, repo) == ["cmd/api/main.go", "internal/http-server/router.go"]
