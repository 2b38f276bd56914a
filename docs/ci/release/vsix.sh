#!/usr/bin/env bash
# Builds the platform-specific VS Code extension with the matching aigis binary inside:
# `vsce package --target VSCE_TARGET` (linux-x64, linux-arm64, darwin-x64, darwin-arm64,
# win32-x64). The Marketplace and Open VSX serve each user the file of their platform.
# Usage: vsix.sh VSCE_TARGET BINARY OUT_FILE
set -euo pipefail
target=${1:?usage: vsix.sh VSCE_TARGET BINARY OUT_FILE}
bin=${2:?usage: vsix.sh VSCE_TARGET BINARY OUT_FILE}
out=${3:?usage: vsix.sh VSCE_TARGET BINARY OUT_FILE}
root=$(cd "$(dirname "$0")/../../.." && pwd)
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
cd "$root/editors/vscode"
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf server
mkdir -p server
exe=aigis
case "$target" in win32-*) exe=aigis.exe ;; esac
cp "$bin" "server/$exe"
chmod +x "server/$exe"
# Only a binary of this runner's platform can be stripped here; the release builds are already
# built with line tables only.
strip "server/$exe" 2>/dev/null || true
npm run -s build
npx vsce package --no-dependencies --allow-missing-repository --target "$target" -o "$out"
echo "$out"
