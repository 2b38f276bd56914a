#!/usr/bin/env bash
# The action's first step: an `aigis` on the PATH. One already there is used as it is;
# otherwise the release archive of the action's own tag for this runner, its SHA-256 checked
# against the release's SHA256SUMS; otherwise (a branch or commit, or no release asset) built
# from the action's own source with cargo.
# Environment: ACTION_REPO (owner/name), ACTION_REF (the `uses:` ref), RUNNER_OS, RUNNER_ARCH,
# RUNNER_TEMP, GITHUB_PATH, GITHUB_ACTION_PATH.
set -euo pipefail
if command -v aigis >/dev/null 2>&1; then
  echo "aigis: using $(command -v aigis) ($(aigis --version))"
  exit 0
fi
dest=${RUNNER_TEMP:-/tmp}/aigis-bin
mkdir -p "$dest"
target=
case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
  Linux-X64) target=x86_64-unknown-linux-musl ;;
  Linux-ARM64) target=aarch64-unknown-linux-musl ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
esac
ref=${ACTION_REF:-}
if [ -n "$target" ] && [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  version=${ref#v}
  base="https://github.com/$ACTION_REPO/releases/download/$ref"
  archive="aigis-$version-$target.tar.gz"
  tmp=$(mktemp -d)
  if curl -fsSL --retry 3 -o "$tmp/$archive" "$base/$archive" && curl -fsSL --retry 3 -o "$tmp/SHA256SUMS" "$base/SHA256SUMS"; then
    (cd "$tmp" && grep " $archive\$" SHA256SUMS | sha256sum -c -) || { echo "aigis: $archive does not match SHA256SUMS" >&2; exit 1; }
    tar -xzf "$tmp/$archive" -C "$tmp"
    cp "$tmp/aigis-$version-$target/aigis" "$dest/aigis"
    echo "$dest" >> "$GITHUB_PATH"
    echo "aigis: installed release $ref for $target"
    exit 0
  fi
  echo "aigis: no release asset $archive for $ref; building from source"
fi
cargo install --locked --quiet --path "${GITHUB_ACTION_PATH:?}/server/cli" --root "$dest/.."
echo "$dest" >> "$GITHUB_PATH"
echo "aigis: built from $GITHUB_ACTION_PATH"
