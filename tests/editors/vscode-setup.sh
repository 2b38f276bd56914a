#!/usr/bin/env bash
# Installs what the VS Code test needs, once, under target/editors/: Debian's chromium and the
# native build dependencies (apt), code-server 4.100.3 (the newest that runs on Node 20) built
# from the npm registry, and playwright-core to drive Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cs=$tools/code-server
if ! command -v chromium >/dev/null || ! command -v tmux >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  retry apt-get update -q
  DEBIAN_FRONTEND=noninteractive retry apt-get install -y -q --no-install-recommends \
    chromium libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev pkg-config ripgrep tmux build-essential python3
fi
if [ ! -f "$cs/package/out/node/entry.js" ] || [ ! -e "$cs/package/lib/vscode/node_modules.asar" ]; then
  rm -rf "$cs"
  mkdir -p "$cs"
  cd "$cs"
  retry npm pack -q code-server@4.100.3
  tar xzf code-server-4.100.3.tgz
  cd package
  export npm_config_unsafe_perm=true npm_config_yes=true npm_config_fund=false npm_config_audit=false
  retry npm install --omit=dev --ignore-scripts --no-audit --no-fund
  npm rebuild argon2
  cd lib/vscode
  retry npm install --omit=dev --ignore-scripts --no-audit --no-fund
  # @vscode/ripgrep's postinstall downloads a binary from outside: Debian's rg instead.
  mkdir -p node_modules/@vscode/ripgrep/bin
  ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  npm rebuild --foreground-scripts
  (cd extensions && retry npm install --omit=dev --no-audit --no-fund)
  ln -sfn node_modules node_modules.asar
  (cd bin/remote-cli && ln -sf code-linux.sh code-server)
  (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
fi
pw=$tools/playwright
if [ ! -d "$pw/node_modules/playwright-core" ]; then
  mkdir -p "$pw"
  (cd "$pw" && echo '{"private":true}' > package.json && retry npm install -q --no-audit --no-fund playwright-core@1)
fi
echo "vscode-setup: code-server $(node "$cs/package/out/node/entry.js" --version 2>/dev/null | head -1)"
