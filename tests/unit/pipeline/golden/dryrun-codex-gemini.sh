#!/usr/bin/env bash
# recipe: go, codex → gemini
set -euo pipefail
# Run it from anywhere inside the repository; twostep must be on PATH.
cd "$(git rev-parse --show-toplevel)"
command -v twostep >/dev/null || { echo 'twostep is not on PATH' >&2; exit 127; }
RUN="$PWD/.twostep/runs/fixed-id"
mkdir -p -- "$RUN"
# .twostep/ keeps itself out of git; no tracked file is edited for that.
printf '*\n' > .twostep/.gitignore

# === prepare: run directory and spec
# keep the spec with the run
cp -- /specs/SPEC.md "$RUN"/spec.md

# === pack: pack the codebase
# pack the codebase (twostep run reuses an identical earlier pack)
# tracked files the codebase pathspecs select
git ls-files -z -- '*.go' go.mod Makefile > "$RUN"/codebase.files
# hard-link exactly those files into a tree (directory-mode repomix is fast)
twostep linktree "$RUN"/codebase-tree < "$RUN"/codebase.files
# pack them with repomix (summary and token count in codebase.log)
(cd "$RUN"/codebase-tree && exec repomix . --no-gitignore --no-dot-ignore --no-default-patterns --no-git-sort-by-changes --style xml -o "$RUN"/codebase.xml) > "$RUN"/codebase.log
rm -rf -- "$RUN"/codebase-tree

# === plan: the planner (codex gpt-5.5) writes AI-PLAN.md
# codex's private home (it must exist) and working directory
mkdir -p -- "$RUN"/codex-home "$RUN"/empty
# refuse input the planner cannot take whole
twostep fit --role planner --cli codex --budget 240000 --pack-log "$RUN"/codebase.log --prompt-chars 892 -- "$RUN"/spec.md "$RUN"/codebase.xml
# fingerprint the work tree: the planner must leave it as it is
twostep snapshot -o "$RUN"/planner-before.state
# prompt as the argument, spec + pack on stdin (codex wraps it in <stdin>)
cat -- "$RUN"/spec.md "$RUN"/codebase.xml | (cd "$RUN"/empty && CODEX_HOME="$RUN"/codex-home TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}" exec codex exec -m gpt-5.5 -C "$RUN"/empty -s read-only --disable shell_tool --disable goals -c 'web_search="disabled"' -c model_provider=twostep -c "model_providers.twostep={name=\"twostep\",base_url=\"${OPENAI_BASE_URL:-"https://api.openai.com/v1"}\",env_key=\"TWOSTEP_CODEX_API_KEY\",wire_api=\"responses\",request_max_retries=2,stream_max_retries=2,stream_idle_timeout_ms=120000}" --disable unbounded_connection_retries --disable plugins -c analytics.enabled=false --ephemeral --ignore-user-config --ignore-rules --skip-git-repo-check -c project_doc_max_bytes=0 --json -o "$RUN"/planner.last.md -- 'You are the planner in a two-step Plan -> Execute workflow. Below you have the feature
specification, followed by a repomix pack of the codebase (each file inside
<file path="..."> tags).

Write a precise, step-by-step implementation plan in Markdown for another engineer (an AI
coding agent) who will implement it without asking questions. For each step name the
files involved by their exact repository-relative paths in backticks, the functions or
types to change, and the tests to add or update. Do not write the full implementation.

End the plan with a fenced code block whose info string is `twostep-files` that lists
every file the executor must read, modify, create or delete, one per line, as
`ACTION: path` (ACTION is read, modify, create or delete), for example:

```twostep-files
modify: src/app/handler.go
create: src/app/handler_test.go
read: go.mod
```

Output only the plan.
' 2> "$RUN"/planner.log) > "$RUN"/planner.jsonl
# the planner call's tokens and cost, for the ledger
twostep usage --role planner --cli codex --model gpt-5.5 --step planner -o "$RUN"/planner.usage.json "$RUN"/planner.jsonl
# a planner that changed the repository fails (exit 7), whatever its CLI
twostep untouched "$RUN"/planner-before.state
# an empty or failed reply never replaces an existing plan
twostep accept-plan --cli codex "$RUN"/planner.jsonl -o AI-PLAN.md --keep "$RUN"/plan.md

# === execute: the executor (gemini gemini-2.5-pro) edits, given the whole pack
mkdir -p -- "$RUN"/gemini-exec-home/.gemini
# headless gemini settings, isolated from ~/.gemini
printf '%s' '{"advanced": {"excludedEnvVars": ["GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "GOOGLE_APPLICATION_CREDENTIALS", "GEMINI_MODEL", "GEMINI_CLI_HOME", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "NODE_OPTIONS"]}, "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false, "maxAttempts": 2}, "privacy": {"usageStatisticsEnabled": false}, "security": {"auth": {"selectedType": "gemini-api-key"}}, "telemetry": {"enabled": false}}' > "$RUN"/gemini-exec-home/.gemini/settings.json
# refuse input the executor cannot take
twostep fit --role executor --cli gemini --budget 983040 --pack-log "$RUN"/codebase.log --prompt-chars 340 -- AI-PLAN.md "$RUN"/codebase.xml
# fingerprint the work tree, to prove the executor changed it
twostep snapshot -o "$RUN"/before.state
# plan + files on stdin, prompt as -p; edits confined to the repository
cat -- AI-PLAN.md "$RUN"/codebase.xml | GEMINI_CLI_HOME="$RUN"/gemini-exec-home GEMINI_CLI_TRUST_WORKSPACE=true gemini -p 'You are the executor in a two-step Plan -> Execute workflow. Above is the implementation
plan, followed by a repomix pack of the code it concerns. Implement the plan completely by
editing the files in the current working directory. Follow the plan; do not ask
questions; do not commit. When done, reply with a short summary of the changes.
' -m gemini-2.5-pro -o json --approval-mode auto_edit 2> "$RUN"/executor.log > "$RUN"/executor.json
# the executor call's tokens and cost, for the ledger
twostep usage --role executor --cli gemini --model gemini-2.5-pro --step executor -o "$RUN"/executor.usage.json "$RUN"/executor.json
# gemini exits 0 on API errors and refused edits: read its verdict
twostep check-exec --cli gemini "$RUN"/executor.json
# no change in the work tree is a failure, not a success
twostep changed "$RUN"/before.state

# === verify: the recipe's checks
go build ./... >&2
go test ./... >&2
