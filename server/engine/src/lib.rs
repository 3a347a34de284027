//! Generate, evaluate and refine: the three verbs of PromptOpt as use cases over `core`.
//!
//! Owns: LLM providers behind one trait ([`provider`]); what surrounds every call — retries,
//! the response cache, the budget, bounded concurrency, cancellation, cost ([`client`]);
//! assertions on model outputs with promptfoo's semantics ([`assertions`]); test files in
//! promptfoo's shape ([`tests_file`]); and the use cases.
//!
//! Must not know: LSP, the HTTP server.

pub mod assertions;
pub mod client;
pub mod provider;
pub mod tests_file;
