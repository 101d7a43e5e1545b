#!/usr/bin/env bash
# Last step: fail the action with twostep's own exit code, after the report step has run
# (run.sh always exits 0 so that the report is posted for failures too).
set -euo pipefail
# shellcheck source=scripts/github/steps/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

code=${TWOSTEP_EXIT_CODE:-}
[ -n "$code" ] || die "twostep did not run (no exit code)"
if [ "$code" != 0 ] && is_true "${INPUT_FAIL_ON_ERROR:-true}"; then
  echo "::error title=twostep::twostep exited $code (${TWOSTEP_STATUS:-unknown})"
  exit "$code"
fi
