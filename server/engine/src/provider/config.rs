//! Which provider to call and how: the `[provider]` table of `promptopt.toml`, overridden by
//! the environment the vendors' SDKs read, overridden by command-line flags.
//!
//! ```toml
//! [provider]
//! name = "openai"              # openai (any OpenAI-compatible server), azure, anthropic
//! model = "gpt-4.1-mini"
//! base-url = "http://127.0.0.1:11434/v1"
//! timeout-secs = 60
//! concurrency = 4
//! max-retries = 4
//! embedding-model = "text-embedding-3-small"
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::anthropic::{self, Anthropic};
use super::openai::{Flavor, OpenAiCompatible};
use super::{Provider, ProviderError, lookup_key};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenAI or any server with its chat completions API (Ollama, vLLM, llama.cpp).
    OpenAi,
    Azure,
    Anthropic,
}

impl ProviderKind {
    pub const NAMES: &'static str = "openai, azure, anthropic";

    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "openai" | "openai-compatible" | "ollama" | "vllm" | "llama.cpp" | "llamacpp" => {
                Some(Self::OpenAi)
            }
            "azure" | "azure-openai" | "azureopenai" => Some(Self::Azure),
            "anthropic" | "claude" => Some(Self::Anthropic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::Azure => "azure",
            Self::Anthropic => "anthropic",
        }
    }

    /// The environment variable the vendor's own SDKs read the key from.
    pub fn key_env(self) -> &'static str {
        match self {
            Self::OpenAi => "OPENAI_API_KEY",
            Self::Azure => "AZURE_OPENAI_API_KEY",
            Self::Anthropic => "ANTHROPIC_API_KEY",
        }
    }
}

/// The `[provider]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Table {
    name: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    api_version: Option<String>,
    timeout_secs: Option<f64>,
    concurrency: Option<usize>,
    max_retries: Option<usize>,
    embedding_model: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct File {
    provider: Option<Table>,
}

/// What the command line says, above everything else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub provider: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
}

/// A provider, resolved and ready to connect.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub model: String,
    pub base_url: String,
    /// Azure's `api-version`.
    pub api_version: String,
    pub timeout: Duration,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Retries after the first attempt, for rate limits and server errors.
    pub max_retries: usize,
    pub embedding_model: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderConfigError {
    #[error("unknown provider `{0}`: use one of {names}", names = ProviderKind::NAMES)]
    UnknownProvider(String),
    #[error("[provider] in promptopt.toml: {0}")]
    Table(String),
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Connect(#[from] ProviderError),
}

impl ProviderConfig {
    /// Resolves the provider from `promptopt.toml` text (if any), the environment (`env`) and
    /// the command line. `Ok(None)`: no provider anywhere, so the built-in engine answers.
    pub fn resolve(
        config_text: Option<&str>,
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<ProviderConfig>, ProviderConfigError> {
        let table = match config_text {
            Some(text) => {
                toml::from_str::<File>(text)
                    .map_err(|e| ProviderConfigError::Table(e.message().to_string()))?
                    .provider
            }
            None => None,
        };
        let table = table.unwrap_or_default();
        let Some(name) = overrides.provider.clone().or(table.name.clone()) else {
            return Ok(None);
        };
        let kind = ProviderKind::parse(&name)
            .ok_or_else(|| ProviderConfigError::UnknownProvider(name.clone()))?;
        let non_empty = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let base_url = overrides
            .base_url
            .clone()
            .or(table.base_url.clone())
            .or_else(|| match kind {
                ProviderKind::OpenAi => non_empty("OPENAI_BASE_URL"),
                ProviderKind::Azure => non_empty("AZURE_OPENAI_ENDPOINT"),
                ProviderKind::Anthropic => non_empty("ANTHROPIC_BASE_URL"),
            });
        let base_url = match (kind, base_url) {
            (_, Some(url)) => url,
            (ProviderKind::OpenAi, None) => "https://api.openai.com/v1".to_string(),
            (ProviderKind::Anthropic, None) => anthropic::DEFAULT_BASE_URL.to_string(),
            (ProviderKind::Azure, None) => {
                return Err(ProviderConfigError::Missing(
                    "Azure OpenAI needs its endpoint: set AZURE_OPENAI_ENDPOINT (https://NAME.openai.azure.com) or `base-url` under [provider]".into(),
                ));
            }
        };
        let model = overrides
            .model
            .clone()
            .or(table.model.clone())
            .or_else(|| match kind {
                ProviderKind::OpenAi => Some("gpt-4.1-mini".into()),
                ProviderKind::Anthropic => Some("claude-haiku-4-5".into()),
                ProviderKind::Azure => non_empty("AZURE_OPENAI_DEPLOYMENT"),
            });
        let Some(model) = model else {
            return Err(ProviderConfigError::Missing(
                "Azure OpenAI calls a deployment: pass `--model DEPLOYMENT`, set AZURE_OPENAI_DEPLOYMENT, or `model` under [provider]".into(),
            ));
        };
        let timeout_secs = table.timeout_secs.unwrap_or(60.0);
        if !(timeout_secs.is_finite() && timeout_secs > 0.0) {
            return Err(ProviderConfigError::Table(
                "`timeout-secs` must be a positive number of seconds".into(),
            ));
        }
        let concurrency = table.concurrency.unwrap_or(4);
        if concurrency == 0 {
            return Err(ProviderConfigError::Table(
                "`concurrency` must be at least 1".into(),
            ));
        }
        Ok(Some(ProviderConfig {
            kind,
            model,
            base_url,
            api_version: table
                .api_version
                .or_else(|| non_empty("OPENAI_API_VERSION"))
                .unwrap_or_else(|| "2024-10-21".into()),
            timeout: Duration::from_secs_f64(timeout_secs),
            concurrency,
            max_retries: table.max_retries.unwrap_or(4),
            embedding_model: table
                .embedding_model
                .unwrap_or_else(|| "text-embedding-3-small".into()),
        }))
    }

    /// Builds the provider, with its key from the keyring or the environment. OpenAI-compatible
    /// servers may need no key (Ollama, llama.cpp); OpenAI itself, Azure and Anthropic do.
    pub fn connect(&self) -> Result<Arc<dyn Provider>, ProviderConfigError> {
        let key = lookup_key(self.kind.name(), self.kind.key_env()).map(|(key, _)| key);
        let missing = || {
            ProviderConfigError::Missing(format!(
                "no API key for {}: run `promptopt key set {}` or set {}",
                self.kind.name(),
                self.kind.name(),
                self.kind.key_env()
            ))
        };
        Ok(match self.kind {
            ProviderKind::OpenAi => {
                if key.is_none() && self.base_url.contains("api.openai.com") {
                    return Err(missing());
                }
                Arc::new(OpenAiCompatible::new(
                    Flavor::OpenAi,
                    &self.base_url,
                    key,
                    self.timeout,
                )?)
            }
            ProviderKind::Azure => Arc::new(OpenAiCompatible::new(
                Flavor::Azure {
                    api_version: self.api_version.clone(),
                },
                &self.base_url,
                Some(key.ok_or_else(missing)?),
                self.timeout,
            )?),
            ProviderKind::Anthropic => Arc::new(Anthropic::new(
                &self.base_url,
                key.ok_or_else(missing)?,
                self.timeout,
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn no_provider_anywhere_means_the_built_in_engine() {
        let resolved = ProviderConfig::resolve(None, &Overrides::default(), &env(&[])).unwrap();
        assert_eq!(resolved, None);
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_defaults() {
        let overrides = Overrides {
            provider: Some("openai".into()),
            model: Some("smollm2".into()),
            base_url: None,
        };
        let config = ProviderConfig::resolve(
            None,
            &overrides,
            &env(&[("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(config.model, "smollm2");
        assert_eq!(config.kind, ProviderKind::OpenAi);
    }

    #[test]
    fn the_toml_table_configures_and_flags_override_it() {
        let text = "[lint]\n[provider]\nname = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\ntimeout-secs = 5\nconcurrency = 2\n";
        let config = ProviderConfig::resolve(Some(text), &Overrides::default(), &env(&[]))
            .unwrap()
            .unwrap();
        assert_eq!(config.kind, ProviderKind::Anthropic);
        assert_eq!(config.timeout, Duration::from_secs(5));
        assert_eq!(config.concurrency, 2);
        assert_eq!(config.base_url, "https://api.anthropic.com");
        let overrides = Overrides {
            model: Some("claude-haiku-4-5".into()),
            ..Overrides::default()
        };
        let config = ProviderConfig::resolve(Some(text), &overrides, &env(&[]))
            .unwrap()
            .unwrap();
        assert_eq!(config.model, "claude-haiku-4-5");
    }

    #[test]
    fn mistakes_say_what_to_write() {
        let unknown = Overrides {
            provider: Some("gemini".into()),
            ..Overrides::default()
        };
        let error = ProviderConfig::resolve(None, &unknown, &env(&[])).unwrap_err();
        assert!(
            error.to_string().contains("openai, azure, anthropic"),
            "{error}"
        );

        let typo = "[provider]\nname = \"openai\"\nmodle = \"x\"\n";
        let error =
            ProviderConfig::resolve(Some(typo), &Overrides::default(), &env(&[])).unwrap_err();
        assert!(error.to_string().contains("modle"), "{error}");

        let azure = Overrides {
            provider: Some("azure".into()),
            ..Overrides::default()
        };
        let error = ProviderConfig::resolve(None, &azure, &env(&[])).unwrap_err();
        assert!(
            error.to_string().contains("AZURE_OPENAI_ENDPOINT"),
            "{error}"
        );
        let config = ProviderConfig::resolve(
            None,
            &azure,
            &env(&[
                ("AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com"),
                ("AZURE_OPENAI_DEPLOYMENT", "prod-4o"),
            ]),
        )
        .unwrap()
        .unwrap();
        assert_eq!(config.model, "prod-4o");
    }
}
