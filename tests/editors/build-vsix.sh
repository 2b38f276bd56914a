#!/usr/bin/env bash
# Builds editors/vscode/aigis.vsix: the extension bundled with esbuild, its unit tests, and the
# release server binary inside it, as the release workflow builds it for Linux x64
# (docs/ci/release/vsix.sh, `vsce package --target linux-x64`).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root/editors/vscode"
retry npm ci --no-audit --no-fund
npm test
bash "$root/docs/ci/release/vsix.sh" linux-x64 "${AIGIS_RELEASE_BIN:-$root/target/release/aigis}" aigis.vsix
python3 -c 'import zipfile,re,sys; m=zipfile.ZipFile("aigis.vsix").read("extension.vsixmanifest").decode(); t=re.search(r"TargetPlatform=\"([^\"]*)", m); print("vsix target:", t and t.group(1)); sys.exit(0 if t and t.group(1) == "linux-x64" else 1)'
ls -la aigis.vsix
