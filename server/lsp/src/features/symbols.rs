//! Document symbols (front matter, roles, sections, blocks) and workspace symbols (prompts
//! and partials).

use std::path::PathBuf;
use std::sync::Arc;

use tower_lsp_server::ls_types::{DocumentSymbolResponse, WorkspaceSymbolResponse};

use super::World;
use crate::documents::Snapshot;

pub fn document_symbols(_world: &World) -> Option<DocumentSymbolResponse> {
    None
}

pub fn workspace_symbols(
    _roots: &[PathBuf],
    _open: &[Arc<Snapshot>],
    _query: &str,
) -> Option<WorkspaceSymbolResponse> {
    None
}
