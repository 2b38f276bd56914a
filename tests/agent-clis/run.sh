#!/usr/bin/env bash
# The real agent CLIs from npm start `aigis mcp` from the project configuration that
# `aigis hooks install AGENT` writes, and complete the MCP handshake, without calling any model:
# `claude mcp list` (the stateless 2026-07-28 lifecycle, started from a subfolder too) and
# `gemini mcp list` (the `initialize` handshake). The workspace is marked trusted in a temporary
# HOME, as a person does once in each agent. Prints "agents: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${AIGIS_BIN:-$ROOT/target/release/aigis}
CLIS=$ROOT/target/agent-clis
CLAUDE_VERSION=2.1.332
GEMINI_VERSION=0.61.0

retry() {
  local n=1
  until "$@"; do
    if [ "$n" -ge 5 ]; then return 1; fi
    echo "agents: '$*' failed (attempt $n), retrying" >&2
    sleep $((n * 10)); n=$((n + 1))
  done
}

if [ ! -x "$CLIS/node_modules/.bin/claude" ] || [ ! -x "$CLIS/node_modules/.bin/gemini" ]; then
  mkdir -p "$CLIS"
  retry npm install --prefix "$CLIS" --no-audit --no-fund --loglevel=error \
    "@anthropic-ai/claude-code@$CLAUDE_VERSION" "@google/gemini-cli@$GEMINI_VERSION" >/dev/null
fi
CLAUDE=$CLIS/node_modules/.bin/claude
GEMINI=$CLIS/node_modules/.bin/gemini

passed=0; failed=0
check() { # name, expected text, output
  if grep -qF -- "$2" <<<"$3"; then
    echo "ok   $1"; passed=$((passed + 1))
  else
    echo "FAIL $1: expected '$2' in:"; echo "$3" | tail -8 | sed 's/^/     /'; failed=$((failed + 1))
  fi
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/bin" "$TMP/home/.gemini"
ln -s "$BIN" "$TMP/bin/aigis"
export PATH="$TMP/bin:$PATH"
export HOME="$TMP/home"
unset ANTHROPIC_API_KEY GEMINI_API_KEY

WS=$TMP/ws
mkdir -p "$WS/src"
cat > "$WS/Cargo.toml" <<'TOML'
[package]
name = "ws"
version = "0.1.0"
edition = "2021"
TOML
printf 'use aws_sdk_cloudformation::Client;\n\npub async fn recreate(c: &Client) {\n    c.delete_stack().stack_name("prod").send().await.unwrap();\n}\n' > "$WS/src/ops.rs"
printf 'mod ops;\n\nasync fn main() {\n    ops::recreate(&make()).await;\n}\n' > "$WS/src/main.rs"
git -C "$WS" init -q -b main
WS=$(cd "$WS" && pwd -P)

# What a person does: install aigis for the agent, then trust the folder once.
(cd "$WS" && aigis hooks install claude-code >/dev/null && aigis hooks install gemini >/dev/null)
cat > "$HOME/.claude.json" <<JSON
{ "hasCompletedOnboarding": true,
  "projects": { "$WS": { "hasTrustDialogAccepted": true }, "$WS/src": { "hasTrustDialogAccepted": true } } }
JSON
# Started from a subfolder, Claude Code reads that folder's settings: the person approves there.
mkdir -p "$WS/src/.claude" && echo '{ "enabledMcpjsonServers": ["aigis"] }' > "$WS/src/.claude/settings.local.json"
echo "{ \"$WS\": \"TRUST_FOLDER\" }" > "$HOME/.gemini/trustedFolders.json"

out=$(cd "$WS" && timeout 120 "$CLAUDE" mcp list 2>&1)
check "claude mcp list: the project's aigis server connects" "aigis: aigis mcp - ✔ Connected" "$out"
out=$(cd "$WS/src" && timeout 120 "$CLAUDE" mcp list 2>&1)
check "claude mcp list from src/: the server finds the workspace above it" "aigis: aigis mcp - ✔ Connected" "$out"
out=$(cd "$WS" && timeout 120 "$CLAUDE" mcp get aigis 2>&1)
check "claude mcp get aigis: project scope from .mcp.json" "Scope: Project config (shared via .mcp.json)" "$out"
out=$(cd "$WS" && timeout 120 "$GEMINI" mcp list 2>&1)
check "gemini mcp list: the aigis server connects" "✓ aigis: aigis mcp (stdio) - Connected" "$out"

# The check can fail: a server that does not speak MCP is not reported connected.
cp -r "$WS" "$TMP/broken"
sed -i 's/"mcp"/"no-such-command"/' "$TMP/broken/.mcp.json"
BROKEN=$(cd "$TMP/broken" && pwd -P)
sed -i "s#\"projects\": {#\"projects\": { \"$BROKEN\": { \"hasTrustDialogAccepted\": true },#" "$HOME/.claude.json"
out=$(cd "$BROKEN" && timeout 120 "$CLAUDE" mcp list 2>&1)
if grep -qF "✔ Connected" <<<"$out"; then
  echo "FAIL claude mcp list reports a broken server connected"; echo "$out" | tail -4; failed=$((failed + 1))
else
  echo "ok   claude mcp list: a broken server is not reported connected"; passed=$((passed + 1))
fi

echo "agents: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
