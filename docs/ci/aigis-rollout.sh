#!/bin/sh
# Chooses how a change is deployed, from what aigis says of its AI-written code:
#   hold      an AI region lacks the review it needs: do not deploy (exit 1);
#   canary    approved senior-tier AI code, or AI code with risky operations that reaches an
#             entry point: deploy to a canary (or behind a feature flag) first;
#   standard  otherwise.
# It appends rollout=, max_tier=, ai_regions=, needs_review= to $GITHUB_OUTPUT (or to the file
# named by OUTPUT) and prints the strategy. Usage: aigis-rollout.sh BASE_REV
set -u
base="${1:?usage: aigis-rollout.sh BASE_REV}"
out="${OUTPUT:-${GITHUB_OUTPUT:-aigis-rollout.env}}"
aigis scan --base "$base" --fail-on never --verify-approvals --github-output "$out" >/dev/null || exit 2
strategy=$(sed -n 's/^rollout=//p' "$out" | tail -1)
echo "deploy strategy: $strategy"
[ "$strategy" != hold ]
