#!/usr/bin/env bash
# The fleet workflow's own steps (scripts/github/fleet-workflow.yml), one verb each:
#   matrix  `twostep batch $INPUT_BATCH --emit-matrix` as the step's `matrix` output;
#   keep    the item's --json result (TWOSTEP_RESULT) as $RUNNER_TEMP/twostep-items/$ITEM_ID.json,
#           or a result saying how it died when twostep printed none;
#   merge   `twostep batch merge` of $ITEMS_DIR/*.json into $RUNNER_TEMP/twostep-fleet.json,
#           with the totals in the job summary; exits with the fleet's code.
# With INSTALL true (the default), twostep is installed first from TWOSTEP_SOURCE.
set -euo pipefail
# shellcheck source=scripts/github/steps/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install() {
  if is_true "${INSTALL:-true}"; then
    INPUT_INSTALL=true bash "$here/install.sh"
    PATH=$tmp/twostep/bin:$PATH
  fi
  command -v twostep >/dev/null || die "twostep is not on PATH"
}

matrix() {
  install
  local matrix
  matrix=$(twostep batch "${INPUT_BATCH:?the batch input is required}" --emit-matrix)
  echo "matrix=$matrix" >> "${GITHUB_OUTPUT:?}"
  echo "twostep: $("$PYTHON" -c 'import json, sys; print(len(json.loads(sys.argv[1])["include"]))' "$matrix") item(s): $matrix"
}

keep() {
  local id=${ITEM_ID:?} out=$tmp/twostep-items code=${TWOSTEP_EXIT_CODE:-1}
  mkdir -p "$out"
  if [ -n "${TWOSTEP_RESULT:-}" ] && [ -s "$TWOSTEP_RESULT" ]; then
    cp -- "$TWOSTEP_RESULT" "$out/$id.json"
  else  # twostep died before printing its result: the item failed with its exit code
    "$PYTHON" -c 'import json, sys; print(json.dumps({"exit_code": int(sys.argv[1]), "error": "twostep printed no result; see the job log"}))' "$code" > "$out/$id.json"
  fi
  echo "twostep: item $id kept as $out/$id.json"
}

merge() {
  install
  local dir=${ITEMS_DIR:-$tmp/twostep-items} fleet=$tmp/twostep-fleet.json rc=0
  mkdir -p "$tmp"
  shopt -s nullglob
  local results=("$dir"/*.json)
  [ ${#results[@]} -gt 0 ] || die "no item results in $dir (did every matrix job fail to start?)"
  twostep batch merge --batch "${INPUT_BATCH:?}" ${GITHUB_STEP_SUMMARY:+--summary "$GITHUB_STEP_SUMMARY"} \
    "${results[@]}" > "$fleet" || rc=$?
  echo "result=$fleet" >> "${GITHUB_OUTPUT:?}"
  echo "exit-code=$rc" >> "$GITHUB_OUTPUT"
  [ "$rc" = 0 ] || echo "::error title=twostep::the fleet did not finish every item (exit $rc)"
  exit "$rc"
}

case ${1:-} in
  matrix|keep|merge) "$1" ;;
  *) die "usage: fleet.sh matrix|keep|merge" ;;
esac
