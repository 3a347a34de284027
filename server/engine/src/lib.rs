//! Generate, evaluate and refine: the three verbs of PromptOpt as use cases over `core`.
//!
//! Owns (issue 5, in progress): assertions on model outputs with promptfoo's semantics
//! ([`assertions`]) and test files in promptfoo's test shape ([`tests_file`]). Still to come: LLM providers behind one trait (OpenAI-compatible, Azure
//! OpenAI, Anthropic, the built-in offline engine), the generate/evaluate/refine use cases,
//! cost and budget, the response cache.
//!
//! Must not know: LSP, the HTTP server.

pub mod assertions;
pub mod tests_file;
