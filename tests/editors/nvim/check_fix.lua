-- Waits for the ent-ls warning, applies the allow-jit quick fix through
-- vim.lsp.buf.code_action and writes what happened as JSON to $ENT_LS_RESULT.
local result_path = assert(os.getenv('ENT_LS_RESULT'), 'ENT_LS_RESULT is not set')
local wait_ms = tonumber(os.getenv('ENT_LS_WAIT_MS') or '60000')
local fix_title = 'Switch to com.apple.security.cs.allow-jit'
local result = { steps = {} }

local function step(name)
  table.insert(result.steps, name)
end

local function buffer_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

local function find_warning(buf)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or vim.tbl_get(d, 'user_data', 'lsp', 'code')
    if code == 'unsigned-executable-memory' then
      return d
    end
  end
end

local function server_exited()
  if vim.g.ent_ls_test_exit ~= nil then
    error('the server exited: ' .. vim.inspect(vim.g.ent_ls_test_exit))
  end
end

--- vim.wait that also stops (with an error) as soon as the server process has exited.
local function wait_for(what, predicate)
  local ok = vim.wait(wait_ms, function()
    return vim.g.ent_ls_test_exit ~= nil or predicate()
  end, 50)
  server_exited()
  assert(ok, 'timed out waiting for ' .. what)
end

local function run()
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype
  result.syntax = vim.bo[buf].syntax
  result.commentstring = vim.bo[buf].commentstring
  result.nvim_version = tostring(vim.version())

  local function client()
    return vim.lsp.get_clients({ bufnr = buf, name = 'ent_ls' })[1]
  end
  wait_for('ent_ls to attach and initialize', function()
    local c = client()
    return c ~= nil and c.initialized == true
  end)
  step('attached')
  local c = client()
  result.server_name = c.server_info and c.server_info.name
  result.cmd = c.config.cmd

  local ok_warn, err_warn = pcall(wait_for, 'the unsigned-executable-memory diagnostic', function()
    return find_warning(buf) ~= nil
  end)
  assert(ok_warn, tostring(err_warn) .. '; diagnostics: ' .. vim.inspect(vim.diagnostic.get(buf)))
  step('warning')
  local d = find_warning(buf)
  local line = vim.api.nvim_buf_get_lines(buf, d.lnum, d.lnum + 1, false)[1]
  result.diagnostic = {
    severity = d.severity,
    source = d.source,
    lnum = d.lnum,
    col = d.col,
    end_lnum = d.end_lnum,
    end_col = d.end_col,
    message = d.message,
    text = d.lnum == d.end_lnum and line:sub(d.col + 1, d.end_col) or nil,
  }

  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  local offered = {}
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      table.insert(offered, action.title)
      return action.title == fix_title
    end,
  })
  local fixed, fix_err = pcall(wait_for, 'the quick fix to be applied', function()
    return buffer_text(buf):find('com.apple.security.cs.allow-jit', 1, true) ~= nil
  end)
  result.offered = offered
  assert(fixed, tostring(fix_err) .. '; actions offered: ' .. vim.inspect(offered))
  step('fixed')
  result.text = buffer_text(buf) .. '\n'

  result.cleared = pcall(wait_for, 'the warning to go away', function()
    return find_warning(buf) == nil
  end)
  step('cleared')
end

local ok, err = xpcall(run, debug.traceback)
result.ok = ok
result.error = err and tostring(err) or nil
if not ok then
  result.messages = vim.fn.execute('messages')
  local log_file = vim.lsp.log.get_filename and vim.lsp.log.get_filename()
  if log_file and vim.fn.filereadable(log_file) == 1 then
    result.lsp_log = table.concat(vim.list_slice(vim.fn.readfile(log_file), 1, 200), '\n')
  end
end
local f = assert(io.open(result_path, 'w'))
f:write(vim.json.encode(result))
f:close()
vim.cmd('qall!')
