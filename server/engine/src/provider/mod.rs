//! Language models behind one trait: OpenAI-compatible chat completions (OpenAI, Ollama, vLLM,
//! llama.cpp), Azure OpenAI, and Anthropic Messages.
//!
//! A [`Provider`] makes one HTTP call and maps the answer or the failure to these types. What
//! surrounds a call — retries, the cache, the budget, bounded concurrency, cancellation — is the
//! [`crate::client::ModelClient`]'s job, so every provider gets it the same way.

mod anthropic;
mod config;
mod http;
mod openai;
mod secrets;
mod sse;

use std::fmt;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use anthropic::Anthropic;
pub use config::{Overrides, ProviderConfig, ProviderConfigError, ProviderKind};
pub use openai::{Flavor, OpenAiCompatible};
pub use secrets::{ApiKey, KEYRING_SERVICE, KeySource, delete_key, lookup_key, store_key};

/// Who speaks a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: content.into(),
        }
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
        }
    }
}

/// One chat call. Everything here is part of the response cache's key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    /// The most output tokens to pay for; also what the budget reserves before the call.
    pub max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Constrain the answer to this JSON schema where the provider supports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<Value>,
    /// Stream the answer as it is generated (the text reaches the caller's sink piece by
    /// piece); the completion is the same either way.
    #[serde(skip)]
    pub stream: bool,
}

impl ChatRequest {
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        Self {
            model: model.into(),
            messages,
            max_tokens: 512,
            temperature: None,
            json_schema: None,
            stream: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A model's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Completion {
    pub text: String,
    /// The model that answered, as the provider names it.
    pub model: String,
    pub usage: Usage,
    /// `stop`, `length`, `end_turn`, … as the provider says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

/// Where streamed text goes as it arrives.
pub type Sink<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// Why a call failed. [`ProviderError::is_retryable`] says which failures a retry can cure.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    #[error("rate limited by the provider (HTTP 429){}: {message}", after(*retry_after))]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    #[error("the provider failed (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    #[error(
        "the provider refused the API key (HTTP {status}): {message}; set it with `promptopt key set {provider}` or the {env} environment variable"
    )]
    Unauthorized {
        status: u16,
        message: String,
        provider: &'static str,
        env: &'static str,
    },
    #[error("the provider rejected the request (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("no answer within {0:?}; raise `timeout-secs` in promptopt.toml if the model is slow")]
    Timeout(Duration),
    #[error("cannot reach {url}: {message}")]
    Connect { url: String, message: String },
    #[error("the provider's answer is not what its API documents: {0}")]
    Malformed(String),
    #[error("the answer stream ended before the model finished ({} characters received)", partial.chars().count())]
    Truncated {
        partial: String,
        /// Some of the text already reached the caller's sink: retrying would show it twice.
        delivered: bool,
    },
    #[error("{0}")]
    Unsupported(String),
}

fn after(retry_after: Option<Duration>) -> String {
    retry_after.map_or(String::new(), |d| {
        format!(", asked to retry after {} s", d.as_secs_f64())
    })
}

impl ProviderError {
    /// Rate limits, server errors, timeouts, lost connections and streams cut short before any
    /// text reached the caller may succeed on a second try; nothing else will.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::Server { .. }
            | Self::Timeout(_)
            | Self::Connect { .. } => true,
            Self::Truncated { delivered, .. } => !delivered,
            Self::Unauthorized { .. }
            | Self::Rejected { .. }
            | Self::Malformed(_)
            | Self::Unsupported(_) => false,
        }
    }

    /// How long the provider asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A model provider.
pub trait Provider: Send + Sync + fmt::Debug {
    /// What the provider is and where it answers (`openai-compatible http://127.0.0.1:8080/v1`):
    /// part of the response cache's key, so two endpoints never share answers. Never contains
    /// a secret.
    fn endpoint(&self) -> String;

    /// One chat call. With `request.stream`, text goes to `sink` as it arrives.
    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        sink: Option<Sink<'a>>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>>;

    /// Embeddings of `inputs`, for `similar` assertions.
    fn embed<'a>(
        &'a self,
        model: &'a str,
        inputs: &'a [String],
    ) -> BoxFuture<'a, Result<Embeddings, ProviderError>> {
        let _ = (model, inputs);
        Box::pin(async move {
            Err(ProviderError::Unsupported(format!(
                "{} has no embeddings API: `similar` assertions need an OpenAI-compatible provider",
                self.endpoint()
            )))
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub usage: Usage,
}
