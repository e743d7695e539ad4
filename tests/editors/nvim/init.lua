-- Test init: ONLY editors/nvim plus a server command override. Used as
--   nvim --clean --headless -u init.lua -S check_fix.lua FILE
local dir = assert(os.getenv('ENT_LS_NVIM_DIR'), 'ENT_LS_NVIM_DIR is not set')
vim.opt.runtimepath:prepend(dir)
vim.opt.swapfile = false
vim.opt.shadafile = 'NONE'

local cmd = os.getenv('ENT_LS_TEST_SERVER_CMD')
if cmd and cmd ~= '' then
  vim.lsp.config('ent_ls', { cmd = vim.json.decode(cmd) })
end
vim.lsp.config('ent_ls', {
  settings = { entitlements = { platform = 'macos' } },
  -- Lets the test fail at once when the server dies instead of waiting for a timeout.
  on_exit = function(code, signal)
    vim.g.ent_ls_test_exit = { code = code, signal = signal }
  end,
})
vim.lsp.enable('ent_ls')
