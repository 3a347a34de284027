//! Hover: variables, helpers, partials, front-matter keys, diagnostics and token costs.

use tower_lsp_server::ls_types::{Hover, Position};

use super::World;
use crate::diagnostics::LintResult;

pub fn hover(_world: &World, _result: &LintResult, _position: Position) -> Option<Hover> {
    None
}
