//! The built-in variant strategies: offline, deterministic rewrites of a dotprompt source, each
//! named, each explained, and the seed prompt `generate --task` starts from.
//!
//! Owns: what each [`Strategy`] adds or removes, which strategy answers which lint rule or
//! piece of feedback, and the guarantee that a variant keeps working. Knows nothing of
//! providers, stores or files: the engine decides which strategies to run and what to keep.
//!
//! Invariants:
//! - a strategy edits the text and never reformats what it does not touch;
//! - `apply` returns `None` rather than a variant that adds an Error-severity lint finding or
//!   no longer renders (every variant is checked by linting and rendering it);
//! - a strategy that finds its own work already done returns `None`, so applying it twice
//!   changes nothing;
//! - same input, same output: no clock, no randomness, no hash-map order.

mod edits;
mod feedback;
mod read;
mod sample;
mod sections;
mod seed;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use feedback::{strategies_for_feedback, strategy_for_rule};
pub use sample::{sample_data, sample_value};
pub use seed::seed;

use crate::document::{Document, MAX_SOURCE_BYTES};
use crate::lint::{self, Format, LintOptions, NoWorkspace, Severity};
use crate::render::{RenderEnv, render};
use crate::schema::NoSchemas;

/// The path variants are linted under: a prompt, not a partial (no leading `_`).
const PATH: &str = "variant.prompt";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    ExplicitRole,
    OutputFormat,
    Delimiters,
    Constraints,
    StepByStep,
    FewShot,
    Concise,
    SafeFixes,
}

impl Strategy {
    pub const ALL: [Strategy; 8] = [
        Strategy::ExplicitRole,
        Strategy::OutputFormat,
        Strategy::Delimiters,
        Strategy::Constraints,
        Strategy::StepByStep,
        Strategy::FewShot,
        Strategy::Concise,
        Strategy::SafeFixes,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Strategy::ExplicitRole => "explicit-role",
            Strategy::OutputFormat => "output-format",
            Strategy::Delimiters => "delimiters",
            Strategy::Constraints => "constraints",
            Strategy::StepByStep => "step-by-step",
            Strategy::FewShot => "few-shot",
            Strategy::Concise => "concise",
            Strategy::SafeFixes => "safe-fixes",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Strategy::ALL.into_iter().find(|s| s.id() == id)
    }

    /// One sentence: what the strategy does and why it helps.
    pub fn summary(self) -> &'static str {
        match self {
            Strategy::ExplicitRole => {
                "Adds a system turn stating who the model is and what it is for, so every reply starts from the same role instead of one the model guesses from the first message."
            }
            Strategy::OutputFormat => {
                "Spells out the JSON the output schema expects, field by field, because a model that is told the shape in words returns it far more reliably than one left to infer it."
            }
            Strategy::Delimiters => {
                "Wraps each rendered input in tags named after it and says the tagged text is data, not instructions, which keeps instructions hidden in user input from being followed."
            }
            Strategy::Constraints => {
                "Adds a Constraints section for missing, empty or ambiguous input and forbids invented facts, so edge cases get a stated answer instead of a confident guess."
            }
            Strategy::StepByStep => {
                "Adds a short numbered plan to work through before answering, which makes multi-part tasks more accurate and their mistakes easier to see."
            }
            Strategy::FewShot => {
                "Adds an example scaffold built from the input and output fields, ready to fill with a real case, because one good example pins down format and tone better than a paragraph of rules."
            }
            Strategy::Concise => {
                "Removes filler, hedges and repeated sentences and collapses blank lines, so the prompt costs fewer tokens and its instructions are easier to see."
            }
            Strategy::SafeFixes => {
                "Applies every safe lint fix until none is left, exactly what `promptopt lint --fix` does, so the prompt is free of mechanical problems."
            }
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A prompt rewritten by one strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Variant {
    pub strategy: Strategy,
    /// The whole rewritten file.
    pub source: String,
    /// What changed and why, for a person reviewing the variant.
    pub explanation: String,
}

/// Applies one strategy to a dotprompt source. `None` when the strategy has nothing to add
/// (the prompt already has a system turn, declares no output schema, renders no input that
/// needs delimiting, …) or when its result would not lint without new errors or not render.
pub fn apply(strategy: Strategy, source: &str, options: &LintOptions) -> Option<Variant> {
    let baseline = Baseline::of(source, options)?;
    attempt(strategy, source, options, &baseline)
}

/// Every strategy that has something to add, in [`Strategy::ALL`] order. Cheaper than calling
/// [`apply`] eight times: the original is linted and rendered once.
pub fn apply_all(source: &str, options: &LintOptions) -> Vec<Variant> {
    let Some(baseline) = Baseline::of(source, options) else {
        return Vec::new();
    };
    Strategy::ALL
        .into_iter()
        .filter_map(|strategy| attempt(strategy, source, options, &baseline))
        .collect()
}

fn attempt(
    strategy: Strategy,
    source: &str,
    options: &LintOptions,
    baseline: &Baseline,
) -> Option<Variant> {
    let (rewritten, explanation) = match strategy {
        Strategy::ExplicitRole => sections::explicit_role(source, options),
        Strategy::OutputFormat => sections::output_format(source, options),
        Strategy::Delimiters => edits::delimiters(source, options),
        Strategy::Constraints => sections::constraints(source, options),
        Strategy::StepByStep => sections::step_by_step(source, options),
        Strategy::FewShot => sections::few_shot(source, options),
        Strategy::Concise => edits::concise(source, options),
        Strategy::SafeFixes => edits::safe_fixes(source, options),
    }?;
    if rewritten == source || !baseline.accepts(&rewritten, options) {
        return None;
    }
    Some(Variant {
        strategy,
        source: rewritten,
        explanation,
    })
}

/// What the original gets right, which a variant must keep: its Error-severity findings (by
/// rule, counted) may not grow, and if it renders, the variant must render too.
struct Baseline {
    errors: BTreeMap<&'static str, usize>,
    renders: bool,
}

impl Baseline {
    /// `None` for sources too large to be a prompt.
    fn of(source: &str, options: &LintOptions) -> Option<Baseline> {
        if source.len() > MAX_SOURCE_BYTES {
            return None;
        }
        Some(Baseline {
            errors: errors(source, options),
            renders: renders(source),
        })
    }

    fn accepts(&self, variant: &str, options: &LintOptions) -> bool {
        if variant.len() > MAX_SOURCE_BYTES {
            return false;
        }
        let added = errors(variant, options)
            .into_iter()
            .any(|(rule, count)| count > self.errors.get(rule).copied().unwrap_or(0));
        !added && (!self.renders || renders(variant))
    }
}

fn errors(source: &str, options: &LintOptions) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    let findings = lint::lint_source(PATH, source, Format::Dotprompt, options, &NoWorkspace);
    for finding in findings {
        if finding.severity == Severity::Error {
            *counts.entry(finding.rule).or_insert(0) += 1;
        }
    }
    counts
}

fn renders(source: &str) -> bool {
    render_sample(source).is_ok()
}

/// Renders `source` with data built from its input schema ([`sample_data`]), no partials and
/// no named schemas: the check every variant passes.
pub fn render_sample(source: &str) -> Result<serde_json::Value, crate::render::RenderError> {
    let document = Document::parse(source);
    let data = sample_data(&document);
    let no_partials = |_: &str| -> Option<String> { None };
    let env = RenderEnv {
        partials: &no_partials,
        schemas: &NoSchemas,
    };
    render(&document, &data, &serde_json::Map::new(), &env)
}
