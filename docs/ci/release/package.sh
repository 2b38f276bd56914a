#!/usr/bin/env bash
# Packs one built aigis binary for a release: aigis-VERSION-TARGET.tar.gz (a .zip for Windows)
# holding the binary, LICENSE, README.md, CHANGELOG.md, shell completions and the man page, so
# that a user who unpacks it has everything `cargo install` would give.
# Usage: package.sh TARGET BINARY OUT_DIR   (prints the archive's path)
set -euo pipefail
target=${1:?usage: package.sh TARGET BINARY OUT_DIR}
bin=${2:?usage: package.sh TARGET BINARY OUT_DIR}
out=${3:?usage: package.sh TARGET BINARY OUT_DIR}
root=$(cd "$(dirname "$0")/../../.." && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
name="aigis-$version-$target"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/completions" "$out"
exe=aigis
case "$target" in *windows*) exe=aigis.exe ;; esac
cp "$bin" "$stage/$name/$exe"
cp "$root/LICENSE" "$root/README.md" "$root/CHANGELOG.md" "$stage/$name/"
# Completions and the man page come from the binary itself; a binary built for another
# platform than this runner's cannot run here, so they are skipped there (said on stderr).
if "$bin" --version >/dev/null 2>&1; then
  for shell in bash zsh fish; do "$bin" completions "$shell" > "$stage/$name/completions/aigis.$shell"; done
  "$bin" man > "$stage/$name/aigis.1"
else
  echo "package.sh: $bin does not run on this machine: no completions or man page in $name" >&2
fi
out=$(cd "$out" && pwd)
case "$target" in
  *windows*) (cd "$stage" && python3 -m zipfile -c "$out/$name.zip" "$name") && echo "$out/$name.zip" ;;
  *) tar -C "$stage" -czf "$out/$name.tar.gz" "$name" && echo "$out/$name.tar.gz" ;;
esac
