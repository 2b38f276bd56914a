#!/usr/bin/env bash
# The action's scan step: the AI regions a change touches, against BASE.
#   1. SARIF for code scanning (SARIF set), and the rollout outputs (rollout=, max_tier=,
#      ai_regions=, needs_review=) with a summary for the job page; this pass never fails;
#   2. the review gate, printed to the log: exit 1 when a region lacks the review FAIL_ON asks for.
# With CI set, an approval counts only when a listed reviewer committed it.
# Environment: BASE (empty: the pull request's base branch, else the commit before a push),
# FAIL_ON (senior, peer, never), SARIF (a path, or empty), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
# GITHUB_BASE_REF, EVENT_BEFORE.
set -uo pipefail
base=${BASE:-}
if [ -z "$base" ] && [ -n "${GITHUB_BASE_REF:-}" ]; then
  base="origin/$GITHUB_BASE_REF"
  git rev-parse -q --verify "$base^{commit}" >/dev/null || git fetch -q --no-tags origin "$GITHUB_BASE_REF:refs/remotes/origin/$GITHUB_BASE_REF"
fi
if [ -z "$base" ] && [ -n "${EVENT_BEFORE:-}" ] && [ "${EVENT_BEFORE}" != 0000000000000000000000000000000000000000 ]; then
  base=$EVENT_BEFORE
fi
if [ -z "$base" ]; then
  echo "::error::aigis: no base to compare with: set the action's 'base' input (a pull request or a push sets it)"
  exit 2
fi
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  echo "::error::aigis: base '$base' is not a commit here: check out with fetch-depth: 0"
  exit 2
fi
fail_on=${FAIL_ON:-peer}
case "$fail_on" in senior|peer|never) ;; *) echo "::error::aigis: fail-on must be senior, peer or never, not '$fail_on'"; exit 2 ;; esac
out=${GITHUB_OUTPUT:-/dev/null}
echo "base=$base" >> "$out"
if [ -n "${SARIF:-}" ]; then
  aigis scan --base "$base" --format sarif --output "$SARIF" --fail-on never --verify-approvals --github-output "$out" || exit 2
  echo "sarif=$SARIF" >> "$out"
else
  aigis scan --base "$base" --format json --output /dev/null --fail-on never --verify-approvals --github-output "$out" || exit 2
fi
env -u GITHUB_OUTPUT -u GITHUB_STEP_SUMMARY aigis scan --base "$base" --fail-on "$fail_on" --verify-approvals
