//! Generate, evaluate and refine: the three verbs of PromptOpt as use cases over `core`.
//!
//! Will own (issue 5): LLM providers behind one trait (OpenAI-compatible, Azure OpenAI,
//! Anthropic, the built-in offline engine), assertions, cost and budget, the response cache.
//! Must not know: LSP, the HTTP server.
//!
//! Empty until issue 5 lands; it exists so the workspace shows where that work goes.
