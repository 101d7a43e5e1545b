#!/usr/bin/env bash
# Step 3: build `twostep MODE RECIPE … --json` from the INPUT_* variables, run it in the
# working directory, and turn its JSON result into the step's outputs (helpers.py outputs).
# Exits 0 whatever twostep's exit code, so that the report step runs; finish.sh fails the action.
set -euo pipefail
# shellcheck source=scripts/github/steps/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=${INPUT_MODE:-run}
argv=() plan_path=''

recipe() {
  if [ -n "${INPUT_RECIPE:-}" ]; then echo "$INPUT_RECIPE"
  elif [ -f twostep.yaml ]; then echo twostep.yaml
  else echo default
  fi
}

# A spec is a file when one exists at that path, else the text itself. A one-line value that
# looks like a file name but names none is a typo, not a one-line spec.
add_spec() {
  local spec=${INPUT_SPEC:-}
  if [ "$mode" = execute ]; then
    [ -z "$spec" ] || notice "execute does not read a spec; the spec input is ignored"
    return 0
  fi
  [ -n "$spec" ] || die "the spec input is required for mode $mode (a file or the text)"
  if [ -f "$spec" ]; then argv+=(--spec "$spec"); return 0; fi
  if [[ $spec != *$'\n'* && $spec =~ \.(md|txt|markdown)$ ]]; then die "spec file not found: $spec"; fi
  printf '%s\n' "$spec" > "$tmp/twostep-spec.md"
  argv+=(--spec "$tmp/twostep-spec.md")
}

add_plan() {
  case $mode in
    plan) plan_path=${INPUT_PLAN:-$tmp/twostep-plan.md}; argv+=(-o "$plan_path") ;;
    execute) if [ -n "${INPUT_PLAN:-}" ]; then plan_path=$INPUT_PLAN; argv+=(--plan "$plan_path"); fi ;;
    run) [ -z "${INPUT_PLAN:-}" ] || notice "run writes its own plan; the plan input is ignored" ;;
  esac
}

# Branch isolation and the PR belong to the steps that edit: execute and run.
add_branching() {
  local branch=${INPUT_BRANCH:-} pr=${INPUT_PR:-false}
  if [ "$mode" = plan ]; then
    { [ -z "$branch" ] && ! is_true "$pr"; } || notice "plan edits nothing; branch and pr are ignored"
    return 0
  fi
  if is_true "${INPUT_WORKTREE:-true}"; then
    argv+=(--worktree)
    [ -z "$branch" ] || argv+=(--branch "$branch")
  elif [ -n "$branch" ] || is_true "$pr"; then
    die "branch and pr need worktree: true (the run's branch is what the PR proposes)"
  fi
  if is_true "$pr"; then argv+=(--pr); fi
}

add_rest() {
  local extra=()
  [ -z "${INPUT_MAX_COST:-}" ] || argv+=(--max-cost "$INPUT_MAX_COST")
  # plan and execute never stop at the review gate; run does unless --yes (no TTY here).
  if [ "$mode" = run ] && is_true "${INPUT_YES:-true}"; then argv+=(--yes); fi
  if [ -n "${INPUT_ARGS:-}" ]; then
    mapfile -d '' -t extra < <("$PYTHON" "$here/helpers.py" split-args "$INPUT_ARGS")
    argv+=("${extra[@]}")
  fi
  argv+=(--json)
}

# Commits on the run's branch need an author; a runner has none configured.
git_identity() {
  git config user.email >/dev/null 2>&1 && return 0
  export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-github-actions[bot]}
  export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}
  export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}
  export GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}
}

main() {
  case $mode in plan|execute|run) ;; *) die "mode must be plan, execute or run, got '$mode'" ;; esac
  argv=(twostep "$mode" "$(recipe)")
  add_spec
  add_plan
  add_branching
  add_rest
  git_identity
  local result=$tmp/twostep-result.json rc=0
  echo "twostep: running $(printf '%q ' "${argv[@]}")"
  "${argv[@]}" > "$result" || rc=$?
  "$PYTHON" "$here/helpers.py" outputs --result "$result" --exit-code "$rc" --plan-path "$plan_path"
}

main
