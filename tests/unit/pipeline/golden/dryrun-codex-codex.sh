#!/usr/bin/env bash
# recipe: go, codex → codex
set -euo pipefail

# === settings: the models, prompts and checks the steps below use; edit them
PLANNER_MODEL=gpt-5.5
EXECUTOR_MODEL=gpt-5.5
IFS= read -r -d '' PLANNER_PROMPT <<'PROMPT' || true
You are the planner in a two-step Plan -> Execute workflow. Below you have the feature
specification, followed by a repomix pack of the codebase (each file inside
<file path="..."> tags).

Write a precise, step-by-step implementation plan in Markdown for another engineer (an AI
coding agent) who will implement it without asking questions. For each step name the
files involved by their exact repository-relative paths in backticks, the functions or
types to change, and the tests to add or update. Do not write the full implementation.

End the plan with a fenced code block whose info string is `twostep-files` that lists
every file the executor must read, modify, create or delete, one per line, as
`ACTION: path` (ACTION is read, modify, create or delete), grouped under a
`task N: TITLE` line for each step. When some steps do not depend on each other, give
every task an `after: N[, M]` line naming the tasks it needs done first (none for a task
that needs nothing): independent tasks then run side by side. For example:

```twostep-files
read: go.mod
task 1: Add the handler
modify: src/app/handler.go
task 2: Document the endpoint
modify: docs/api.md
task 3: Test the handler
after: 1
create: src/app/handler_test.go
```

Output only the plan.
PROMPT
IFS= read -r -d '' EXECUTOR_PROMPT <<'PROMPT' || true
You are the executor in a two-step Plan -> Execute workflow. Below is the implementation
plan, followed by a repomix pack of the code it concerns. Implement the plan completely by
editing the files in the current working directory. Follow the plan; do not ask
questions; do not commit. When done, reply with a short summary of the changes.
PROMPT
# the recipe's checks, in order: the status is the number of the first that fails
verify() {
  go build ./... || return 1
  go test ./... || return 2
}

# Run it from anywhere inside the repository; twostep must be on PATH.
cd "$(git rev-parse --show-toplevel)"
command -v twostep >/dev/null || { echo 'twostep is not on PATH' >&2; exit 127; }
RUN="$PWD/.twostep/runs/fixed-id"
mkdir -p -- "$RUN"
# .twostep/ keeps itself out of git; no tracked file is edited for that.
printf '*\n' > .twostep/.gitignore

# === prepare: run directory and spec
# twostep's own repomix config, named with -c by every pack: repomix then reads no repomix.config.* from the repository (a .js or .ts one is code it would run) or from ~/.config/repomix
printf '%s' '{}' > "$RUN"/repomix.config.json
# keep the spec with the run
cp -- /specs/SPEC.md "$RUN"/spec.md

# === pack: pack the codebase
# pack the codebase (twostep run reuses an identical earlier pack)
# tracked files the codebase pathspecs select
git ls-files -z -- '*.go' go.mod Makefile > "$RUN"/codebase.files
# hard-link exactly those files into a tree (directory-mode repomix is fast)
twostep linktree "$RUN"/codebase-tree < "$RUN"/codebase.files
# pack them with repomix (summary and token count in codebase.log)
(cd "$RUN"/codebase-tree && exec repomix -c "$RUN"/repomix.config.json . --no-gitignore --no-dot-ignore --no-default-patterns --no-git-sort-by-changes --style xml -o "$RUN"/codebase.xml) > "$RUN"/codebase.log
rm -rf -- "$RUN"/codebase-tree

# === plan: the planner (codex gpt-5.5) writes AI-PLAN.md
# codex's private home (it must exist) and working directory
mkdir -p -- "$RUN"/codex-home "$RUN"/empty
# refuse input the planner cannot take whole; fingerprint the work tree (the planner must leave it as it is)
twostep before planner --cli codex --budget 240000 --max-chars 1048553 --prompt-chars "${#PLANNER_PROMPT}" --pack-log "$RUN"/codebase.log --snapshot "$RUN"/planner-before.state -- "$RUN"/spec.md "$RUN"/codebase.xml
# prompt as the argument, spec + pack on stdin (codex wraps it in <stdin>)
cat -- "$RUN"/spec.md "$RUN"/codebase.xml | (cd "$RUN"/empty && CODEX_HOME="$RUN"/codex-home TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}" exec codex exec -m "$PLANNER_MODEL" -C "$RUN"/empty -s read-only --disable shell_tool --disable goals -c 'web_search="disabled"' -c model_provider=twostep -c "model_providers.twostep={name=\"twostep\",base_url=\"${OPENAI_BASE_URL:-"https://api.openai.com/v1"}\",env_key=\"TWOSTEP_CODEX_API_KEY\",wire_api=\"responses\",request_max_retries=2,stream_max_retries=2,stream_idle_timeout_ms=120000}" --disable unbounded_connection_retries --disable plugins -c analytics.enabled=false --ephemeral --ignore-user-config --ignore-rules --skip-git-repo-check -c project_doc_max_bytes=0 --json -o "$RUN"/planner.last.md -- "$PLANNER_PROMPT" 2> "$RUN"/planner.log) > "$RUN"/planner.jsonl
# charge the call to the ledger; a planner that changed the repository fails (exit 7); an empty or failed reply never replaces an existing plan
twostep after planner --cli codex --model "$PLANNER_MODEL" --snapshot "$RUN"/planner-before.state -o AI-PLAN.md --keep "$RUN"/plan.md "$RUN"/planner.jsonl

# === execute: the executor (codex gpt-5.5) does each task in a fresh session, given the whole pack
# the approved plan is the one executed: keep it; refuse an edited one
twostep approve AI-PLAN.md "$RUN"/approved-plan.md
# split the plan into tasks, each with its files
twostep tasks AI-PLAN.md --recipe go -o "$RUN"/tasks.json > "$RUN"/tasks.txt
# record the work tree before the executor (rollback returns here)
twostep checkpoint "$RUN" base
# the tasks that may run at once (the plan's `after:` lines), at most 3 side by side; one per line without them
twostep waves "$RUN" --jobs 3 > "$RUN"/waves.txt
# each task in a fresh executor session; tasks side by side each in a worktree of its own, merged after their group
for WAVE in $(seq 1 "$(wc -l < "$RUN"/waves.txt)"); do
  TASKS=$(sed -n "${WAVE}p" "$RUN"/waves.txt)
  PIDS=
  if [ "$(wc -w <<< "$TASKS")" -gt 1 ]; then
    for TASK in $TASKS; do
      # a worktree from the results of the task's prerequisites
      twostep task-tree "$RUN" "$TASK"
      (
        cd -- "$RUN"/trees/"$TASK"
        # the whole plan, which task this is, and the earlier tasks' diff; its files
        twostep task-input "$RUN" "$TASK" --plan "$RUN"/approved-plan.md -o "$RUN"/task-"$TASK".md > "$RUN"/task-"$TASK".files
        # refuse input the executor cannot take
        twostep before executor --cli codex --budget 240000 --max-chars 1048553 --prompt-chars "${#EXECUTOR_PROMPT}" --pack-log "$RUN"/codebase.log -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml
        # retry once in a fresh session
        for TRY in $(seq 1 2); do
          # codex's private home (it must exist) and working directory
          mkdir -p -- "$RUN"/codex-home-task-"$TASK"
          # a fresh codex session for task $TASK (try $TRY)
          cat -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml | CODEX_HOME="$RUN"/codex-home-task-"$TASK" TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}" codex exec -m "$EXECUTOR_MODEL" -C . -s workspace-write -c sandbox_workspace_write.exclude_slash_tmp=true -c sandbox_workspace_write.exclude_tmpdir_env_var=true -c shell_environment_policy.inherit=core -c model_provider=twostep -c "model_providers.twostep={name=\"twostep\",base_url=\"${OPENAI_BASE_URL:-"https://api.openai.com/v1"}\",env_key=\"TWOSTEP_CODEX_API_KEY\",wire_api=\"responses\",request_max_retries=2,stream_max_retries=2,stream_idle_timeout_ms=120000}" --disable unbounded_connection_retries --disable plugins -c analytics.enabled=false --ephemeral --ignore-user-config --ignore-rules --skip-git-repo-check -c project_doc_max_bytes=0 --json -o "$RUN"/executor-task-"$TASK".last.md -- "$EXECUTOR_PROMPT" 2> "$RUN"/task-"$TASK"-try-"$TRY".log > "$RUN"/task-"$TASK"-try-"$TRY".json
          # charge the call to the ledger; codex exits 0 on API errors and refused edits: read its verdict; did it change the files this task plans to change?
          twostep after executor --cli codex --model "$EXECUTOR_MODEL" --task "$TASK" --try "$TRY" --tries 2 "$RUN"/task-"$TASK"-try-"$TRY".json
          [ "$(cat -- "$RUN"/task-"$TASK".proof)" = again ] || break
        done
        # record the work tree on refs/twostep/<run>/tree-N
        twostep checkpoint "$RUN" tree-"$TASK"
      ) &
      PIDS="$PIDS $!"
    done
  fi
  FAILED=0
  for PID in $PIDS; do wait "$PID" || FAILED=$?; done
  # merge each finished task in plan order; a task that changed a file another changed runs again, alone
  twostep merge-wave "$RUN" "$TASKS" > "$RUN"/wave-"$WAVE".alone
  [ "$FAILED" = 0 ] || exit "$FAILED"
  for TASK in $(cat -- "$RUN"/wave-"$WAVE".alone); do
    # the tree this task starts from
    twostep checkpoint "$RUN" start-"$TASK"
    # the whole plan, which task this is, and the earlier tasks' diff; its files
    twostep task-input "$RUN" "$TASK" --plan AI-PLAN.md -o "$RUN"/task-"$TASK".md > "$RUN"/task-"$TASK".files
    # refuse input the executor cannot take
    twostep before executor --cli codex --budget 240000 --max-chars 1048553 --prompt-chars "${#EXECUTOR_PROMPT}" --pack-log "$RUN"/codebase.log -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml
    # retry once in a fresh session
    for TRY in $(seq 1 2); do
      # codex's private home (it must exist) and working directory
      mkdir -p -- "$RUN"/codex-home
      # a fresh codex session for task $TASK (try $TRY)
      cat -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml | CODEX_HOME="$RUN"/codex-home TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}" codex exec -m "$EXECUTOR_MODEL" -C . -s workspace-write -c sandbox_workspace_write.exclude_slash_tmp=true -c sandbox_workspace_write.exclude_tmpdir_env_var=true -c shell_environment_policy.inherit=core -c model_provider=twostep -c "model_providers.twostep={name=\"twostep\",base_url=\"${OPENAI_BASE_URL:-"https://api.openai.com/v1"}\",env_key=\"TWOSTEP_CODEX_API_KEY\",wire_api=\"responses\",request_max_retries=2,stream_max_retries=2,stream_idle_timeout_ms=120000}" --disable unbounded_connection_retries --disable plugins -c analytics.enabled=false --ephemeral --ignore-user-config --ignore-rules --skip-git-repo-check -c project_doc_max_bytes=0 --json -o "$RUN"/executor.last.md -- "$EXECUTOR_PROMPT" 2> "$RUN"/task-"$TASK"-try-"$TRY".log > "$RUN"/task-"$TASK"-try-"$TRY".json
      # charge the call to the ledger; codex exits 0 on API errors and refused edits: read its verdict; did it change the files this task plans to change?
      twostep after executor --cli codex --model "$EXECUTOR_MODEL" --task "$TASK" --try "$TRY" --tries 2 "$RUN"/task-"$TASK"-try-"$TRY".json
      [ "$(cat -- "$RUN"/task-"$TASK".proof)" = again ] || break
    done
    # record the work tree on refs/twostep/<run>/task-N
    twostep checkpoint "$RUN" task-"$TASK"
  done
done

# === verify: the recipe's checks, and fix rounds while they fail
# verify, then up to 2 fix round(s)
for ROUND in $(seq 1 3); do
  # the recipe's checks, stopping at the first that fails
  verify > "$RUN"/verify-"$ROUND".out 2>&1 && echo 0 > "$RUN"/verify-"$ROUND".failed || echo $? > "$RUN"/verify-"$ROUND".failed
  # passed, or a fix session's input; failed (exit 10 after the validate gate) when rounds are spent, the failure repeats, or a round changed nothing
  twostep fix-round "$RUN" "$ROUND" --rounds 2 --recipe go --planner codex --executor codex --plan AI-PLAN.md -o "$RUN"/fix-"$ROUND".md
  [ "$(cat -- "$RUN"/fix-"$ROUND".status)" = again ] || break
  # refuse input the executor cannot take
  twostep before executor --cli codex --budget 240000 --max-chars 1048553 --prompt-chars "${#EXECUTOR_PROMPT}" -- "$RUN"/fix-"$ROUND".md
  # codex's private home (it must exist) and working directory
  mkdir -p -- "$RUN"/codex-home
  # a fresh executor session fixes it
  CODEX_HOME="$RUN"/codex-home TWOSTEP_CODEX_API_KEY="${CODEX_API_KEY:-${OPENAI_API_KEY:-}}" codex exec -m "$EXECUTOR_MODEL" -C . -s workspace-write -c sandbox_workspace_write.exclude_slash_tmp=true -c sandbox_workspace_write.exclude_tmpdir_env_var=true -c shell_environment_policy.inherit=core -c model_provider=twostep -c "model_providers.twostep={name=\"twostep\",base_url=\"${OPENAI_BASE_URL:-"https://api.openai.com/v1"}\",env_key=\"TWOSTEP_CODEX_API_KEY\",wire_api=\"responses\",request_max_retries=2,stream_max_retries=2,stream_idle_timeout_ms=120000}" --disable unbounded_connection_retries --disable plugins -c analytics.enabled=false --ephemeral --ignore-user-config --ignore-rules --skip-git-repo-check -c project_doc_max_bytes=0 --json -o "$RUN"/executor.last.md -- "$EXECUTOR_PROMPT" 2> "$RUN"/fix-"$ROUND".log < "$RUN"/fix-"$ROUND".md > "$RUN"/fix-"$ROUND".json
  # charge the call to the ledger; codex exits 0 on API errors and refused edits: read its verdict
  twostep after executor --cli codex --model "$EXECUTOR_MODEL" "$RUN"/fix-"$ROUND".json
done
# the diff, the checks and unplanned changes: keep, roll back or view; exit 10 if the checks still fail
twostep validate "$RUN" --yes
