-- aigis for Neovim 0.11+: `vim.lsp.enable('aigis')` (nvim-lspconfig's layout: lsp/<name>.lua).
-- The server is `aigis lsp`; set `vim.g.aigis_path` (or the AIGIS_PATH environment variable) to
-- use a binary that is not on PATH.
local cmd = vim.g.aigis_path or vim.env.AIGIS_PATH or 'aigis'

---@type vim.lsp.Config
return {
  cmd = { cmd, 'lsp' },
  -- No `filetypes`: every text file is tracked (AI regions in any file; analysis where a
  -- language has rules), so the server attaches to every buffer in the workspace.
  root_markers = { 'aigis.toml', '.aigis', 'Cargo.toml', '.git' },
  init_options = {
    -- The plugin reports accepted AI suggestions itself (aigis/markAiEdit), so the server's burst
    -- heuristic stays off unless you turn it on below.
    aiEditReporting = true,
    -- auditMode = true,                   -- risky operations everywhere, not only in AI regions
    -- heuristic = { enabled = true, minLines = 4 },
  },
  capabilities = {
    general = { positionEncodings = { 'utf-8', 'utf-16' } },
  },
}
