-- aigis in Neovim: signs and highlights for AI regions, review and blast-radius commands, and
-- reporting of accepted AI suggestions to the server (`aigis/markAiEdit`).
local M = {}

local ns = vim.api.nvim_create_namespace('aigis')

M.config = {
  -- Report accepted suggestions of these plugins when they are installed.
  integrations = { copilot = true, supermaven = true, codeium = true, codecompanion = true, avante = true },
  sign_text = '▍',
}

local function client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr or 0, name = 'aigis' })[1]
end

local function hl_for(region)
  local tier = region.risk and region.risk.tier or 'none'
  if region.review and region.review.state == 'approved' then
    return 'AigisApproved'
  elseif tier == 'senior' then
    return 'AigisSenior'
  elseif tier == 'peer' then
    return 'AigisPeer'
  end
  return 'AigisRegion'
end

--- Draws the AI regions of a buffer in the sign column.
function M.refresh(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local c = client(bufnr)
  if not c then
    return
  end
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
  c:request('aigis/regions', params, function(err, regions)
    if err or not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    vim.api.nvim_buf_clear_namespace(bufnr, ns, 0, -1)
    local last = vim.api.nvim_buf_line_count(bufnr) - 1
    for _, r in ipairs(regions or {}) do
      local first = math.min(r.range.start.line, last)
      local stop = r.range['end'].line
      if r.range['end'].character == 0 and stop > first then
        stop = stop - 1
      end
      for line = first, math.min(stop, last) do
        vim.api.nvim_buf_set_extmark(bufnr, ns, line, 0, {
          sign_text = M.config.sign_text,
          sign_hl_group = hl_for(r),
          priority = 20,
        })
      end
    end
    vim.b[bufnr].aigis_regions = regions
  end, bufnr)
end

--- The region under the cursor, from the last refresh.
local function region_at_cursor(bufnr)
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  for _, r in ipairs(vim.b[bufnr].aigis_regions or {}) do
    if r.range.start.line <= line and line <= r.range['end'].line then
      return r
    end
  end
end

local function execute(bufnr, command, arg, on_result)
  local c = client(bufnr)
  if not c then
    vim.notify('aigis: the language server is not attached to this buffer', vim.log.levels.WARN)
    return
  end
  c:request('workspace/executeCommand', { command = command, arguments = { arg } }, function(err, result)
    if err then
      vim.notify('aigis: ' .. err.message, vim.log.levels.ERROR)
      return
    end
    if on_result then
      on_result(result)
    end
    M.refresh(bufnr)
  end, bufnr)
end

local function region_command(command)
  return function()
    local bufnr = vim.api.nvim_get_current_buf()
    local r = region_at_cursor(bufnr)
    if not r then
      vim.notify('aigis: no AI region at the cursor', vim.log.levels.INFO)
      return
    end
    execute(bufnr, command, { uri = vim.uri_from_bufnr(bufnr), regionId = r.id })
  end
end

local function range_from(opts)
  local bufnr = vim.api.nvim_get_current_buf()
  local last = vim.api.nvim_buf_get_lines(bufnr, opts.line2 - 1, opts.line2, false)[1] or ''
  return {
    start = { line = opts.line1 - 1, character = 0 },
    ['end'] = { line = opts.line2 - 1, character = #last },
  }
end

--- Reports text an AI just inserted: rows [first, last] (0-based, inclusive).
function M.mark_ai(bufnr, first, last, tool, model)
  local c = client(bufnr)
  if not c then
    return
  end
  local last_line = vim.api.nvim_buf_get_lines(bufnr, last, last + 1, false)[1] or ''
  -- Send after Neovim's own didChange for the insertion.
  vim.schedule(function()
    c:notify('aigis/markAiEdit', {
      textDocument = { uri = vim.uri_from_bufnr(bufnr), version = vim.lsp.util.buf_versions[bufnr] },
      range = { start = { line = first, character = 0 }, ['end'] = { line = last, character = #last_line } },
      tool = tool,
      model = model,
    })
  end)
end

--- Wraps an accept function so the text it inserts is reported as `tool`'s. The rows the call
--- changes are observed with `nvim_buf_attach` while it runs.
function M.wrap_accept(fn, tool)
  return function(...)
    local bufnr = vim.api.nvim_get_current_buf()
    local first, last
    local active = true
    vim.api.nvim_buf_attach(bufnr, false, {
      on_lines = function(_, _, _, start_row, _, new_end_row)
        if not active then
          return true
        end
        first = math.min(first or start_row, start_row)
        last = math.max(last or new_end_row - 1, new_end_row - 1)
      end,
    })
    local result = { fn(...) }
    -- Some plugins insert on the next tick.
    vim.schedule(function()
      active = false
      if first and last and last >= first then
        M.mark_ai(bufnr, first, last, tool)
      end
    end)
    return unpack(result)
  end
end

local function integrate()
  local cfg = M.config.integrations
  if cfg.copilot then
    local ok, suggestion = pcall(require, 'copilot.suggestion')
    if ok and type(suggestion) == 'table' then
      for _, name in ipairs({ 'accept', 'accept_word', 'accept_line' }) do
        if type(suggestion[name]) == 'function' then
          suggestion[name] = M.wrap_accept(suggestion[name], 'copilot')
        end
      end
    end
  end
  if cfg.supermaven then
    local ok, preview = pcall(require, 'supermaven-nvim.completion_preview')
    if ok and type(preview) == 'table' then
      for _, name in ipairs({ 'on_accept_suggestion', 'on_accept_suggestion_word' }) do
        if type(preview[name]) == 'function' then
          preview[name] = M.wrap_accept(preview[name], 'supermaven')
        end
      end
    end
  end
  -- Chat plugins that announce finished edits with User autocommands carrying the buffer.
  local events = {}
  if cfg.codecompanion then
    events[#events + 1] = { 'CodeCompanionInlineFinished', 'codecompanion' }
  end
  if cfg.avante then
    events[#events + 1] = { 'AvanteEditFinished', 'avante' }
  end
  for _, e in ipairs(events) do
    vim.api.nvim_create_autocmd('User', {
      pattern = e[1],
      callback = function(args)
        local data = args.data or {}
        local bufnr = data.bufnr or data.buf or vim.api.nvim_get_current_buf()
        if data.range and data.range.start_line then
          M.mark_ai(bufnr, data.range.start_line - 1, data.range.end_line - 1, e[2])
        end
      end,
    })
  end
  -- copilot.vim and codeium.vim accept in Vimscript: wrapped functions to map the accept key to
  -- (`imap <script><silent><expr> <C-J> v:lua.require'aigis'.copilot_vim_accept()`).
  if vim.fn.exists('*copilot#Accept') == 1 then
    M.copilot_vim_accept = M.wrap_accept(function(...)
      return vim.fn['copilot#Accept'](...)
    end, 'copilot')
  end
  if cfg.codeium ~= false and vim.fn.exists('*codeium#Accept') == 1 then
    M.codeium_accept = M.wrap_accept(function(...)
      return vim.fn['codeium#Accept'](...)
    end, 'codeium')
  end
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  vim.api.nvim_set_hl(0, 'AigisRegion', { default = true, link = 'DiagnosticHint' })
  vim.api.nvim_set_hl(0, 'AigisPeer', { default = true, link = 'DiagnosticWarn' })
  vim.api.nvim_set_hl(0, 'AigisSenior', { default = true, link = 'DiagnosticError' })
  vim.api.nvim_set_hl(0, 'AigisApproved', { default = true, link = 'DiagnosticOk' })

  local group = vim.api.nvim_create_augroup('aigis', { clear = true })
  vim.api.nvim_create_autocmd({ 'LspAttach' }, {
    group = group,
    callback = function(args)
      local c = vim.lsp.get_client_by_id(args.data.client_id)
      if c and c.name == 'aigis' then
        M.refresh(args.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd('DiagnosticChanged', {
    group = group,
    callback = function(args)
      if client(args.buf) then
        M.refresh(args.buf)
      end
    end,
  })

  vim.api.nvim_create_user_command('AigisRegions', function()
    local bufnr = vim.api.nvim_get_current_buf()
    local items = {}
    for _, r in ipairs(vim.b[bufnr].aigis_regions or {}) do
      items[#items + 1] = {
        bufnr = bufnr,
        lnum = r.range.start.line + 1,
        text = string.format('AI %s (%s, %s) tier %s, review %s', r.tool, r.source, r.confidence, r.risk.tier, r.review.state),
      }
    end
    vim.fn.setqflist({}, ' ', { title = 'aigis: AI regions', items = items })
    vim.cmd('copen')
  end, { desc = 'List the AI regions of this buffer' })
  vim.api.nvim_create_user_command('AigisRequestReview', region_command('aigis.requestSeniorReview'), { desc = 'Request a review of the AI region at the cursor' })
  vim.api.nvim_create_user_command('AigisApprove', region_command('aigis.approve'), { desc = 'Approve the AI region at the cursor' })
  vim.api.nvim_create_user_command('AigisBlastRadius', function()
    local bufnr = vim.api.nvim_get_current_buf()
    local pos = vim.api.nvim_win_get_cursor(0)
    execute(bufnr, 'aigis.showBlastRadius', {
      uri = vim.uri_from_bufnr(bufnr),
      position = { line = pos[1] - 1, character = pos[2] },
    }, function(locations)
      local c = client(bufnr)
      local items = vim.lsp.util.locations_to_items(locations or {}, c and c.offset_encoding or 'utf-16')
      vim.fn.setqflist({}, ' ', { title = 'aigis: blast radius', items = items })
      vim.cmd('copen')
    end)
  end, { desc = 'Dependents of the AI region at the cursor, in the quickfix list' })
  vim.api.nvim_create_user_command('AigisMarkAi', function(o)
    local bufnr = vim.api.nvim_get_current_buf()
    execute(bufnr, 'aigis.markAi', { uri = vim.uri_from_bufnr(bufnr), range = range_from(o), tool = o.args ~= '' and o.args or 'manual' })
  end, { range = true, nargs = '?', desc = 'Mark the selected lines as AI-written (optional: the tool)' })
  vim.api.nvim_create_user_command('AigisMarkHuman', function(o)
    local bufnr = vim.api.nvim_get_current_buf()
    execute(bufnr, 'aigis.markHuman', { uri = vim.uri_from_bufnr(bufnr), range = range_from(o) })
  end, { range = true, desc = 'Mark the selected lines as human-written' })

  integrate()
end

return M
