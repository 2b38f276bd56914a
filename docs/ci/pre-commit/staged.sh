#!/usr/bin/env bash
# pre-commit hook `aigis-scan`: the AI regions in what is about to be committed. pre-commit puts
# unstaged changes aside before hooks run, so the working tree is the staged change and
# `--base HEAD` is what this commit adds. Extra arguments go to `aigis scan` (`--fail-on senior`).
set -uo pipefail
command -v aigis >/dev/null 2>&1 || { echo "aigis-scan: aigis is not on the PATH (cargo install --path server/cli, or a release binary)" >&2; exit 2; }
if git rev-parse -q --verify 'HEAD^{commit}' >/dev/null; then
  exec aigis scan --base HEAD "$@"
fi
# The first commit: everything staged is new.
exec aigis scan "$@"
