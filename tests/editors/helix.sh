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
log=$root/target/artifacts/helix-lsp.log
# A tmux server of this test's own, kept up by a session that only waits: closing one editor
# session never stops the server while the next one is starting (tmux's "server exited
# unexpectedly"), and no other test's tmux can take it down.
sock=aigis-hx-$$
tm() { tmux -L "$sock" "$@"; }
tm new-session -d -s keep 'tail -f /dev/null'
trap 'tm kill-server 2>/dev/null || true' EXIT
ed=hx
screen() { tm capture-pane -p -t "$ed" 2>/dev/null || true; }
on_screen() { screen | grep -q -- "$1"; }
off_screen() { ! on_screen "$1"; }
# Helix's log (-v) holds every message from the server: a set of diagnostics naming $2.
diagnostics_in_log() { grep 'publishDiagnostics' "$1" 2>/dev/null | grep -q -- "$2"; }
# Opens $1 in a new Helix (closing the last one) with its log at $2, and waits until the
# server has sent the file's diagnostics with the code $3.
open_in_helix() {
  tm kill-session -t "$ed" 2>/dev/null || true
  rm -f "$2"
  tm new-session -d -s "$ed" -x 200 -y 50 "cd $work && XDG_CONFIG_HOME=$cfg $hx_dir/hx -v --log $2 $1"
  wait_until diagnostics_in_log "$2" "$3" || echo "helix: no diagnostics with $3 for $1 in its log" >&2
}
# Moves the cursor to line $1 and waits until the status line says so (it ends `  23:1`;
# the captured screen has no trailing spaces).
at_line() { screen | grep -qE " $1:1( |\$)"; }
goto_line() {
  tm send-keys -t "$ed" ":$1" Enter
  wait_until at_line "$1" || echo "helix: the status line never showed line $1" >&2
}
# Opens the document's diagnostics picker and waits for $1 in it.
diagnostics_picker() {
  tm send-keys -t "$ed" ' ' 'D'
  wait_until on_screen "$1" || true
}
passed=0; failed=0
check() {
  if grep -q -- "$2" <<<"$3"; then echo "PASS $1"; passed=$((passed + 1)); else echo "FAIL $1"; echo "$3"; failed=$((failed + 1)); fi
}
open_in_helix src/ops.rs "$log" risky/aws.ec2.terminate-instances
# The terminate_instances line: the picker lists the file's diagnostics (the source text on the
# screen names the call too, so the check is for the diagnostic's code).
goto_line 23
diagnostics_picker risky/aws.ec2.terminate-instances
picker=$(screen)
screen > "$root/target/artifacts/helix-diagnostics.txt"
tm capture-pane -e -p -t "$ed" > "$root/target/artifacts/helix-diagnostics.ansi" || true
check "the risky diagnostic in the diagnostics picker" "risky/aws.ec2.terminate-instances" "$picker"
tm send-keys -t "$ed" Escape
wait_until off_screen risky/aws.ec2.terminate-instances || true
tm send-keys -t "$ed" ' ' 'a'
wait_until on_screen "Request senior review" || true
actions=$(screen)
screen > "$root/target/artifacts/helix-code-actions.txt"
check "the code action is listed" "Request senior review" "$actions"
# Pick it (the list's first entry is the preferred quickfix).
tm send-keys -t "$ed" Enter
ledger=$work/.aigis/reviews/src/ops.rs.jsonl
wait_until grep -q review-request "$ledger" 2>/dev/null || true
check "running it records the request" "review-request" "$(cat "$ledger" 2>/dev/null)"
tm send-keys -t "$ed" Escape ':q!' Enter
# A Python file an agent wrote to (its hook recorded the region): the diagnostic shows there too.
python_agent_region "$work"
open_in_helix scripts/cleanup.py "$log.py" risky/aws.cloudformation.delete-stack
goto_line 14
diagnostics_picker risky/aws.cloudformation
check "the risky diagnostic in a Python file" "risky/aws.cloudformation.delete-stack" "$(screen)"
tm send-keys -t "$ed" Escape ':q!' Enter
# A Terraform file an agent wrote (Helix's `hcl` language, from the shipped config).
terraform_agent_region "$work"
open_in_helix infra/main.tf "$log.tf" risky/tf.s3.force-destroy
goto_line 3
diagnostics_picker risky/tf.s3
check "the risky diagnostic in a Terraform file" "risky/tf.s3.force-destroy" "$(screen)"
tm send-keys -t "$ed" Escape ':q!' Enter
if command -v chromium >/dev/null; then
  python3 "$root/tests/editors/render_terminal.py" "$root/target/artifacts/helix-diagnostics.ansi" "$root/target/artifacts/helix-diagnostics.png" \
    || echo "helix: could not render the screenshot (chromium)" >&2
fi
echo "helix: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
