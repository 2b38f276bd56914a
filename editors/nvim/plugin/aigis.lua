-- Loaded by Neovim from the runtime path; the plugin does nothing until `require('aigis').setup()`.
if vim.g.loaded_aigis then
  return
end
vim.g.loaded_aigis = true
