//! Semantic tokens: variables, helpers, block keywords, partials, comments, role markers.

use tower_lsp_server::ls_types::{Range, SemanticTokens, SemanticTokensLegend};

use super::World;

pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend::default()
}

pub fn tokens(_world: &World, _range: Option<Range>) -> Option<SemanticTokens> {
    None
}
