//! Schemas in prompt front matter: picoschema compiled to JSON Schema.

pub mod picoschema;

pub use picoschema::{NoSchemas, PicoschemaError, PicoschemaErrorKind, SchemaResolver, compile};
