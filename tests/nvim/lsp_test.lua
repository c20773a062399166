-- Headless Neovim 0.7 end-to-end test of `dync lsp`, set up as docs/editors.md tells Neovim 0.7
-- users to (`vim.lsp.start_client` + `vim.lsp.buf_attach_client`; 0.7 has no `vim.lsp.start`).
--
--   nvim --headless --clean -u NONE -i NONE -n -c "luafile tests/nvim/lsp_test.lua"
--
-- Environment:
--   DYNC_BIN           the server binary (default: `dync` on PATH)
--   DYNC_NVIM_CASES    a JSON file: { "root": DIR, "files": [ { "path": FILE, "expect_errors": BOOL,
--                      "position": [LINE, BYTE_COLUMN] (0-based: a function name used in a flow) } ] }
--   DYNC_NVIM_RESULT   where to write what the server answered, as JSON
--
-- For every file: open it, attach the client, wait for its diagnostics (vim.diagnostic.get), then
-- request hover, definition and references at the position, documentSymbol and formatting with
-- vim.lsp.buf_request_sync. The assertions are made by tests/python/test_neovim.py on the JSON.
-- Exits 0 once the result is written, 1 (with an "error" in the result when possible) otherwise.

local TIMEOUT_MS = 15000

local function getenv(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    if default ~= nil then
      return default
    end
    error(name .. " is not set", 0)
  end
  return value
end

local result_path = getenv("DYNC_NVIM_RESULT")

local function write_result(result)
  vim.fn.writefile({ vim.fn.json_encode(result) }, result_path)
end

local function main()
  local dync = getenv("DYNC_BIN", "dync")
  local cases = vim.fn.json_decode(table.concat(vim.fn.readfile(getenv("DYNC_NVIM_CASES")), "\n"))
  local version = vim.version()
  local out = {
    nvim = string.format("%d.%d.%d", version.major, version.minor, version.patch),
    has_lsp_start = vim.lsp.start ~= nil,
    files = {},
  }

  -- Count the publishDiagnostics notifications per URI: an empty list is an answer too.
  local published = {}
  local default_handler = vim.lsp.handlers["textDocument/publishDiagnostics"]
  vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
    if result ~= nil then
      published[result.uri] = (published[result.uri] or 0) + 1
    end
    return default_handler(err, result, ctx, config)
  end

  local exit = nil
  local client_id = vim.lsp.start_client({
    name = "dync",
    cmd = { dync, "lsp" },
    root_dir = cases.root,
    on_exit = function(code, signal)
      exit = { code = code, signal = signal }
    end,
  })
  assert(client_id, "vim.lsp.start_client failed")
  local initialized = vim.wait(TIMEOUT_MS, function()
    local client = vim.lsp.get_client_by_id(client_id)
    return client ~= nil and client.initialized == true
  end, 10)
  assert(initialized, "the server did not answer initialize")
  out.server_capabilities = vim.lsp.get_client_by_id(client_id).server_capabilities

  for _, case in ipairs(cases.files) do
    vim.cmd("edit " .. vim.fn.fnameescape(case.path))
    local bufnr = vim.api.nvim_get_current_buf()
    vim.bo[bufnr].filetype = "dyn"
    assert(vim.lsp.buf_attach_client(bufnr, client_id), "buf_attach_client failed for " .. case.path)
    local uri = vim.uri_from_bufnr(bufnr)
    local file = { path = case.path, uri = uri }

    -- Diagnostics: wait until they show (a broken file) or were published (a clean one).
    file.diagnostics_arrived = vim.wait(TIMEOUT_MS, function()
      if case.expect_errors then
        return #vim.diagnostic.get(bufnr) > 0
      end
      return (published[uri] or 0) > 0
    end, 10)
    file.diagnostics = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      local lsp = (d.user_data or {}).lsp or {}
      table.insert(file.diagnostics, {
        code = d.code or lsp.code,
        severity = d.severity,
        lnum = d.lnum,
        col = d.col,
        end_lnum = d.end_lnum,
        end_col = d.end_col,
        message = d.message,
        source = d.source,
        href = (lsp.codeDescription or {}).href,
      })
    end

    local function request(method, params)
      local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, TIMEOUT_MS)
      if responses == nil then
        return { error = tostring(err) }
      end
      local response = responses[client_id]
      if response == nil then
        return { error = "no response from the client" }
      end
      return { result = response.result, error = response.err or response.error, answered = true }
    end

    -- The cursor on the name, then the position as Neovim computes it (UTF-16 for this client).
    vim.api.nvim_win_set_cursor(0, { case.position[1] + 1, case.position[2] })
    local position = vim.lsp.util.make_position_params()
    file.position = position.position
    file.hover = request("textDocument/hover", position)
    file.definition = request("textDocument/definition", position)
    local references = vim.lsp.util.make_position_params()
    references.context = { includeDeclaration = true }
    file.references = request("textDocument/references", references)
    file.symbols = request("textDocument/documentSymbol", { textDocument = { uri = uri } })
    file.formatting = request("textDocument/formatting", vim.lsp.util.make_formatting_params({ tabSize = 4, insertSpaces = true }))
    table.insert(out.files, file)
  end

  vim.lsp.stop_client(client_id)
  out.stopped = vim.wait(TIMEOUT_MS, function()
    return exit ~= nil
  end, 10)
  out.exit = exit
  return out
end

local ok, result = xpcall(main, debug.traceback)
if ok then
  write_result(result)
  vim.cmd("qall!")
else
  pcall(write_result, { error = tostring(result) })
  io.stderr:write("lsp_test.lua: " .. tostring(result) .. "\n")
  vim.cmd("cquit 1")
end
