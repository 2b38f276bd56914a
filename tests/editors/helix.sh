#!/usr/bin/env bash
# Helix 25.01 under tmux with editors/helix/languages.toml: opens the bundled example, shows the
# risky diagnostic in its diagnostics picker and lists "Request senior review" among the code
# actions; running it records the request. The screen is saved under target/artifacts/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
hx_dir=$tools/helix
if [ ! -x "$hx_dir/hx" ]; then
  # Debian trixie's hx needs trixie's glibc: both are unpacked here and run through trixie's
  # loader, without touching the system's apt configuration. The mirror is the one apt uses.
  mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null || true) \
    | grep -oE '^(URIs:|deb) +[a-z]+://[^ ]+' | grep -v security | head -1 | awk '{print $2}' || true)
  if [ -z "$mirror" ]; then
    echo "helix: no Debian mirror in the apt sources; cannot fetch hx" >&2
    exit 1
  fi
  mkdir -p "$hx_dir/lists/partial" "$hx_dir/debs" "$hx_dir/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$hx_dir/sources.list"
  O=(-o "Dir::Etc::SourceList=$hx_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$hx_dir/lists" -o "Dir::Cache=$hx_dir/cache")
  retry apt-get -q "${O[@]}" update
  (cd "$hx_dir/debs" && retry apt-get -q "${O[@]}" download hx libc6)
  for f in "$hx_dir"/debs/*.deb; do dpkg-deb -x "$f" "$hx_dir/root"; done
  cat > "$hx_dir/hx" <<WRAP
#!/bin/sh
HELIX_RUNTIME=$hx_dir/root/usr/lib/hx/runtime exec $hx_dir/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path $hx_dir/root/usr/lib/x86_64-linux-gnu $hx_dir/root/usr/lib/hx/hx "\$@"
WRAP
  chmod +x "$hx_dir/hx"
fi
"$hx_dir/hx" --version
work=$(scratch_example)
cfg=$(mktemp -d)
mkdir -p "$cfg/helix"
# The shipped config, pointed at the binary under test; the languages' own servers
# (rust-analyzer, terraform-ls...) are not installed here.
sed -e "s#^command = \"aigis\"#command = \"$bin\"#" -e 's#\["[^"]*", "aigis"\]#["aigis"]#' \
  "$root/editors/helix/languages.toml" > "$cfg/helix/languages.toml"
session=aigis-hx-$$
log=$root/target/artifacts/helix-lsp.log
tmux kill-session -t "$session" 2>/dev/null || true
tmux new-session -d -s "$session" -x 200 -y 50 "cd $work && XDG_CONFIG_HOME=$cfg $hx_dir/hx -v --log $log src/ops.rs"
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
screen() { tmux capture-pane -p -t "$session"; }
passed=0; failed=0
check() {
  if grep -q -- "$2" <<<"$3"; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; echo "$3"; failed=$((failed + 1)); fi
}
wait_for() {
  for _ in $(seq 1 60); do
    if screen | grep -q -- "$1"; then return 0; fi
    sleep 0.5
  done
  return 1
}
# Go to the terminate_instances line; the status line shows the diagnostic under the cursor.
wait_for "ops.rs" || true
sleep 2
tmux send-keys -t "$session" ':23' Enter
sleep 1
wait_for "terminate" || true
tmux send-keys -t "$session" ' ' 'D'
wait_for "risky/aws" || wait_for "terminate_instances()" || true
picker=$(screen)
screen > "$root/target/artifacts/helix-diagnostics.txt"
tmux capture-pane -e -p -t "$session" > "$root/target/artifacts/helix-diagnostics.ansi"
check "the risky diagnostic in the diagnostics picker" "terminate_instances" "$picker"
tmux send-keys -t "$session" Escape
sleep 0.5
tmux send-keys -t "$session" ' ' 'a'
wait_for "Request senior review" || true
actions=$(screen)
screen > "$root/target/artifacts/helix-code-actions.txt"
check "the code action is listed" "Request senior review" "$actions"
# Pick it (the list's first entry is the preferred quickfix).
tmux send-keys -t "$session" Enter
for _ in $(seq 1 40); do [ -f "$work/.aigis/reviews/src/ops.rs.jsonl" ] && break; sleep 0.5; done
check "running it records the request" "review-request" "$(cat "$work/.aigis/reviews/src/ops.rs.jsonl" 2>/dev/null)"
tmux send-keys -t "$session" Escape ':q!' Enter
# A Python file an agent wrote to (its hook recorded the region): the diagnostic shows there too.
python_agent_region "$work"
tmux kill-session -t "$session" 2>/dev/null || true
tmux new-session -d -s "$session" -x 200 -y 50 "cd $work && XDG_CONFIG_HOME=$cfg $hx_dir/hx -v --log $log.py scripts/cleanup.py"
wait_for "cleanup.py" || true
sleep 2
tmux send-keys -t "$session" ':14' Enter
sleep 1
tmux send-keys -t "$session" ' ' 'D'
wait_for "risky/aws.cloudformation" || true
check "the risky diagnostic in a Python file" "risky/aws.cloudformation.delete-stack" "$(screen)"
tmux send-keys -t "$session" Escape ':q!' Enter
# A Terraform file an agent wrote (Helix's `hcl` language, from the shipped config).
terraform_agent_region "$work"
tmux kill-session -t "$session" 2>/dev/null || true
tmux new-session -d -s "$session" -x 200 -y 50 "cd $work && XDG_CONFIG_HOME=$cfg $hx_dir/hx -v --log $log.tf infra/main.tf"
wait_for "main.tf" || true
sleep 2
tmux send-keys -t "$session" ':3' Enter
sleep 1
tmux send-keys -t "$session" ' ' 'D'
wait_for "risky/tf.s3" || true
check "the risky diagnostic in a Terraform file" "risky/tf.s3.force-destroy" "$(screen)"
tmux send-keys -t "$session" Escape ':q!' Enter
if command -v chromium >/dev/null; then
  python3 "$root/tests/editors/render_terminal.py" "$root/target/artifacts/helix-diagnostics.ansi" "$root/target/artifacts/helix-diagnostics.png" \
    || echo "helix: could not render the screenshot (chromium)" >&2
fi
echo "helix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
