#!/usr/bin/env bash
# recipe: go (go)
# strategy: small
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

# === plan: the planner (gemini gemini-2.5-pro) writes AI-PLAN.md
mkdir -p -- "$RUN"/empty "$RUN"/gemini-home/.gemini
# headless gemini settings, isolated from ~/.gemini
printf '%s' '{"general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false, "maxAttempts": 2}, "privacy": {"usageStatisticsEnabled": false}, "security": {"auth": {"selectedType": "gemini-api-key"}}, "telemetry": {"enabled": false}}' > "$RUN"/gemini-home/.gemini/settings.json
# gemini loads the first .env up from its cwd: an empty one keeps the repository's .env (say, a GOOGLE_GEMINI_BASE_URL) out of it
printf '%s' '' > "$RUN"/empty/.env
# refuse input the planner cannot take whole
twostep fit --role planner --cli gemini --budget 983040 --pack-log "$RUN"/codebase.log --prompt-chars 892 -- "$RUN"/spec.md "$RUN"/codebase.xml
# fingerprint the work tree: the planner must leave it as it is
twostep snapshot -o "$RUN"/planner-before.state
# spec + pack on stdin, prompt as -p (gemini puts stdin first)
cat -- "$RUN"/spec.md "$RUN"/codebase.xml | (cd "$RUN"/empty && GEMINI_CLI_HOME="$RUN"/gemini-home GEMINI_CLI_TRUST_WORKSPACE=true exec gemini -p 'You are the planner in a two-step Plan -> Execute workflow. Above you have the feature
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
' -m gemini-2.5-pro -o json 2> "$RUN"/planner.log) > "$RUN"/planner.json
# the planner call's tokens and cost, for the ledger
twostep usage --role planner --cli gemini --model gemini-2.5-pro --step planner -o "$RUN"/planner.usage.json "$RUN"/planner.json
# a planner that changed the repository fails (exit 7), whatever its CLI
twostep untouched "$RUN"/planner-before.state
# an empty or failed reply never replaces an existing plan
twostep accept-plan --cli gemini "$RUN"/planner.json -o AI-PLAN.md --keep "$RUN"/plan.md

# === review: proceed, view or edit the plan, see the files sent, or abort
# asks on the terminal; pass --yes to skip
twostep gate AI-PLAN.md --pack-list "$RUN"/codebase.files

# === execute: the executor (claude sonnet) edits, given the whole pack
# refuse input the executor cannot take
twostep fit --role executor --cli claude --budget 168000 --pack-log "$RUN"/codebase.log --prompt-chars 340 -- AI-PLAN.md "$RUN"/codebase.xml
# claude reads every @path in its input: refuse untracked or outside files
twostep guard -- AI-PLAN.md "$RUN"/codebase.xml
# fingerprint the work tree, to prove the executor changed it
twostep snapshot -o "$RUN"/before.state
# prompt, then plan + files on stdin (claude puts the prompt first)
cat -- AI-PLAN.md "$RUN"/codebase.xml | CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_MAX_RETRIES=2 claude -p 'You are the executor in a two-step Plan -> Execute workflow. Below is the implementation
plan, followed by a repomix pack of the code it concerns. Implement the plan completely by
editing the files in the current working directory. Follow the plan; do not ask
questions; do not commit. When done, reply with a short summary of the changes.
' --model sonnet --permission-mode acceptEdits --output-format json --no-session-persistence --max-turns 60 --allowedTools 'Read,Glob,Grep,Edit(./**)' --setting-sources user --strict-mcp-config 2> "$RUN"/executor.log > "$RUN"/executor.json
# the executor call's tokens and cost, for the ledger
twostep usage --role executor --cli claude --model sonnet --step executor -o "$RUN"/executor.usage.json "$RUN"/executor.json
# claude exits 0 on API errors and refused edits: read its verdict
twostep check-exec --cli claude "$RUN"/executor.json
# no change in the work tree is a failure, not a success
twostep changed "$RUN"/before.state

# === verify: the recipe's checks
go build ./... >&2
go test ./... >&2
