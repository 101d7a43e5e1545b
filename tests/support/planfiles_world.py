"""The in-memory repository the plan resolver's unit tests share (tests/unit/planfiles/conftest.py
makes it their `repo` fixture), and two helpers."""

from __future__ import annotations

from twostep.planfiles import resolve
from twostep.planfiles.repoview import RepoView

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


def world() -> RepoView:
    return RepoView.from_paths("/src/widgets", TRACKED, ignored=IGNORED, untracked=UNTRACKED,
                               symlinks=SYMLINKS)


def files(plan: str, repo: RepoView, **kw) -> list[str]:
    return list(resolve(plan, repo, **kw).files)


def refused(plan: str, repo: RepoView) -> dict[str, str]:
    return {r.mention.text: r.reason for r in resolve(plan, repo).refused}
