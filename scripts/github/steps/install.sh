#!/usr/bin/env bash
# Step 1: install twostep from the action's own checkout (TWOSTEP_SOURCE, the repository that
# `uses: OWNER/twostep/scripts/github@REF` fetched) and put its commands on PATH for the
# later steps. With install: false, a twostep already on PATH is used as it is.
set -euo pipefail
# shellcheck source=scripts/github/steps/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! is_true "${INPUT_INSTALL:-true}"; then
  command -v twostep >/dev/null || die "install is false but twostep is not on PATH"
  echo "twostep: using $(command -v twostep) ($(twostep --version))"
  exit 0
fi
source_dir=${TWOSTEP_SOURCE:?TWOSTEP_SOURCE must name the twostep checkout}
prefix=$tmp/twostep
# RUNNER_TEMP is emptied after every job: nothing leaks into the runner's HOME or profiles.
bash "$source_dir/scripts/install" --prefix "$prefix" --bin-dir "$prefix/bin"
echo "$prefix/bin" >> "${GITHUB_PATH:?GITHUB_PATH is not set (not on a GitHub runner?)}"
