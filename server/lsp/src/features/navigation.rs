//! Go to definition, find references, rename and document highlight, for variables (across
//! the input schema and the template) and partials (across the workspace).

use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    DocumentHighlight, GotoDefinitionResponse, Location, Position, PrepareRenameResponse,
    WorkspaceEdit,
};

use super::World;

pub fn definition(_world: &World, _position: Position) -> Option<GotoDefinitionResponse> {
    None
}

pub fn references(
    _world: &World,
    _position: Position,
    _include_declaration: bool,
) -> Option<Vec<Location>> {
    None
}

pub fn prepare_rename(_world: &World, _position: Position) -> Option<PrepareRenameResponse> {
    None
}

pub fn rename(
    _world: &World,
    _position: Position,
    _new_name: &str,
) -> jsonrpc::Result<Option<WorkspaceEdit>> {
    Ok(None)
}

pub fn highlight(_world: &World, _position: Position) -> Option<Vec<DocumentHighlight>> {
    None
}
