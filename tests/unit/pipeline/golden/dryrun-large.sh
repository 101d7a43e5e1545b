#!/usr/bin/env bash
# recipe: go (go)
# strategy: large
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

# === pack: the planner's input in tiers: a map of every file, the most relevant in full text, the next compressed
# every tracked file the codebase pathspecs select
git ls-files -z -- '*.go' go.mod Makefile > "$RUN"/selected.files
# the spec's terms as rg pattern files: code names to find where they are defined, names and words to find where they are mentioned
twostep patterns "$RUN"/spec.md --language go --definitions "$RUN"/definitions.pat --mentions "$RUN"/mentions.pat
# rg: the files that define a name the spec uses (go definitions)
{ xargs -0 -r rg --no-config --no-ignore --hidden --null --no-heading --no-line-number --with-filename --only-matching --color never --replace '$1$2$3' --file "$RUN"/definitions.pat -- || [[ $? =~ ^(123)$ ]]; } < "$RUN"/selected.files > "$RUN"/definitions.hits
# rg: the files that mention the spec's terms (whole words)
{ xargs -0 -r rg --no-config --no-ignore --hidden --null --no-heading --no-line-number --with-filename --only-matching --color never --word-regexp --fixed-strings --file "$RUN"/mentions.pat -- || [[ $? =~ ^(123)$ ]]; } < "$RUN"/selected.files > "$RUN"/mentions.hits
# rank the files: definitions over mentions, rare terms over common ones, files the spec names first (ties by path: no order or timing matters)
twostep relevant "$RUN"/spec.md --language go --definitions "$RUN"/definitions.hits --mentions "$RUN"/mentions.hits < "$RUN"/selected.files > "$RUN"/ranked.tsv
# fill the planner's budget: the map of every path first, then full text, then compressed (which file went where, and why, in tiers.json and on stderr)
twostep tiers --recipe go --spec "$RUN"/spec.md --ranked "$RUN"/ranked.tsv --full "$RUN"/full.files --compressed "$RUN"/compressed.files --map "$RUN"/map.txt --sent "$RUN"/slice.files --report "$RUN"/tiers.json < "$RUN"/selected.files
# repomix: the most relevant files (and the recipe's slice) in full text (an empty tier packs nothing)
if [ -s "$RUN"/full.files ]; then
  repomix --stdin --no-gitignore --no-dot-ignore --no-default-patterns --no-git-sort-by-changes --style xml -o "$RUN"/full.xml < "$RUN"/full.files > "$RUN"/full.log
else
  : > "$RUN"/full.xml
fi
# repomix --compress: the next files compressed: signatures and structure (an empty tier packs nothing)
if [ -s "$RUN"/compressed.files ]; then
  repomix --stdin --no-gitignore --no-dot-ignore --no-default-patterns --no-git-sort-by-changes --style xml --compress -o "$RUN"/compressed.xml < "$RUN"/compressed.files > "$RUN"/compressed.log
else
  : > "$RUN"/compressed.xml
fi
# fit by the real size: if repomix's counts are over the budget, take the least relevant files out of the compressed pack (they stay in the map)
twostep trim-tiers --recipe go --spec "$RUN"/spec.md --map "$RUN"/map.txt --report "$RUN"/tiers.json --sent "$RUN"/slice.files "$RUN"/full.log "$RUN"/full.xml "$RUN"/compressed.log "$RUN"/compressed.xml
# the planner's input: the map, the full-text pack, the compressed pack
cat -- "$RUN"/map.txt "$RUN"/full.xml "$RUN"/compressed.xml > "$RUN"/slice.xml

# === plan: the planner (gemini gemini-2.5-pro) writes AI-PLAN.md
mkdir -p -- "$RUN"/empty "$RUN"/gemini-home/.gemini
# headless gemini settings, isolated from ~/.gemini
printf '%s' '{"general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false, "maxAttempts": 2}, "privacy": {"usageStatisticsEnabled": false}, "security": {"auth": {"selectedType": "gemini-api-key"}}, "telemetry": {"enabled": false}}' > "$RUN"/gemini-home/.gemini/settings.json
# gemini loads the first .env up from its cwd: an empty one keeps the repository's .env (say, a GOOGLE_GEMINI_BASE_URL) out of it
printf '%s' '' > "$RUN"/empty/.env
# refuse input the planner cannot take whole
twostep fit --role planner --cli gemini --budget 983040 --pack-log "$RUN"/full.log --pack-log "$RUN"/compressed.log --counted "$RUN"/full.xml --counted "$RUN"/compressed.xml --prompt-chars 892 -- "$RUN"/spec.md "$RUN"/slice.xml
# fingerprint the work tree: the planner must leave it as it is
twostep snapshot -o "$RUN"/planner-before.state
# spec + pack on stdin, prompt as -p (gemini puts stdin first)
cat -- "$RUN"/spec.md "$RUN"/slice.xml | (cd "$RUN"/empty && GEMINI_CLI_HOME="$RUN"/gemini-home GEMINI_CLI_TRUST_WORKSPACE=true exec gemini -p 'You are the planner in a two-step Plan -> Execute workflow. Above you have the feature
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
twostep gate AI-PLAN.md --recipe go

# === execute: the executor (claude sonnet) edits, given the plan's files
# the tracked files the plan names (refusals and misses on stderr)
twostep files AI-PLAN.md --recipe go > "$RUN"/plan-files.txt
# pack them (a plan that only creates files packs nothing)
if [ -s "$RUN"/plan-files.txt ]; then
  repomix --stdin --no-git-sort-by-changes --style xml -o "$RUN"/files.xml < "$RUN"/plan-files.txt > "$RUN"/files.log
else
  : > "$RUN"/files.xml
fi
# the files that use a symbol the plan changes (rg -w), ranked and cut to the executor's budget: read-only context, apart from the planned files
twostep callers AI-PLAN.md --recipe go --files "$RUN"/plan-files.txt --pack-log "$RUN"/files.log > "$RUN"/callers.files
# pack them, marked read-only (none found: nothing to pack)
if [ -s "$RUN"/callers.files ]; then
  repomix --stdin --no-git-sort-by-changes --style xml --header-text 'READ-ONLY CONTEXT: the files below are not in the plan. They use symbols the plan changes; read them to keep them working, and change them only if the plan says so.' -o "$RUN"/callers.xml < "$RUN"/callers.files > "$RUN"/callers.log
else
  : > "$RUN"/callers.xml
fi
# the planned files, then the read-only callers
cat -- "$RUN"/files.xml "$RUN"/callers.xml > "$RUN"/executor-input.xml
# every file whose text the executor gets (the ledger's list)
cat -- "$RUN"/plan-files.txt "$RUN"/callers.files > "$RUN"/executor.files
# refuse input the executor cannot take
twostep fit --role executor --cli claude --budget 168000 --pack-log "$RUN"/files.log --pack-log "$RUN"/callers.log --counted "$RUN"/files.xml --counted "$RUN"/callers.xml --prompt-chars 340 -- AI-PLAN.md "$RUN"/executor-input.xml
# claude reads every @path in its input: refuse untracked or outside files
twostep guard -- AI-PLAN.md "$RUN"/executor-input.xml
# fingerprint the work tree, to prove the executor changed it
twostep snapshot -o "$RUN"/before.state
# prompt, then plan + files on stdin (claude puts the prompt first)
cat -- AI-PLAN.md "$RUN"/executor-input.xml | CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_MAX_RETRIES=2 claude -p 'You are the executor in a two-step Plan -> Execute workflow. Below is the implementation
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
