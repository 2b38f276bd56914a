-- Test config: the plugin from editors/nvim, no plugin manager.
vim.opt.rtp:prepend(os.getenv('AIGIS_NVIM_PLUGIN'))
vim.opt.swapfile = false
require('aigis').setup()
vim.lsp.enable('aigis')

local function say(s)
  io.stdout:write(s .. '\n')
end

local function codes(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'aigis' then
      out[#out + 1] = tostring(d.code)
    end
  end
  table.sort(out)
  return out
end

local function has(buf, code)
  return vim.tbl_contains(codes(buf), code)
end

function Check()
  local buf = vim.api.nvim_get_current_buf()
  local passed, failed = 0, 0
  local function expect(name, ok)
    say((ok and 'PASS ' or 'FAIL ') .. name .. ' [' .. table.concat(codes(buf), ', ') .. ']')
    if ok then
      passed = passed + 1
    else
      failed = failed + 1
    end
  end
  expect('risky diagnostic in the AI region', vim.wait(30000, function() return has(buf, 'risky/aws.ec2.terminate-instances') end, 50))
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.code == 'risky/aws.ec2.terminate-instances' then
      say(string.format('DIAG %d:%d %s', d.lnum + 1, d.col + 1, d.message))
      expect('it is an error', d.severity == vim.diagnostic.severity.ERROR)
    end
  end
  expect('senior review required', has(buf, 'review/senior-required'))
  expect('signs for the AI region', vim.wait(5000, function()
    return #vim.api.nvim_buf_get_extmarks(buf, vim.api.nvim_get_namespaces().aigis, 0, -1, {}) > 0
  end, 50))
  -- The quickfix, as a user would run it from the cursor in the region.
  vim.api.nvim_win_set_cursor(0, { 23, 12 })
  vim.lsp.buf.code_action({
    filter = function(a) return a.title:match('^Request senior review') ~= nil end,
    apply = true,
  })
  expect('review requested after the code action', vim.wait(30000, function() return has(buf, 'review/requested') end, 50))
  expect('the request is in the ledger', vim.fn.filereadable('.aigis/reviews/src/ops.rs.jsonl') == 1)
  -- An AI plugin's accept function, wrapped as the integrations wrap copilot.lua's: the lines
  -- it inserts are reported to the server as that tool's.
  local accept = require('aigis').wrap_accept(function()
    vim.api.nvim_buf_set_lines(buf, 3, 3, false, { 'fn suggested() {', '    std::fs::remove_dir_all("/srv").ok();', '}' })
  end, 'fake-ai')
  accept()
  local function fake_region()
    for _, r in ipairs(vim.b[buf].aigis_regions or {}) do
      if r.tool == 'fake-ai' then
        return r
      end
    end
  end
  expect('an accepted suggestion becomes an AI region', vim.wait(10000, function()
    require('aigis').refresh(buf)
    vim.wait(200)
    local r = fake_region()
    return r ~= nil and r.range.start.line == 3 and r.source == 'editor'
  end, 100))
  -- A Python file: the same accepted suggestion there, deleting a stack through boto3.
  vim.cmd('edit scripts/cleanup.py')
  local py = vim.api.nvim_get_current_buf()
  expect('aigis attaches to the Python file', vim.wait(20000, function()
    return #vim.lsp.get_clients({ bufnr = py, name = 'aigis' }) > 0
  end, 50))
  require('aigis').wrap_accept(function()
    vim.api.nvim_buf_set_lines(py, -1, -1, false, {
      '',
      'def recreate(name):',
      '    cf = boto3.client("cloudformation")',
      '    cf.delete_stack(StackName=name)',
    })
  end, 'fake-ai')()
  expect('risky diagnostic in the Python AI region', vim.wait(30000, function()
    return has(py, 'risky/aws.cloudformation.delete-stack')
  end, 50))
  -- A Terraform file: an accepted suggestion that lets a bucket be destroyed with its objects.
  vim.fn.mkdir('infra', 'p')
  vim.cmd('edit infra/main.tf')
  local tf = vim.api.nvim_get_current_buf()
  expect('aigis attaches to the Terraform file', vim.wait(20000, function()
    return #vim.lsp.get_clients({ bufnr = tf, name = 'aigis' }) > 0
  end, 50))
  require('aigis').wrap_accept(function()
    vim.api.nvim_buf_set_lines(tf, 0, -1, false, {
      'resource "aws_s3_bucket" "logs" {',
      '  bucket        = "logs"',
      '  force_destroy = true',
      '}',
    })
  end, 'fake-ai')()
  expect('risky diagnostic in the Terraform AI region', vim.wait(30000, function()
    return has(tf, 'risky/tf.s3.force-destroy')
  end, 50))
  say(string.format('nvim: %d passed, %d failed', passed, failed))
  vim.cmd(failed == 0 and 'qa!' or 'cquit 1')
end
