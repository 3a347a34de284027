//! Generate: candidate prompts from a task (and context) or from an existing prompt.
//!
//! The built-in engine applies the named strategies of [`promptopt_core::variants`] alone and
//! stacked; with a model, meta-prompts in the style of automatic prompt engineering ask for
//! rewrites, and near-duplicates are dropped. Either way a candidate is only offered when it
//! lints without errors and renders, and each carries its rubric score, the strategy that made
//! it, an explanation and the `modelVersion` that produced it.

mod meta;
mod templates;

use std::collections::HashSet;

use promptopt_core::document::Document;
use promptopt_core::lint::fix_until_stable;
use promptopt_core::rubric::Rubric;
use promptopt_core::variants::{self, Strategy, Variant, sample_data};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use templates::{TEMPLATES, Template};

use crate::BUILTIN_MODEL_VERSION;
use crate::client::{ModelClient, Totals};
use crate::prompt::PromptInput;

pub const DEFAULT_COUNT: usize = 4;
pub const MAX_COUNT: usize = 10;

/// The Mesh API's and the LSP command's request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromptGenerationRequest {
    /// What the prompt is for, in plain words. Needed unless `prompt` is given.
    #[serde(default)]
    pub task: Option<String>,
    /// Background the prompt should carry: audience, domain, inputs.
    #[serde(default)]
    pub context: Option<String>,
    /// The shape to start from: `chat` (default), `json`, `rag`.
    #[serde(default)]
    pub template_id: Option<String>,
    /// How many candidates, 1–10 (default 4).
    #[serde(default)]
    pub count: Option<usize>,
    /// An existing `.prompt` source to improve instead of starting from the task.
    #[serde(default)]
    pub prompt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GenerateError {
    #[error("`count` must be between 1 and {MAX_COUNT}, got {0}")]
    Count(usize),
    #[error("give a `task` (what the prompt is for) or an existing `prompt` to start from")]
    NothingToStartFrom,
    #[error("unknown template `{0}`: use one of {list}", list = templates::names())]
    UnknownTemplate(String),
}

impl PromptGenerationRequest {
    pub fn count(&self) -> Result<usize, GenerateError> {
        match self.count.unwrap_or(DEFAULT_COUNT) {
            n @ 1..=MAX_COUNT => Ok(n),
            n => Err(GenerateError::Count(n)),
        }
    }

    /// The prompt candidates start from: the given one, else a seed built from the task in
    /// the requested template's shape.
    pub fn base(&self) -> Result<String, GenerateError> {
        if let Some(prompt) = self.prompt.as_ref().filter(|p| !p.trim().is_empty()) {
            return Ok(prompt.clone());
        }
        let task = self
            .task
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(GenerateError::NothingToStartFrom)?;
        let template = Template::find(self.template_id.as_deref())?;
        Ok(template.seed(task, self.context.as_deref()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptCandidateList {
    pub candidates: Vec<PromptCandidate>,
    /// The prompt candidates were made from, and its score, to compare against.
    pub base: PromptCandidate,
    /// What was tried and left out, and why.
    pub notes: Vec<String>,
    pub model_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Totals>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptCandidate {
    /// The first 12 hex digits of the SHA-256 of `prompt`: the same text, the same id.
    pub id: String,
    /// The complete `.prompt` file.
    pub prompt: String,
    /// The QA rubric, 1–5.
    pub score: f64,
    pub rubric: Rubric,
    /// `builtin/N`, or the provider and model that wrote it.
    pub model_version: String,
    /// The strategies applied, in order (`meta-prompt:NAME` for a model's rewrite).
    pub strategies: Vec<String>,
    /// `strategies` joined with `+`: the one-word answer to "how was this made".
    pub strategy: String,
    pub explanation: String,
}

/// Generates candidates. `base` is the starting prompt ([`PromptGenerationRequest::base`])
/// with its surroundings; `model`, when given, writes candidates first and the built-in
/// strategies fill what it could not.
pub async fn generate(
    base: &PromptInput<'_>,
    request: &PromptGenerationRequest,
    model: Option<&ModelClient>,
) -> Result<PromptCandidateList, GenerateError> {
    let count = request.count()?;
    let base_candidate = candidate(
        base,
        base.source,
        Vec::new(),
        "The prompt as given.".into(),
        BUILTIN_MODEL_VERSION,
    );
    let mut pool = Pool::new(base.source);
    let mut notes = Vec::new();
    if base_candidate.rubric_errors > 0 {
        notes.push(format!(
            "the starting prompt has {} lint errors that no safe fix resolves: fix them first (`promptopt lint`), since every candidate must lint without errors",
            base_candidate.rubric_errors
        ));
    }
    if let Some(model) = model {
        meta::write_candidates(base, request, model, count, &mut pool, &mut notes).await;
    }
    let from_task = request
        .prompt
        .as_deref()
        .is_none_or(|p| p.trim().is_empty());
    if pool.len() < count {
        if from_task {
            // The seed itself is a candidate: every section the task suggests.
            pool.offer_named(base, base.source, vec!["seed".into()], "The seed prompt for the task: role, background, task, delimited input, constraints and output format.", BUILTIN_MODEL_VERSION, Tier::Builtin);
        }
        builtin_candidates(base, None, &mut pool, &mut notes);
    }
    if pool.len() < count && from_task {
        // A sketch (the task and its input, nothing else) built up strategy by strategy gives
        // candidates that differ in which sections they carry: what an A/B test compares.
        if let Some(sketch) = templates::sketch(base.source) {
            builtin_candidates(
                &base.with_source(&sketch),
                Some("sketch"),
                &mut pool,
                &mut notes,
            );
        }
    }
    notes.extend(pool.rejection_note());
    let mut candidates = pool.into_ranked();
    candidates.truncate(count);
    if let Some(best) = candidates.first() {
        if best.score < base_candidate.candidate.score {
            notes.push(format!(
                "no candidate scores above the starting prompt ({:.1}): keep it, or take a candidate for what it adds",
                base_candidate.candidate.score
            ));
        }
    }
    if candidates.len() < count {
        notes.push(format!(
            "{} distinct candidates that lint without errors, of {count} asked for",
            candidates.len()
        ));
    }
    Ok(PromptCandidateList {
        candidates,
        base: base_candidate.candidate,
        notes,
        model_version: model.map_or_else(crate::builtin_model_version, ModelClient::describe),
        usage: model.map(ModelClient::totals),
    })
}

/// Every single strategy, then each strategy stacked on the best single ones, then all of
/// them at once: enough distinct candidates for any `count` up to the maximum, in a fixed
/// order so the answer is reproducible.
/// `origin` names the starting point when it is not the prompt itself (`sketch`).
fn builtin_candidates(
    base: &PromptInput<'_>,
    origin: Option<&str>,
    pool: &mut Pool,
    notes: &mut Vec<String>,
) {
    let singles = variants::apply_all(base.source, base.options);
    if singles.is_empty() {
        if origin.is_none() {
            notes.push("no built-in strategy had anything to add to this prompt".into());
        }
        return;
    }
    let mut firsts: Vec<(Vec<Strategy>, Variant)> =
        singles.into_iter().map(|v| (vec![v.strategy], v)).collect();
    for (strategies, variant) in &firsts {
        pool.offer(
            base,
            origin,
            &variant.source,
            strategies,
            &variant.explanation,
        );
    }
    // Pairs, each strategy stacked on those before it in the catalog (so a+b and b+a, the same
    // sections in another order, are not both offered).
    firsts.sort_by_key(|(strategies, _)| strategies[0]);
    for (strategies, variant) in &firsts {
        let first = strategies[0];
        for next in Strategy::ALL.into_iter().filter(|s| *s > first) {
            if let Some(stacked) = variants::apply(next, &variant.source, base.options) {
                let mut applied = strategies.clone();
                applied.push(next);
                let explanation = format!("{} Then: {}", variant.explanation, stacked.explanation);
                pool.offer(base, origin, &stacked.source, &applied, &explanation);
            }
        }
    }
    // Everything at once.
    let mut source = base.source.to_string();
    let mut applied = Vec::new();
    let mut explanations = Vec::new();
    for strategy in Strategy::ALL {
        if let Some(variant) = variants::apply(strategy, &source, base.options) {
            source = variant.source;
            applied.push(strategy);
            explanations.push(variant.explanation);
        }
    }
    if applied.len() > 2 {
        pool.offer(base, origin, &source, &applied, &explanations.join(" "));
    }
}

struct Scored {
    candidate: PromptCandidate,
    rubric_errors: usize,
}

fn candidate(
    base: &PromptInput<'_>,
    source: &str,
    strategies: Vec<String>,
    explanation: String,
    model_version: &str,
) -> Scored {
    let assessment = base.with_source(source).assess();
    let digest = Sha256::digest(source.as_bytes());
    let id: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    Scored {
        rubric_errors: assessment.errors(),
        candidate: PromptCandidate {
            id,
            prompt: source.to_string(),
            score: assessment.rubric.score,
            rubric: assessment.rubric,
            model_version: model_version.to_string(),
            strategy: if strategies.is_empty() {
                "original".into()
            } else {
                strategies.join("+")
            },
            strategies,
            explanation,
        },
    }
}

/// Who wrote a candidate: with a model configured, its candidates are what the user asked for
/// and come first; the built-in ones fill the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Model,
    Builtin,
}

/// Candidates kept so far: distinct, lint-clean, renderable; and what was turned away.
struct Pool {
    seen: HashSet<String>,
    kept: Vec<(Tier, PromptCandidate)>,
    rejected: Vec<(String, Rejection)>,
}

impl Pool {
    fn new(base: &str) -> Self {
        Self {
            seen: HashSet::from([normalized(base)]),
            kept: Vec::new(),
            rejected: Vec::new(),
        }
    }

    /// One note for what was turned away.
    fn rejection_note(&self) -> Option<String> {
        let reasons: Vec<String> = self
            .rejected
            .iter()
            .map(|(strategy, rejection)| match rejection {
                Rejection::LintErrors(n) => format!("{strategy} ({n} lint errors)"),
                Rejection::DoesNotRender(why) => format!("{strategy} (does not render: {why})"),
            })
            .collect();
        (!reasons.is_empty()).then(|| format!("left out: {}", reasons.join("; ")))
    }

    fn len(&self) -> usize {
        self.kept.len()
    }

    /// Offers a built-in candidate.
    fn offer(
        &mut self,
        base: &PromptInput<'_>,
        origin: Option<&str>,
        source: &str,
        strategies: &[Strategy],
        explanation: &str,
    ) {
        let names = origin
            .into_iter()
            .chain(strategies.iter().map(|s| s.id()))
            .map(str::to_string)
            .collect();
        self.offer_named(
            base,
            source,
            names,
            explanation,
            BUILTIN_MODEL_VERSION,
            Tier::Builtin,
        );
    }

    /// Keeps `source` if it is new, lints without errors and renders.
    fn offer_named(
        &mut self,
        base: &PromptInput<'_>,
        source: &str,
        strategies: Vec<String>,
        explanation: &str,
        model_version: &str,
        tier: Tier,
    ) {
        let label = strategies.join("+");
        if !self.seen.insert(normalized(source)) {
            return; // expected when strategies overlap: not worth a note
        }
        let scored = candidate(
            base,
            source,
            strategies,
            explanation.to_string(),
            model_version,
        );
        if scored.rubric_errors > 0 {
            self.rejected
                .push((label, Rejection::LintErrors(scored.rubric_errors)));
            return;
        }
        let data = sample_data(&Document::parse(source));
        if let Err(why) = base.with_source(source).render_call(&data.input) {
            self.rejected.push((label, Rejection::DoesNotRender(why)));
            return;
        }
        self.kept.push((tier, scored.candidate));
    }

    /// Best score first; among equals the model's candidates (what was asked for), then fewer
    /// strategies (the simpler change), then the order they were made in.
    fn into_ranked(mut self) -> Vec<PromptCandidate> {
        self.kept.sort_by(|(tier_a, a), (tier_b, b)| {
            b.score
                .total_cmp(&a.score)
                .then(tier_a.cmp(tier_b))
                .then(a.strategies.len().cmp(&b.strategies.len()))
        });
        self.kept.into_iter().map(|(_, c)| c).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Rejection {
    LintErrors(usize),
    DoesNotRender(String),
}

/// Text compared for duplicates: whitespace runs collapsed.
fn normalized(source: &str) -> String {
    source.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A candidate after every safe lint fix: what a model wrote, cleaned the way `lint --fix`
/// would clean it.
fn with_safe_fixes(base: &PromptInput<'_>, source: &str) -> String {
    fix_until_stable(source, |text| base.with_source(text).lint()).source
}
