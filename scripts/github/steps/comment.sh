#!/usr/bin/env bash
# Step 4 (with an issue): report on the issue. plan posts the plan between markers that
# plan-from-issue.sh reads back after `/approve`; execute and run post the branch and the PR,
# or the failure with a link to the log.
set -euo pipefail
# shellcheck source=scripts/github/steps/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -n "${INPUT_ISSUE:-}" ] || exit 0
command -v gh >/dev/null || die "gh is needed to comment on issue #$INPUT_ISSUE"
body=$tmp/twostep-comment.md
"$PYTHON" "$here/helpers.py" comment --mode "${INPUT_MODE:-run}" --status "${TWOSTEP_STATUS:-error}" \
  --exit-code "${TWOSTEP_EXIT_CODE:-1}" --run-id "${TWOSTEP_RUN_ID:-}" --branch "${TWOSTEP_BRANCH:-}" \
  --pr-url "${TWOSTEP_PR_URL:-}" --plan "${TWOSTEP_PLAN_PATH:-}" --log-url "$(log_url)" > "$body"
# shellcheck disable=SC2046  # repo_args prints one word or none
gh issue comment "$INPUT_ISSUE" $(repo_args) --body-file "$body"
