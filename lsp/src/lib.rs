//! dync-lsp: the language server (LSP over stdio), a thin adapter over `dync_compiler::ide`; built in issue E1.
