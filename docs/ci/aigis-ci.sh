#!/bin/sh
# What CI runs on a pull request (GitHub Actions and GitLab CI call this same script):
#   1. SARIF of the AI regions the change touches, for code scanning (never fails the job);
#   2. the review gate: exit 1 when a region lacks the review its risk calls for, or when its
#      approval is forged or stale. CI=true makes aigis count only approvals a listed reviewer
#      committed.
# Usage: aigis-ci.sh BASE_REV [SARIF_FILE]
set -u
base="${1:?usage: aigis-ci.sh BASE_REV [SARIF_FILE]}"
sarif="${2:-aigis.sarif}"
aigis scan --base "$base" --format sarif --output "$sarif" --fail-on never --verify-approvals || exit 2
aigis scan --base "$base" --verify-approvals
