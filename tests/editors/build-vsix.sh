#!/usr/bin/env bash
# Builds editors/vscode/aigis.vsix: the extension bundled with esbuild, its unit tests, and the
# release server binary (stripped) inside it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root/editors/vscode"
retry npm ci --no-audit --no-fund
npm test
mkdir -p server
cp "${AIGIS_RELEASE_BIN:-$root/target/release/aigis}" server/aigis
strip server/aigis || true
npm run -s package
ls -la aigis.vsix
