#!/usr/bin/env bash
# Step 2 (execute with an issue and no plan input): the approved plan is the newest plan
# comment on the issue written by INPUT_PLAN_AUTHOR (the bot that posted it). Only that
# author counts: anyone can comment, but only people with write access can edit the bot's
# comment, so a maintainer may correct the plan in place before approving it.
set -euo pipefail
# shellcheck source=scripts/github/steps/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "${INPUT_MODE:-run}" = execute ] && [ -n "${INPUT_ISSUE:-}" ] && [ -z "${INPUT_PLAN:-}" ] || exit 0
command -v gh >/dev/null || die "gh is needed to read the plan from issue #$INPUT_ISSUE"
comments=$tmp/twostep-issue-comments.json
out=$tmp/twostep-approved-plan.md
gh api --paginate "repos/${GITHUB_REPOSITORY:?}/issues/$INPUT_ISSUE/comments" > "$comments"
"$PYTHON" "$here/helpers.py" plan-from-comments --author "${INPUT_PLAN_AUTHOR:-github-actions[bot]}" \
  "$comments" > "$out" || die "issue #$INPUT_ISSUE has no twostep plan comment by ${INPUT_PLAN_AUTHOR:-github-actions[bot]}"
echo "twostep: plan from issue #$INPUT_ISSUE ($(wc -l < "$out") lines) in $out"
echo "plan=$out" >> "${GITHUB_OUTPUT:?}"
