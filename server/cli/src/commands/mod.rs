//! One module per subcommand.

pub mod engine;
pub mod eval;
pub mod generate;
pub mod key;
pub mod lint;
pub mod lsp;
pub mod refine;
pub mod render;
pub mod rules;
