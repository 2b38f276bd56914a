#!/usr/bin/env bash
# VS Code (code-server 4.100.3 = Code 1.100.3) in headless Chromium: installs the built .vsix,
# opens the bundled example, sees the AI-region decoration and the risky diagnostic in the
# Problems panel, and runs "Request senior review" from the command palette. Screenshots go to
# target/artifacts/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$root/tests/editors/vscode-setup.sh"
vsix=${AIGIS_VSIX:-$root/editors/vscode/aigis.vsix}
[ -f "$vsix" ] || { echo "vscode: $vsix is missing: build it first (tests/editors/build-vsix.sh)" >&2; exit 1; }
cs="node $tools/code-server/package/out/node/entry.js"
data=$(mktemp -d)
exts=$(mktemp -d)
mkdir -p "$data/User"
cat > "$data/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "workbench.tips.enabled": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "window.restoreWindows": "none"
}
JSON
$cs --user-data-dir "$data" --extensions-dir "$exts" --install-extension "$vsix" >/dev/null
# The release's platform-specific package (build-vsix.sh checked its TargetPlatform is
# linux-x64; VS Code refuses another platform's) installed with its server binary.
installed=$(ls -d "$exts"/aigis.aigis-* 2>/dev/null | head -1)
if [ -n "$installed" ] && [ -x "$installed/server/aigis" ] && "$installed/server/aigis" --version >/dev/null; then
  echo "vscode: installed $(basename "$installed") with $("$installed/server/aigis" --version)"
else
  echo "vscode: the linux-x64 .vsix did not install with its server: '$installed'" >&2
  exit 1
fi
# A test-only extension that offers a real inline suggestion (tests/editors/inline-provider), as
# Copilot would: the test presses Tab on it.
provider="$data/inline-provider.vsix"
(cd "$root/tests/editors/inline-provider" && "$root/editors/vscode/node_modules/.bin/vsce" package \
  --no-dependencies --allow-missing-repository --skip-license -o "$provider" >/dev/null)
$cs --user-data-dir "$data" --extensions-dir "$exts" --install-extension "$provider" >/dev/null
work=$(scratch_example)
# A Python file a person started: the inline suggestion will complete it.
printf 'import boto3\n\n\n' > "$work/scripts/rebuild.py"
# A Python file an agent wrote to (its hook recorded the region).
python_agent_region "$work"
# And a Terraform file (VS Code without a Terraform extension calls it plaintext: aigis reads the
# extension).
terraform_agent_region "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
$cs --user-data-dir "$data" --extensions-dir "$exts" --auth none --bind-addr "127.0.0.1:$port" \
  --disable-telemetry --disable-update-check --disable-workspace-trust "$work" > "$root/target/artifacts/code-server.log" 2>&1 &
cs_pid=$!
trap 'kill $cs_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done
NODE_PATH=$tools/playwright/node_modules timeout 300 node "$root/tests/editors/vscode.js" "http://127.0.0.1:$port/?folder=$work" "$work" "$root/target/artifacts"
status=$?
cp -r "$data/logs" "$root/target/artifacts/code-server-logs" 2>/dev/null || true
exit $status
