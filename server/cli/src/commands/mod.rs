//! One module per subcommand.

pub mod alerts;
pub mod audit;
pub mod engine;
pub mod eval;
pub mod feedback;
pub mod generate;
pub mod history;
pub mod key;
pub mod lint;
pub mod lsp;
pub mod refine;
pub mod render;
pub mod review;
pub mod rollback;
pub mod rules;
pub mod save;
pub mod state;
