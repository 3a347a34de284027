//! The PromptOpt document model.
//!
//! Owns: parsing `.prompt` files (dotprompt) into front matter and a Handlebars syntax tree with
//! exact source spans and error recovery, picoschema, rendering to messages, the model table and
//! token counts the cost rules use, and the built-in, offline variant strategies (`variants`).
//!
//! Invariants:
//! - no I/O and no async: callers hand in text and resolvers, so every editor, the CLI and the
//!   API share this code and tests need no files;
//! - parsing never fails: it returns a document plus the errors it found;
//! - nothing here panics on any input.

pub mod document;
pub mod format;
pub mod lint;
pub mod models;
pub mod prompty;
pub mod render;
pub mod rubric;
pub mod schema;
pub mod template;
pub mod text;
pub mod tokens;
pub mod variants;
