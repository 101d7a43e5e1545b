"""Unit tests of the plan -> files resolver, one shape or trap per test, against an in-memory repo:
markdown shapes, bare names, traps and refusals. The files section, creation and the report
are in test_planfiles_section.py."""

from __future__ import annotations

import pytest

from tests.support.planfiles_world import files, refused
from twostep.planfiles import resolve

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
    assert files(f"Look at {wrap.format(mention)} first.", repo) == [
        "internal/http-server/handler.go"]


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
    assert files(plan, repo) == ["internal/http-server/handler.go",
                                 "internal/http-server/router.go"]


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
    assert files(sibling, repo) == ["internal/grpc-server/handler.go",
                                    "internal/grpc-server/server.go"]
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
    ("/etc/passwd", "absolute"), ("/src/widgets/go.mod", "absolute"),
    ("C:\\Users\\x\\a.go", "absolute"),
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
