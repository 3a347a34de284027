//! The language server: `promptopt lsp`.
//!
//! Will own (issue 4): the document store, diagnostics off the typing path, code actions,
//! hover, completion, navigation, commands and progress. Only this crate knows LSP types.
//! Must not know: SQL details, the HTTP server.
//!
//! Empty until issue 4 lands; it exists so the workspace shows where that work goes.
