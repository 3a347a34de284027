//! The engine's settings from `promptopt.toml` (`[provider]`, `[engine]`), the environment and
//! the command line, and the [`ModelClient`] they describe. Every door (CLI, language server,
//! Mesh API) builds its client here, so a project behaves the same through each.
//!
//! ```toml
//! [engine]
//! budget-usd = 5.0     # stop a run before it spends more (default 5; 0 = no calls at all)
//! cache = true         # reuse answers to identical requests across runs
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptopt_core::models::ModelTable;
use serde::Deserialize;

use crate::client::{ClientOptions, ModelClient, ResponseCache, RetryPolicy};
use crate::provider::{Overrides, ProviderConfig, ProviderConfigError};

/// Where a project's response cache lives: `.promptopt/cache/responses` under its root.
pub fn cache_dir(project_root: &Path) -> PathBuf {
    project_root
        .join(".promptopt")
        .join("cache")
        .join("responses")
}

/// A run's spending limit when nothing sets one: enough for a few hundred cases on a small
/// model, small enough that a mistake costs little.
pub const DEFAULT_BUDGET_USD: f64 = 5.0;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct EngineTable {
    budget_usd: Option<f64>,
    cache: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct File {
    engine: Option<EngineTable>,
}

/// What the command line adds to the file's settings.
#[derive(Debug, Clone, Default)]
pub struct RunOverrides {
    pub provider: Overrides,
    pub budget_usd: Option<f64>,
    pub no_cache: bool,
    pub concurrency: Option<usize>,
    /// The provider to use when neither the command line nor `promptopt.toml` names one (the
    /// `providers` of an imported promptfooconfig.yaml).
    pub fallback_provider: Option<Overrides>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EngineSettings {
    /// `None`: the built-in engine answers.
    pub provider: Option<ProviderConfig>,
    pub budget_usd: f64,
    pub cache: bool,
}

impl EngineSettings {
    /// Resolves the settings from the config text (empty when there is no file), the
    /// environment and the command line.
    pub fn resolve(
        config_text: &str,
        overrides: &RunOverrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EngineSettings, ProviderConfigError> {
        let text = (!config_text.trim().is_empty()).then_some(config_text);
        let mut provider = ProviderConfig::resolve(text, &overrides.provider, env)?;
        if provider.is_none() {
            if let Some(fallback) = &overrides.fallback_provider {
                provider = ProviderConfig::resolve(text, fallback, env)?;
            }
        }
        let table = match text {
            Some(text) => toml::from_str::<File>(text)
                .map_err(|e| ProviderConfigError::Table(format!("[engine]: {}", e.message())))?
                .engine
                .unwrap_or_default(),
            None => EngineTable::default(),
        };
        let budget_usd = overrides
            .budget_usd
            .or(table.budget_usd)
            .unwrap_or(DEFAULT_BUDGET_USD);
        if !(budget_usd.is_finite() && budget_usd >= 0.0) {
            return Err(ProviderConfigError::Table(
                "the budget must be 0 or more US dollars".into(),
            ));
        }
        if let (Some(provider), Some(concurrency)) = (provider.as_mut(), overrides.concurrency) {
            provider.concurrency = concurrency.max(1);
        }
        Ok(EngineSettings {
            provider,
            budget_usd,
            cache: table.cache.unwrap_or(true) && !overrides.no_cache,
        })
    }

    /// The client for the configured provider (`None` for the built-in engine). With caching
    /// on, answers are kept under the project's [`cache_dir`] when there is a project, else in
    /// memory.
    pub fn client(
        &self,
        models: &ModelTable,
        project_root: Option<&Path>,
    ) -> Result<Option<ModelClient>, ProviderConfigError> {
        let Some(config) = &self.provider else {
            return Ok(None);
        };
        let provider = config.connect()?;
        let options = ClientOptions {
            concurrency: config.concurrency,
            retry: RetryPolicy {
                max_retries: config.max_retries,
                ..RetryPolicy::default()
            },
            budget_usd: Some(self.budget_usd),
            embedding_model: config.embedding_model.clone(),
        };
        let mut client = ModelClient::new(provider, &config.model, &options, models);
        if self.cache {
            let cache = match project_root {
                Some(root) => ResponseCache::on_disk(cache_dir(root)),
                None => ResponseCache::in_memory(),
            };
            client = client.with_cache(Arc::new(cache));
        }
        Ok(Some(client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_are_the_built_in_engine_with_a_budget_and_a_cache() {
        let settings = EngineSettings::resolve("", &RunOverrides::default(), &no_env).unwrap();
        assert_eq!(settings.provider, None);
        assert_eq!(settings.budget_usd, DEFAULT_BUDGET_USD);
        assert!(settings.cache);
        assert!(
            settings
                .client(ModelTable::embedded(), None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_engine_table_and_flags_set_budget_and_cache() {
        let text = "[engine]\nbudget-usd = 0.5\ncache = false\n[provider]\nname = \"openai\"\nbase-url = \"http://127.0.0.1:1/v1\"\n";
        let settings = EngineSettings::resolve(text, &RunOverrides::default(), &no_env).unwrap();
        assert_eq!((settings.budget_usd, settings.cache), (0.5, false));
        let overrides = RunOverrides {
            budget_usd: Some(2.0),
            concurrency: Some(9),
            ..RunOverrides::default()
        };
        let settings = EngineSettings::resolve(text, &overrides, &no_env).unwrap();
        assert_eq!(settings.budget_usd, 2.0);
        assert_eq!(settings.provider.as_ref().unwrap().concurrency, 9);
        let client = settings
            .client(ModelTable::embedded(), None)
            .unwrap()
            .unwrap();
        assert_eq!(client.budget().limit(), Some(2.0));

        let error =
            EngineSettings::resolve("[engine]\nbudget = 1\n", &RunOverrides::default(), &no_env)
                .unwrap_err();
        assert!(error.to_string().contains("budget"), "{error}");
    }
}
