//! Signature help for helper calls.

use tower_lsp_server::ls_types::{Position, SignatureHelp};

use super::World;

pub fn signature_help(_world: &World, _position: Position) -> Option<SignatureHelp> {
    None
}
