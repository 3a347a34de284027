//! Code actions: quick fixes, fix-all, suppressions, refactors and the engine commands.

use tower_lsp_server::ls_types::{CodeActionKind, CodeActionParams, CodeActionResponse};

use super::World;
use crate::diagnostics::LintResult;

pub const KINDS: [CodeActionKind; 1] = [CodeActionKind::QUICKFIX];

pub fn code_actions(
    _world: &World,
    _result: &LintResult,
    _params: &CodeActionParams,
) -> Option<CodeActionResponse> {
    None
}
