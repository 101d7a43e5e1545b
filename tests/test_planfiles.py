"""Unit tests of the plan -> files resolver, one shape or trap per test, against an in-memory repo."""

from __future__ import annotations

import io
import json

import pytest

from twostep.errors import NothingToExecute
from twostep.planfiles import render_report, require_something, resolve
from twostep.repoview import RepoView

TRACKED = [
    "Makefile", "Dockerfile", "README.md", "go.mod", "go.sum", ".gitignore",
    ".github/workflows/ci.yml",
    "cmd/api/main.go", "cmd/worker/main.go",
    "internal/http-server/handler.go", "internal/http-server/handler_test.go",
    "internal/http-server/router.go", "internal/http-server/middleware/logging.go",
    "internal/grpc-server/handler.go", "internal/grpc-server/server.go",
    "internal/config/config.go",
    "internal/platform/otel.v2/tracer.go",
    "third_party/googleapis@v1.2/google/api/http.proto",
    "pkg/y.go",
    "src/app/app.component.ts", "src/app/app.component.spec.ts",
    "src/routes/blog/[slug]/+page.svelte", "src/routes/(marketing)/pricing/+page.svelte",
    "src/lib/server/db.ts",
    "native/c++/pricing.cc",
    "a/b/c/d/e/f/g/deep.txt",
    "docs/Design Notes.md",
    "deploy/Dockerfile",
    "configs/current.yaml", "docs/shared", "deploy/secrets.yaml",
    "scripts/gen-mocks",
    "tests/test_calc.py",
    "python/acme.core/utils.py",
]
SYMLINKS = {
    "configs/current.yaml": "../internal/config/config.go",  # inside: fine
    "docs/shared": "../../platform-docs",  # a directory outside
    "deploy/secrets.yaml": "/etc/widgets/secrets.yaml",  # a file outside
}
IGNORED = [".env", "node_modules/", "dist/", "coverage.out", "configs/local.yaml"]
UNTRACKED = ["scratch.go", "internal/widget/debug.go"]


@pytest.fixture(scope="module")
def repo() -> RepoView:
    return RepoView.from_paths("/src/widgets", TRACKED, ignored=IGNORED, untracked=UNTRACKED,
                               symlinks=SYMLINKS)


def files(plan: str, repo: RepoView, **kw) -> list[str]:
    return list(resolve(plan, repo, **kw).files)


def refused(plan: str, repo: RepoView) -> dict[str, str]:
    return {r.mention.text: r.reason for r in resolve(plan, repo).refused}


# -- markdown shapes ----------------------------------------------------------------------------

@pytest.mark.parametrize("plan", [
    "Edit `internal/http-server/handler.go` to add the route.",
    "Edit **internal/http-server/handler.go** to add the route.",
    "Edit **`internal/http-server/handler.go`**: add the route.",
    "| File | Change |\n|---|---|\n| internal/http-server/handler.go | add route |",
    "|`internal/http-server/handler.go`|add route|",
    "- internal/http-server/handler.go\n",
    "1. internal/http-server/handler.go — add the route",
    "See [the handler](internal/http-server/handler.go#L10-L20).",
    "See [handler](<internal/http-server/handler.go>) and [x](./internal/http-server/handler.go).",
    "[h]: internal/http-server/handler.go",
    "Edit internal/http-server/handler.go.",
    "Edit (internal/http-server/handler.go), then test.",
    'Edit "internal/http-server/handler.go" now.',
    "Edit `./internal/http-server/handler.go`.",
    "Edit internal\\/http-server/handler.go? no: internal/http\\-server/handler.go",
    "### internal/http-server/handler.go",
    "Edit internal/http-server/handler.go's ServeHTTP.",
    "<code>internal/http-server/handler.go</code>",
    "Rename internal/http-server/handler.go→internal/http-server/h2.go",
])
def test_markdown_shapes(plan, repo):
    assert "internal/http-server/handler.go" in files(plan, repo)


@pytest.mark.parametrize("mention", [
    "internal/http-server/handler.go:42", "internal/http-server/handler.go:42-60",
    "internal/http-server/handler.go:42:7", "internal/http-server/handler.go:L42",
    "internal/http-server/handler.go#L42-L60", "internal/http-server/handler.go:ServeHTTP",
    "internal/http-server/handler.go:(*Server).ServeHTTP", "internal/http-server/handler.go::TestX",
])
@pytest.mark.parametrize("wrap", ["`{}`", "{}", "**{}**", "({})"])
def test_locations(mention, wrap, repo):
    assert files(f"Look at {wrap.format(mention)} first.", repo) == ["internal/http-server/handler.go"]


def test_link_to_url_counts_neither_target_nor_text(repo):
    plan = "Like [pkg/y.go](https://github.com/other/repo/blob/main/pkg/y.go)."
    assert files(plan, repo) == []


def test_percent_encoded_link(repo):
    assert files("See [notes](docs/Design%20Notes.md#tax).", repo) == ["docs/Design Notes.md"]


@pytest.mark.parametrize("path", [
    "internal/platform/otel.v2/tracer.go", "third_party/googleapis@v1.2/google/api/http.proto",
    "src/routes/blog/[slug]/+page.svelte", "src/routes/(marketing)/pricing/+page.svelte",
    "native/c++/pricing.cc", "a/b/c/d/e/f/g/deep.txt", "src/app/app.component.spec.ts",
    "scripts/gen-mocks", ".github/workflows/ci.yml", "python/acme.core/utils.py",
])
@pytest.mark.parametrize("wrap", ["`{}`", "{}", "- {} (modify)"])
def test_directory_and_name_shapes(path, wrap, repo):
    assert files("Change " + wrap.format(path) + ".", repo) == [path]


def test_path_with_spaces_in_backticks(repo):
    assert files("Update `docs/Design Notes.md` (section Tax).", repo) == ["docs/Design Notes.md"]


@pytest.mark.parametrize("plan,expected", [
    ("Update the Makefile target.", ["Makefile"]),
    ("Add a stage to the dockerfile.", ["Dockerfile"]),  # ambiguous? no: exact root file wins
    ("Bump `go.mod`; run `go mod tidy` so go.sum follows.", ["go.mod", "go.sum"]),
    ("The `Makefile`'s `test` target.", ["Makefile"]),
])
def test_files_without_extension_and_root_files(plan, expected, repo):
    assert files(plan, repo) == expected


def test_brace_expansion(repo):
    plan = "Edit `internal/http-server/{handler,router}.go`."
    assert files(plan, repo) == ["internal/http-server/handler.go", "internal/http-server/router.go"]


def test_partial_path_and_aliases(repo):
    assert files("Edit `http-server/router.go`.", repo) == ["internal/http-server/router.go"]
    assert files("Query in `$lib/server/db.ts`.", repo) == ["src/lib/server/db.ts"]
    assert files("Edit `widgets/internal/config/config.go`.", repo) == ["internal/config/config.go"]


# -- bare names and ambiguity -------------------------------------------------------------------

def test_unique_basename_is_selected(repo):
    assert files("Then update `router.go` and tracer.go.", repo) == [
        "internal/http-server/router.go", "internal/platform/otel.v2/tracer.go"]


def test_ambiguous_basename_is_reported_not_guessed(repo):
    res = resolve("Update `handler.go` to log.", repo)
    assert res.files == ()
    [amb] = res.ambiguous
    assert amb.mention.text == "handler.go" and amb.mention.line == 1
    assert amb.candidates == ("internal/grpc-server/handler.go", "internal/http-server/handler.go")


def test_ambiguity_settled_by_the_plan_itself(repo):
    same_line = "In `internal/grpc-server/`, update `handler.go`."
    assert files(same_line, repo) == ["internal/grpc-server/handler.go"]
    heading = "### internal/http-server\n\n- `handler.go`: log\n"
    assert files(heading, repo) == ["internal/http-server/handler.go"]
    nested = "- `internal/grpc-server/`\n  - `handler.go`: log\n"
    assert files(nested, repo) == ["internal/grpc-server/handler.go"]
    sibling = "Update `internal/grpc-server/server.go` and its `handler.go`."
    assert files(sibling, repo) == ["internal/grpc-server/handler.go", "internal/grpc-server/server.go"]
    named = "Update `internal/http-server/handler.go`.\n\nLater, in `handler.go`, log."
    res = resolve(named, repo)
    assert res.files == ("internal/http-server/handler.go",) and not res.ambiguous
    section = "Fix `handler.go`.\n```twostep-files\nmodify: internal/grpc-server/handler.go\n```\n"
    res = resolve(section, repo)
    assert res.files == ("internal/grpc-server/handler.go",) and not res.ambiguous


def test_ambiguous_extensionless_name(repo):
    res = resolve("Update the `Dockerfile` in deploy? no, both: deploy/Dockerfile", repo)
    assert res.files == ("Dockerfile", "deploy/Dockerfile")  # root name is a path: exact


def test_bare_words_are_not_files(repo):
    assert files("Run setup, then main, then build the handler and the config.", repo) == []


# -- never fooled -------------------------------------------------------------------------------

@pytest.mark.parametrize("plan", [
    "See https://github.com/acme/widgets/blob/main/pkg/y.go for the old version.",
    "Import `github.com/acme/x/pkg/y.go`-style helpers from github.com/acme/x/pkg/y.go",
    "Use `go.opentelemetry.io/otel` and go.opentelemetry.io/otel/trace.",
    "Docs at www.example.com/pkg/y.go and <https://example.com/pkg/y.go>.",
    "Node.js, e.g. v1.2.3, I/O, and/or, TCP/IP, Go 1.22, ASP.NET, i.e. client/server.",
    "Mail ops@acme.io or see rxjs.dev/api/operators/catchError.",
    "```go\nimport \"github.com/acme/widgets/pkg/y\"\nCOPY go.mod go.sum ./\nmain.go\n```",
    "Call `fmt.Println` and `req.Context()`; return `http.Handler`.",
    "Routes: `GET /healthz`, `/api/v1/users`, and /login.",
])
def test_not_fooled(plan, repo):
    res = resolve(plan, repo)
    assert res.files == () and res.unresolved == () and res.refused == ()


def test_code_block_counts_full_paths_and_labels(repo):
    plan = ("```go\n// internal/config/config.go\npackage config\n```\n"
            "```diff\n--- a/cmd/api/main.go\n+++ b/cmd/api/main.go\n```\n"
            "```bash\ngo test ./internal/... && cat internal/grpc-server/server.go\n```\n"
            "```ts title=\"src/app/app.component.ts\"\nexport class App {}\n```\n")
    assert files(plan, repo) == ["cmd/api/main.go", "internal/config/config.go",
                                 "internal/grpc-server/server.go", "src/app/app.component.ts"]


def test_tree_in_code_block(repo):
    plan = ("```\ninternal/\n├── http-server/\n│   ├── handler.go      # modify\n"
            "│   └── health.go       (new)\n└── config/\n    └── config.go\n```\n")
    res = resolve(plan, repo)
    assert res.files == ("internal/config/config.go", "internal/http-server/handler.go")
    assert res.create == ("internal/http-server/health.go",)


# -- never selected -----------------------------------------------------------------------------

@pytest.mark.parametrize("mention,reason", [
    ("/etc/passwd", "absolute"), ("/src/widgets/go.mod", "absolute"), ("C:\\Users\\x\\a.go", "absolute"),
    ("../other-repo/main.go", ".."), ("internal/../../etc/x.go", ".."), ("~/.ssh/id_rsa", "home"),
    ("~/.aws/credentials", "home"), ("$HOME/.netrc", "environment"), (".git/config", ".git"),
    (".git/hooks/pre-commit", ".git"), ("./.git/HEAD", ".git"), ("file:///etc/passwd", "file URL"),
    (".env", "ignored"), ("node_modules/lodash/index.js", "ignored"), ("dist/app.js", "ignored"),
    ("coverage.out", "ignored"), ("configs/local.yaml", "ignored"), ("scratch.go", "untracked"),
    ("internal/widget/debug.go", "untracked"), ("debug.go", "untracked"),
    ("deploy/secrets.yaml", "outside"), ("docs/shared/runbook.md", "symbolic link"),
])
@pytest.mark.parametrize("where", ["prose", "code", "section", "create"])
def test_forbidden_is_refused_and_reported(mention, reason, where, repo):
    if where == "create" and mention == "debug.go":  # a new root debug.go is fine: the untracked
        assert resolve(f"Create `{mention}` now.", repo).create == ("debug.go",)  # one is elsewhere
        return
    plan = {
        "prose": f"Also read {mention} please.",
        "code": f"Also read `{mention}`.",
        "section": f"```twostep-files\nread: {mention}\nmodify: go.mod\n```",
        "create": f"Create `{mention}` with the new settings.",
    }[where]
    res = resolve(plan, repo)
    assert all(not f.startswith(("/", "~", "..", ".git/")) for f in res.files)
    assert set(res.files) <= {"go.mod"}
    assert mention.removeprefix("./") in {r.mention.text for r in res.refused}, res.refused
    assert reason in {r.mention.text: r.reason for r in res.refused}[mention.removeprefix("./")]
    assert not any(mention.endswith(c) for c in res.create)


def test_absolute_path_into_repo_gets_a_hint(repo):
    reason = refused("Edit /src/widgets/go.mod.", repo)["/src/widgets/go.mod"]
    assert "write it repo-relative: go.mod" in reason


def test_symlink_inside_repo_is_fine(repo):
    assert files("Read `configs/current.yaml`.", repo) == ["configs/current.yaml"]


def test_gitignore_and_github_are_not_git(repo):
    assert files("Edit `.gitignore` and `.github/workflows/ci.yml`.", repo) == [
        ".github/workflows/ci.yml", ".gitignore"]


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
    assert res.section_present
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
    assert "AI-PLAN.md:3: note: cmd/api/main.go: mentioned in prose but not in files section" in text
    assert "create: internal/http-server/health.go" in text
    assert "unresolved: internal/http-server/nope.go" in text


def test_section_yaml_style_and_unlabeled_fence(repo):
    yaml_style = "```twostep-files\nmodify:\n  - go.mod\n  - cmd/api/main.go\ncreate:\n  - x/new.go\n```"
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
    assert not res.section_present
    assert res.files == ("internal/http-server/router.go",)
    assert res.create == ("internal/http-server/health.go",)


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
    res = resolve("Edit `go.mod`, `cmd/api/main.go` and the Makefile.", repo, patterns=["**/*.go", "go.mod"])
    assert res.files == ("cmd/api/main.go", "go.mod")
    assert [r.mention.text for r in res.excluded] == ["Makefile"]


# -- output -------------------------------------------------------------------------------------

def test_files_are_sorted_unique_and_lines_kept(repo):
    res = resolve("`go.mod`\n\n`Makefile` and go.mod again\n", repo)
    assert res.files == ("Makefile", "go.mod")
    assert res.lines["go.mod"] == (1, 3)


def test_to_json(repo):
    data = json.loads(resolve(SECTION_PLAN + "\nSee `/etc/passwd` and `handler.go`.", repo).to_json())
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
    render_report(resolve("Read `/etc/passwd`, `handler.go` and `nope/x.go`.", repo), err, plan_name="P.md")
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
    assert resolve("Tests go in a new `internal/x_test.go`.", repo).create == ("internal/x_test.go",)
    split = "Export it from `go.mod`? no (create\n`internal/x/y.go`) instead."
    assert resolve(split, repo).create == ("internal/x/y.go",)


def test_markdown_wrapped_plan(repo):
    plan = "```markdown\n# Plan\n\nEdit `router.go` and the Makefile.\n```go\n// cmd/api/main.go\n```\n```\n"
    assert files(plan, repo) == ["Makefile", "cmd/api/main.go", "internal/http-server/router.go"]


def test_readme_without_extension(repo):
    assert files("Finally, update the README.", repo) == ["README.md"]


def test_markdown_list_tree(repo):
    plan = "- internal/\n  - grpc-server/\n    - handler.go (log)\n"
    assert files(plan, repo) == ["internal/grpc-server/handler.go"]


def test_directory_named_by_its_last_components(repo):
    assert files("In `grpc-server`, update `handler.go`.", repo) == ["internal/grpc-server/handler.go"]


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
