//! Inlay hints: tokens per message, in all, and the estimated cost of one call.

use tower_lsp_server::ls_types::{InlayHint, Range};

use super::World;

pub fn inlay_hints(_world: &World, _range: Range) -> Option<Vec<InlayHint>> {
    None
}
