//! One module per subcommand.

pub mod lint;
pub mod render;
pub mod rules;
