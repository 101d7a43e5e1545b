#!/usr/bin/env bash
# recipe: go, claude → claude
set -euo pipefail

# === settings: the models, prompts and checks the steps below use; edit them
PLANNER_MODEL=sonnet
EXECUTOR_MODEL=sonnet
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

# === plan: the planner (claude sonnet) writes AI-PLAN.md
mkdir -p -- "$RUN"/empty
# refuse input the planner cannot take whole, or a call that would pass the budget; fingerprint the work tree (the planner must leave it as it is)
twostep before planner --cli claude --budget 168000 --max-chars 525000 --prompt-chars "${#PLANNER_PROMPT}" --pack-log "$RUN"/codebase.log --max-cost 2.5 --model "$PLANNER_MODEL" --output-tokens 32000 --left "$RUN"/planner.left --call planner --snapshot "$RUN"/planner-before.state -- "$RUN"/spec.md "$RUN"/codebase.xml
# prompt, then spec + pack on stdin; no tools (claude puts the prompt first)
cat -- "$RUN"/spec.md "$RUN"/codebase.xml | (cd "$RUN"/empty && CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_DISABLE_ATTACHMENTS=1 CLAUDE_CODE_MAX_RETRIES=2 exec claude -p "$PLANNER_PROMPT" --model "$PLANNER_MODEL" --tools '' --output-format json --no-session-persistence --setting-sources user --strict-mcp-config --max-budget-usd "$(cat "$RUN"/planner.left)" 2> "$RUN"/planner.log) > "$RUN"/planner.json
# charge the call to the ledger; a planner that changed the repository fails (exit 7); an empty or failed reply never replaces an existing plan
twostep after planner --cli claude --model "$PLANNER_MODEL" --snapshot "$RUN"/planner-before.state -o AI-PLAN.md --keep "$RUN"/plan.md "$RUN"/planner.json

# === execute: the executor (claude sonnet) does each task in a fresh session, given the whole pack
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
        # refuse input the executor cannot take, or a call that would pass the budget
        twostep before executor --cli claude --budget 168000 --max-chars 525000 --prompt-chars "${#EXECUTOR_PROMPT}" --pack-log "$RUN"/codebase.log --max-cost 2.5 --model "$EXECUTOR_MODEL" --output-tokens 32000 --left "$RUN"/task-"$TASK".left --call task-"$TASK" -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml
        # retry once in a fresh session
        for TRY in $(seq 1 2); do
          # a fresh claude session for task $TASK (try $TRY)
          cat -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml | CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_DISABLE_ATTACHMENTS=1 CLAUDE_CODE_MAX_RETRIES=2 claude -p "$EXECUTOR_PROMPT" --model "$EXECUTOR_MODEL" --permission-mode acceptEdits --output-format json --no-session-persistence --max-turns 60 --allowedTools 'Read,Glob,Grep,Edit(./**)' --setting-sources user --strict-mcp-config --max-budget-usd "$(cat "$RUN"/task-@@task@@.left)" 2> "$RUN"/task-"$TASK"-try-"$TRY".log > "$RUN"/task-"$TASK"-try-"$TRY".json
          # charge the call to the ledger; claude exits 0 on API errors and refused edits: read its verdict; did it change the files this task plans to change?
          twostep after executor --cli claude --model "$EXECUTOR_MODEL" --task "$TASK" --try "$TRY" --tries 2 "$RUN"/task-"$TASK"-try-"$TRY".json
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
    # refuse input the executor cannot take, or a call that would pass the budget
    twostep before executor --cli claude --budget 168000 --max-chars 525000 --prompt-chars "${#EXECUTOR_PROMPT}" --pack-log "$RUN"/codebase.log --max-cost 2.5 --model "$EXECUTOR_MODEL" --output-tokens 32000 --left "$RUN"/task-"$TASK".left --call task-"$TASK" -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml
    # retry once in a fresh session
    for TRY in $(seq 1 2); do
      # a fresh claude session for task $TASK (try $TRY)
      cat -- "$RUN"/task-"$TASK".md "$RUN"/codebase.xml | CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_DISABLE_ATTACHMENTS=1 CLAUDE_CODE_MAX_RETRIES=2 claude -p "$EXECUTOR_PROMPT" --model "$EXECUTOR_MODEL" --permission-mode acceptEdits --output-format json --no-session-persistence --max-turns 60 --allowedTools 'Read,Glob,Grep,Edit(./**)' --setting-sources user --strict-mcp-config --max-budget-usd "$(cat "$RUN"/task-@@task@@.left)" 2> "$RUN"/task-"$TASK"-try-"$TRY".log > "$RUN"/task-"$TASK"-try-"$TRY".json
      # charge the call to the ledger; claude exits 0 on API errors and refused edits: read its verdict; did it change the files this task plans to change?
      twostep after executor --cli claude --model "$EXECUTOR_MODEL" --task "$TASK" --try "$TRY" --tries 2 "$RUN"/task-"$TASK"-try-"$TRY".json
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
  twostep fix-round "$RUN" "$ROUND" --rounds 2 --recipe go --planner claude --executor claude --plan AI-PLAN.md -o "$RUN"/fix-"$ROUND".md
  [ "$(cat -- "$RUN"/fix-"$ROUND".status)" = again ] || break
  # refuse input the executor cannot take, or a call that would pass the budget
  twostep before executor --cli claude --budget 168000 --max-chars 525000 --prompt-chars "${#EXECUTOR_PROMPT}" --max-cost 2.5 --model "$EXECUTOR_MODEL" --output-tokens 32000 --left "$RUN"/fix-"$ROUND".left --call fix-"$ROUND" -- "$RUN"/fix-"$ROUND".md
  # a fresh executor session fixes it
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 CLAUDE_CODE_DISABLE_ATTACHMENTS=1 CLAUDE_CODE_MAX_RETRIES=2 claude -p "$EXECUTOR_PROMPT" --model "$EXECUTOR_MODEL" --permission-mode acceptEdits --output-format json --no-session-persistence --max-turns 60 --allowedTools 'Read,Glob,Grep,Edit(./**)' --setting-sources user --strict-mcp-config --max-budget-usd "$(cat "$RUN"/fix-@@round@@.left)" 2> "$RUN"/fix-"$ROUND".log < "$RUN"/fix-"$ROUND".md > "$RUN"/fix-"$ROUND".json
  # charge the call to the ledger; claude exits 0 on API errors and refused edits: read its verdict
  twostep after executor --cli claude --model "$EXECUTOR_MODEL" "$RUN"/fix-"$ROUND".json
done
# the diff, the checks and unplanned changes: keep, roll back or view; exit 10 if the checks still fail
twostep validate "$RUN" --yes
