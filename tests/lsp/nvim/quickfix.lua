-- Headless Neovim as a real LSP client of `promptopt lsp`: open a prompt with trailing
-- whitespace, wait for the formatting-hygiene diagnostic, ask for code actions at it, apply the
-- quick fix as Neovim applies a code action's edit, and wait for the diagnostic to go away while
-- the prompt's other findings stay. Exits 0 on success, 1 on any failure or timeout.
--
--   nvim --headless --clean -u NONE -l tests/lsp/nvim/quickfix.lua PROMPTOPT_BIN FILE.prompt
--
-- FILE must have a body line ending in a space (tests/lsp/test_neovim.py writes one).

local TIMEOUT = 10000 -- ms; a guard only: every wait returns as soon as its condition holds
local RULE = 'formatting-hygiene'

local function fail(message)
  io.stderr:write('quickfix.lua: ' .. message .. '\n')
  vim.cmd('cquit! 1')
end

--- Waits until `condition()` is truthy, processing Neovim's events meanwhile.
local function wait_for(what, condition)
  if not vim.wait(TIMEOUT, condition, 10) then
    error(('timed out after %d ms waiting for %s'):format(TIMEOUT, what), 0)
  end
end

local function findings(buf, rule)
  return vim.tbl_filter(function(d)
    return d.code == rule
  end, vim.diagnostic.get(buf))
end

local function main()
  local bin, file = arg[1], arg[2]
  assert(bin and file, 'usage: quickfix.lua PROMPTOPT_BIN FILE.prompt')
  assert(vim.lsp.start, 'this Neovim has no vim.lsp.start: use 0.10 or later')

  vim.cmd.edit(vim.fn.fnameescape(file))
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = 'dotprompt' -- the language id the server expects

  local client_id = vim.lsp.start({
    name = 'promptopt',
    cmd = { bin, 'lsp' },
    root_dir = vim.fs.dirname(file),
  }, { bufnr = buf })
  assert(client_id, 'vim.lsp.start did not start a client')
  local client
  wait_for('the server to initialize', function()
    client = vim.lsp.get_client_by_id(client_id)
    return client and client.initialized
  end)

  wait_for('a ' .. RULE .. ' diagnostic', function()
    return #findings(buf, RULE) > 0
  end)
  local others = #vim.diagnostic.get(buf) - #findings(buf, RULE)
  assert(others > 0, 'the prompt should have other findings too')
  local diagnostic = findings(buf, RULE)[1].user_data.lsp

  local response = client:request_sync('textDocument/codeAction', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = diagnostic.range,
    context = { diagnostics = { diagnostic }, only = { 'quickfix' } },
  }, TIMEOUT, buf)
  assert(response, 'no answer to textDocument/codeAction')
  assert(not response.err, 'textDocument/codeAction failed: ' .. vim.inspect(response.err))
  local fix
  for _, action in ipairs(response.result or {}) do
    if action.kind == 'quickfix' and action.title:find('trailing whitespace', 1, true) then
      fix = action
    end
  end
  assert(fix, 'no trailing-whitespace quick fix among: ' .. vim.inspect(response.result))
  assert(fix.edit, 'the quick fix carries no edit: ' .. vim.inspect(fix))

  local line = diagnostic.range.start.line
  vim.lsp.util.apply_workspace_edit(fix.edit, client.offset_encoding)
  local text = vim.api.nvim_buf_get_lines(buf, line, line + 1, true)[1]
  assert(not text:find('%s$'), 'the fix left trailing whitespace: ' .. vim.inspect(text))

  wait_for('the ' .. RULE .. ' diagnostic to go away', function()
    return #findings(buf, RULE) == 0
  end)
  assert(
    #vim.diagnostic.get(buf) == others,
    ('the other findings should stay: %d before, %d after'):format(others, #vim.diagnostic.get(buf))
  )

  client:stop()
  wait_for('the server to stop', function()
    return client:is_stopped()
  end)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  fail(tostring(err))
end
vim.cmd('qall!')
