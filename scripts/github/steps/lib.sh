# shellcheck shell=bash
# Shared by the action's step scripts (sourced, not run). The INPUT_* variables come from
# action.yml's env: mappings; a composite action sets no INPUT_* of its own.

# shellcheck disable=SC2034  # here and tmp are for the scripts that source this file
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
PYTHON=${PYTHON:-python3}

# ::error:: lines are workflow commands: the runner turns them into annotations on the run.
die() { echo "::error title=twostep::$*"; exit 2; }
notice() { echo "::notice title=twostep::$*"; }

# Action inputs are strings; accept the spellings people type, refuse the rest.
is_true() {
  case ${1,,} in
    true|yes|on|1) return 0 ;;
    false|no|off|0|'') return 1 ;;
    *) die "expected true or false, got '$1'" ;;
  esac
}

# The GitHub repository the issue belongs to, for gh's --repo.
repo_args() { if [ -n "${GITHUB_REPOSITORY:-}" ]; then echo "--repo=$GITHUB_REPOSITORY"; fi; }

log_url() {
  echo "${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
}
