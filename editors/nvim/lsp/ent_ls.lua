-- ent-ls: language server for Apple .entitlements files.
-- Config for Neovim 0.11+: vim.lsp.enable('ent_ls') (override with vim.lsp.config('ent_ls', {...})).

---@param name string
local function executable(name)
  return vim.fn.executable(name) == 1
end

-- `ent-ls` when it is on PATH, else `python3 -m ent_ls` (install ent-ls into that Python: see README.md).
local cmd
if executable('ent-ls') then
  cmd = { 'ent-ls', 'serve' }
elseif executable('python3') then
  cmd = { 'python3', '-m', 'ent_ls', 'serve' }
else
  cmd = { 'python', '-m', 'ent_ls', 'serve' }
end

---@type vim.lsp.Config
return {
  cmd = cmd,
  filetypes = { 'entitlements' },
  root_markers = { '.git', 'Package.swift' },
  -- Served for `workspace/configuration` (section `entitlements`) and sent as initializationOptions.
  settings = {
    entitlements = {
      platform = vim.NIL, -- 'macos' | 'ios' | 'ipados' | 'tvos' | 'watchos' | 'visionos'; nil: detect
      severity = vim.empty_dict(), -- e.g. { ['unsigned-executable-memory'] = 'error' }
      select = vim.NIL, -- list of rule ids to run; nil: all
      ignore = {}, -- list of rule ids never reported
    },
  },
  before_init = function(params, config)
    if params.initializationOptions == nil and config.settings then
      params.initializationOptions = config.settings.entitlements
    end
  end,
}
