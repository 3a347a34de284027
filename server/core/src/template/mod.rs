//! Handlebars templates: an error-tolerant parser with exact spans, and the tree it builds.

mod lexer;
mod parser;
pub mod syntax;

pub use parser::{MAX_BLOCK_DEPTH, parse_template};
pub use syntax::*;

#[cfg(test)]
mod tests;
