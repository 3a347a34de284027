//! Completion: variables, helpers, partials, front matter, model ids and config keys.

use tower_lsp_server::ls_types::{CompletionResponse, Position};

use super::World;

pub fn completion(_world: &World, _position: Position) -> Option<CompletionResponse> {
    None
}
