//! The editor's settings for PromptOpt (`initializationOptions`, then the `promptopt` section
//! of `workspace/configuration`), and how they combine with the project's `promptopt.toml`.
//!
//! Precedence, by `configurationPreference`:
//! - `filesystemFirst` (the default): built-in defaults < editor settings < `promptopt.toml`,
//!   so the editor shows what CI will report;
//! - `editorFirst`: built-in defaults < `promptopt.toml` < editor settings;
//! - `editorOnly`: built-in defaults < editor settings (`promptopt.toml` is ignored).

use std::collections::BTreeMap;
use std::path::PathBuf;

use promptopt_core::lint::{Level, LintOptions, rules};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// A `promptopt.toml` to use for every file instead of the nearest one.
    pub config_path: Option<PathBuf>,
    pub configuration_preference: Preference,
    pub lint: LintSettings,
    pub inlay_hints: InlayHintSettings,
    pub registry: RegistrySettings,
    pub provider: ProviderSettings,
}

/// The model the engine commands use, as the CLI's `--provider`, `--model` and `--base-url`:
/// each one set here wins over `promptopt.toml`'s `[provider]`; none set leaves it to the file
/// (and to the built-in engine when the file names no provider either).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ProviderSettings {
    pub kind: Option<String>,
    pub model: Option<String>,
    pub base_url: Option<String>,
}

impl ProviderSettings {
    pub fn overrides(&self) -> promptopt_engine::provider::Overrides {
        // The VS Code client sends "" for a setting cleared in its UI: that means unset.
        let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        promptopt_engine::provider::Overrides {
            provider: given(&self.kind),
            model: given(&self.model),
            base_url: given(&self.base_url),
        }
    }
}

/// The registry: where versions and the audit log are kept, and who is acting.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistrySettings {
    /// Saving a prompt records a version when its content changed.
    pub record_on_save: bool,
    /// The state folder (relative paths from the project root); else PROMPTOPT_STATE_DIR, else
    /// `.promptopt/` at the project root.
    pub state_dir: Option<PathBuf>,
    /// Who is acting, for the audit trail; else PROMPTOPT_USER, git's user.email, the OS user.
    pub user: Option<String>,
    /// Keep the audit keys as files here (relative paths from the project root) instead of
    /// the OS keyring; else PROMPTOPT_AUDIT_KEY_DIR.
    pub audit_key_dir: Option<PathBuf>,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        Self {
            record_on_save: true,
            state_dir: None,
            user: None,
            audit_key_dir: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum Preference {
    #[default]
    FilesystemFirst,
    EditorFirst,
    EditorOnly,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LintSettings {
    /// Off: no diagnostics at all (the other features keep working).
    pub enable: bool,
    /// Rule id → `off`, `hint`, `info`, `warning` or `error`.
    pub rules: BTreeMap<String, String>,
    pub model: Option<String>,
    pub token_budget: Option<usize>,
    pub untrusted_inputs: Vec<String>,
    pub trusted_inputs: Vec<String>,
    pub extra_helpers: Vec<String>,
}

impl Default for LintSettings {
    fn default() -> Self {
        Self {
            enable: true,
            rules: BTreeMap::new(),
            model: None,
            token_budget: None,
            untrusted_inputs: Vec::new(),
            trusted_inputs: Vec::new(),
            extra_helpers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct InlayHintSettings {
    /// Tokens per message and in all.
    pub tokens: bool,
    /// The estimated cost of one call at the prompt's model's prices.
    pub cost: bool,
}

impl Default for InlayHintSettings {
    fn default() -> Self {
        Self {
            tokens: true,
            cost: true,
        }
    }
}

impl Settings {
    /// Reads settings from a client's JSON: either the `promptopt` section itself or an object
    /// holding it. Returns the settings and, when some of it could not be used, why (the rest
    /// still applies: one typo must not reset everything).
    pub fn from_json(value: &Value) -> (Settings, Vec<String>) {
        let value = value.get("promptopt").unwrap_or(value);
        if value.is_null() {
            return (Settings::default(), Vec::new());
        }
        let mut problems = Vec::new();
        let settings = match serde_json::from_value::<Settings>(value.clone()) {
            Ok(settings) => settings,
            Err(error) => {
                problems.push(format!(
                    "PromptOpt settings are invalid ({error}); using the defaults: fix the setting in your editor's configuration"
                ));
                Settings::default()
            }
        };
        for (id, level) in &settings.lint.rules {
            if rules::find(id).is_none() {
                problems.push(format!(
                    "promptopt.lint.rules names an unknown rule `{id}`: run `promptopt rules` for the list"
                ));
            }
            if Level::parse(level).is_none() {
                problems.push(format!(
                    "promptopt.lint.rules.{id} is `{level}`: use off, hint, info, warning or error"
                ));
            }
        }
        (settings, problems)
    }

    /// Combines these settings with the project's options for one file.
    pub fn apply(&self, project: LintOptions) -> LintOptions {
        let editor = self.lint_options();
        match self.configuration_preference {
            Preference::EditorOnly => editor,
            Preference::FilesystemFirst => overlay(editor, project),
            Preference::EditorFirst => overlay(project, editor),
        }
    }

    fn lint_options(&self) -> LintOptions {
        let lint = &self.lint;
        LintOptions {
            levels: lint
                .rules
                .iter()
                .filter_map(|(id, level)| Some((id.clone(), Level::parse(level)?)))
                .collect(),
            extra_helpers: lint.extra_helpers.clone(),
            untrusted_inputs: lint.untrusted_inputs.clone(),
            trusted_inputs: lint.trusted_inputs.clone(),
            default_model: lint.model.clone(),
            token_budget: lint.token_budget,
            model_table: None,
        }
    }
}

/// `top` over `base`: top's levels and scalars win where set; lists are joined.
fn overlay(base: LintOptions, top: LintOptions) -> LintOptions {
    let mut levels = base.levels;
    levels.extend(top.levels);
    let join = |mut a: Vec<String>, b: Vec<String>| {
        for item in b {
            if !a.contains(&item) {
                a.push(item);
            }
        }
        a
    };
    LintOptions {
        levels,
        extra_helpers: join(base.extra_helpers, top.extra_helpers),
        untrusted_inputs: join(base.untrusted_inputs, top.untrusted_inputs),
        trusted_inputs: join(base.trusted_inputs, top.trusted_inputs),
        default_model: top.default_model.or(base.default_model),
        token_budget: top.token_budget.or(base.token_budget),
        model_table: top.model_table.or(base.model_table),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promptopt_core::lint::Severity;
    use serde_json::json;

    #[test]
    fn provider_settings_override_only_what_is_set() {
        let settings: Settings = serde_json::from_value(json!({
            "provider": {"kind": "openai", "model": "", "baseUrl": "http://127.0.0.1:8080/v1"}
        }))
        .unwrap();
        let overrides = settings.provider.overrides();
        assert_eq!(overrides.provider.as_deref(), Some("openai"));
        assert_eq!(overrides.model, None, "an emptied setting is unset");
        assert_eq!(
            overrides.base_url.as_deref(),
            Some("http://127.0.0.1:8080/v1")
        );
        assert_eq!(Settings::default().provider.overrides(), Default::default());
    }

    fn project_with(rule: &str, level: Level) -> LintOptions {
        LintOptions {
            levels: [(rule.to_string(), level)].into(),
            default_model: Some("gpt-4o".into()),
            ..LintOptions::default()
        }
    }

    #[test]
    fn the_project_file_wins_by_default_and_the_editor_wins_when_asked() {
        let (settings, problems) = Settings::from_json(&json!({
            "promptopt": {"lint": {"rules": {"vague-quantifier": "off", "wall-of-text": "error"}, "model": "claude-sonnet-4"}}
        }));
        assert!(problems.is_empty(), "{problems:?}");
        let project = project_with("vague-quantifier", Level::On(Severity::Warning));
        let merged = settings.apply(project.clone());
        assert_eq!(
            merged.levels["vague-quantifier"],
            Level::On(Severity::Warning)
        );
        assert_eq!(merged.levels["wall-of-text"], Level::On(Severity::Error));
        assert_eq!(merged.default_model.as_deref(), Some("gpt-4o"));

        let editor_first = Settings {
            configuration_preference: Preference::EditorFirst,
            ..settings.clone()
        };
        let merged = editor_first.apply(project.clone());
        assert_eq!(merged.levels["vague-quantifier"], Level::Off);
        assert_eq!(merged.default_model.as_deref(), Some("claude-sonnet-4"));

        let editor_only = Settings {
            configuration_preference: Preference::EditorOnly,
            lint: LintSettings::default(),
            ..settings
        };
        let merged = editor_only.apply(project);
        assert!(merged.levels.is_empty());
        assert_eq!(merged.default_model, None);
    }

    #[test]
    fn bad_settings_are_reported_and_never_fatal() {
        let (settings, problems) = Settings::from_json(&json!({
            "lint": {"rules": {"no-such-rule": "warning", "wall-of-text": "loud"}}
        }));
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("no-such-rule"));
        assert!(problems[1].contains("loud"));
        assert!(settings.lint.enable);

        let (settings, problems) = Settings::from_json(&json!({"lint": {"enable": "yes"}}));
        assert_eq!(settings, Settings::default());
        assert!(problems[0].contains("invalid"), "{problems:?}");
    }
}
