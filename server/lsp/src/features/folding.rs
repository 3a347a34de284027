//! Folding ranges: front matter, blocks, turns, comments, code fences.

use tower_lsp_server::ls_types::FoldingRange;

use super::World;

pub fn folding_ranges(_world: &World) -> Option<Vec<FoldingRange>> {
    None
}
