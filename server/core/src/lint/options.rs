//! The settings one lint run uses for one file, resolved from `promptopt.toml`.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::finding::Severity;
use crate::models::ModelTable;

/// A rule's configured level: off, or on at a severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    pub fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "off" => Level::Off,
            "hint" => Level::On(Severity::Hint),
            "info" => Level::On(Severity::Info),
            "warning" | "warn" => Level::On(Severity::Warning),
            "error" => Level::On(Severity::Error),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// Per-rule levels overriding the defaults, by rule id.
    pub levels: BTreeMap<String, Level>,
    /// Helpers the application registers beyond dotprompt's own.
    pub extra_helpers: Vec<String>,
    /// Input fields to treat as untrusted (user-supplied) beyond the names the linter guesses.
    pub untrusted_inputs: Vec<String>,
    /// Input fields never to treat as untrusted, even when their names suggest it.
    pub trusted_inputs: Vec<String>,
    /// The model assumed when a prompt names none.
    pub default_model: Option<String>,
    /// The team's token budget for one prompt (input plus requested output).
    pub token_budget: Option<usize>,
    /// A model table replacing the embedded one (`lint.model-table`).
    pub model_table: Option<Arc<ModelTable>>,
}

impl LintOptions {
    /// The model table in force: the configured one, else the one built into PromptOpt.
    pub fn models(&self) -> &ModelTable {
        self.model_table
            .as_deref()
            .unwrap_or_else(|| ModelTable::embedded())
    }
}
