//! One module per subcommand.

pub mod engine;
pub mod eval;
pub mod lint;
pub mod lsp;
pub mod render;
pub mod rules;
