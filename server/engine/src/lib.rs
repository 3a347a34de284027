//! Generate, evaluate and refine: the three verbs of PromptOpt as use cases over `core`.
//!
//! Owns: LLM providers behind one trait ([`provider`]); what surrounds every call — retries,
//! the response cache, the budget, bounded concurrency, cancellation, cost ([`client`]);
//! assertions on model outputs with promptfoo's semantics ([`assertions`]); test files in
//! promptfoo's shape ([`tests_file`]); the use cases; and keeping their results in the registry
//! ([`record`]).
//!
//! Must not know: LSP, the HTTP server.

pub mod assertions;
pub mod client;
mod drafts;
pub mod evaluate;
pub mod generate;
pub mod prompt;
pub mod provider;
pub mod record;
pub mod refine;
pub mod settings;
pub mod tests_file;

/// The `modelVersion` of everything the built-in engine answers: `builtin/N`, with N bumped
/// whenever its strategies or scoring change what it answers, so a stored result says which
/// engine made it.
pub const BUILTIN_MODEL_VERSION: &str = "builtin/1";

pub fn builtin_model_version() -> String {
    BUILTIN_MODEL_VERSION.to_string()
}
