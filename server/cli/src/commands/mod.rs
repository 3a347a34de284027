//! One module per subcommand.

pub mod lint;
pub mod lsp;
pub mod render;
pub mod rules;
