-- Filetype and highlighting for Apple .entitlements files (ent-ls).
if vim.g.loaded_ent_ls_plugin then
  return
end
vim.g.loaded_ent_ls_plugin = true

---@param path string
local function is_entitlements_plist(path)
  local name = vim.fs.basename(path):lower()
  if name:match('^entitlements.*%.plist$') then
    return 'entitlements'
  end
end

vim.filetype.add({
  extension = { entitlements = 'entitlements' },
  pattern = {
    -- Entitlements.plist, entitlements-debug.plist, ... (any case); priority beats the plist -> xml rule.
    ['.*%.[pP][lL][iI][sS][tT]'] = { is_entitlements_plist, { priority = 10 } },
  },
})

-- The XML tree-sitter parser highlights the filetype when it is installed; otherwise Vim's XML syntax.
if vim.treesitter and vim.treesitter.language and vim.treesitter.language.register then
  pcall(vim.treesitter.language.register, 'xml', 'entitlements')
end

vim.api.nvim_create_autocmd('FileType', {
  group = vim.api.nvim_create_augroup('ent_ls_filetype', { clear = true }),
  pattern = 'entitlements',
  callback = function(args)
    local buf = args.buf
    vim.bo[buf].commentstring = '<!-- %s -->'
    vim.bo[buf].comments = 's:<!--,m:    ,e:-->'
    vim.b[buf].undo_ftplugin = (vim.b[buf].undo_ftplugin and (vim.b[buf].undo_ftplugin .. '|') or '')
      .. 'setlocal commentstring< comments<'
    local started = false
    if vim.treesitter and vim.treesitter.start then
      started = pcall(vim.treesitter.start, buf, 'xml')
    end
    if not started then
      vim.bo[buf].syntax = 'xml'
    end
  end,
})
