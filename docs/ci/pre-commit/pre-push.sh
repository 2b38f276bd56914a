#!/usr/bin/env bash
# pre-commit hook `aigis-guard` (stage pre-push): the AI regions in the commits being pushed,
# from what the remote has (PRE_COMMIT_FROM_REF) to what is pushed (PRE_COMMIT_TO_REF); a region
# that lacks the review policy asks for stops the push. A new branch is compared with the
# remote's default branch. Extra arguments go to `aigis scan`.
set -uo pipefail
command -v aigis >/dev/null 2>&1 || { echo "aigis-guard: aigis is not on the PATH (cargo install --path server/cli, or a release binary)" >&2; exit 2; }
from=${PRE_COMMIT_FROM_REF:-}
to=${PRE_COMMIT_TO_REF:-HEAD}
zero=0000000000000000000000000000000000000000
if [ -z "$from" ] || [ "$from" = "$zero" ] || ! git rev-parse -q --verify "$from^{commit}" >/dev/null; then
  from=$(git rev-parse -q --verify 'refs/remotes/origin/HEAD^{commit}' || git rev-parse -q --verify '@{upstream}^{commit}' || true)
fi
if [ -z "$from" ]; then
  echo "aigis-guard: nothing to compare the push with (no remote branch yet): scanning the whole workspace"
  exec aigis scan "$@"
fi
if [ "$to" != HEAD ] && [ "$(git rev-parse "$to")" != "$(git rev-parse HEAD)" ]; then
  echo "aigis-guard: pushing $to, which is not the checked-out commit: its AI regions are not scanned here" >&2
fi
exec aigis scan --base "$from" "$@"
