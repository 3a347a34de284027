//! Refine: a prompt, feedback notes and failing test cases in; a better prompt out, with a
//! unified diff, what changed and why, and the scores before and after. A refinement that
//! scores worse says so rather than passing itself off as an improvement.
//!
//! The built-in engine applies the strategies the feedback, the lint findings and the failing
//! assertions point to; with a model, a critique of the failures drives a rewrite, which must
//! lint without errors and render like any candidate (else the built-in refinement stands).

mod critique;
mod notes;

pub use notes::{feedback_notes, without_feedback_blocks};

use promptopt_core::document::Document;
use promptopt_core::lint::{Finding, fix_until_stable};
use promptopt_core::rubric::Rubric;
use promptopt_core::variants::{
    self, Strategy, sample_data, strategies_for_feedback, strategy_for_rule,
};
use serde::{Deserialize, Serialize};
use similar::TextDiff;

use crate::client::{ModelClient, Totals};
use crate::evaluate::{self, CaseResult, CaseStatus, CaseSummary};
use crate::prompt::PromptInput;
use crate::tests_file::TestCase;

/// The Mesh API's and the LSP command's request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefineRequest {
    /// The `.prompt` source.
    pub prompt: String,
    /// Reviewers' notes: "answers are too long", "it ignores the JSON format".
    #[serde(default)]
    pub feedback: Vec<String>,
    /// Cases that failed, with what the model answered and why it failed.
    #[serde(default)]
    pub failing_cases: Vec<FailingCase>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailingCase {
    pub name: String,
    #[serde(default)]
    pub vars: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub output: String,
    /// The assertion types that failed (`is-json`, `icontains`, …).
    #[serde(default)]
    pub failed: Vec<String>,
    #[serde(default)]
    pub reason: String,
}

impl FailingCase {
    /// The cases of an evaluation that failed, as refine reads them.
    pub fn from_results(cases: &[CaseResult]) -> Vec<FailingCase> {
        cases
            .iter()
            .filter(|c| c.status == CaseStatus::Failed)
            .map(|case| {
                let failing_run = case.runs.iter().find(|r| !r.pass);
                FailingCase {
                    name: case.name.clone(),
                    vars: case.vars.clone(),
                    output: failing_run.map(|r| r.output.clone()).unwrap_or_default(),
                    failed: failing_run
                        .map(|r| {
                            r.assertions
                                .iter()
                                .filter(|a| !a.pass)
                                .map(|a| a.kind.clone())
                                .collect()
                        })
                        .unwrap_or_default(),
                    reason: case.reason.clone().unwrap_or_default(),
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefineResult {
    pub prompt_id: String,
    /// The refined `.prompt` source (the original when nothing applied).
    pub prompt: String,
    pub changed: bool,
    /// A unified diff from the original to the refinement.
    pub diff: String,
    /// What changed and why, one line each.
    pub changes: Vec<String>,
    /// The strategies applied, in order (`model-rewrite` for a model's).
    pub strategies: Vec<String>,
    pub score_before: f64,
    pub score_after: f64,
    pub before: Rubric,
    pub after: Rubric,
    /// The refinement scores lower than the original.
    pub regressed: bool,
    /// One sentence: better, the same, or worse, and by how much.
    pub verdict: String,
    pub model_version: String,
    /// The test cases before and after, when they were run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases_before: Option<CaseSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases_after: Option<CaseSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Totals>,
}

/// Refines against test cases: runs them, adds the failures to the request, refines, and runs
/// them again on the refinement; a lower pass rate counts as a regression. Without a model
/// the cases cannot run, and this is [`refine`].
pub async fn refine_against_cases(
    prompt: &PromptInput<'_>,
    mut request: RefineRequest,
    cases: Vec<TestCase>,
    model: Option<&ModelClient>,
    repeat: u32,
) -> RefineResult {
    let Some(model) = model.filter(|_| !cases.is_empty()) else {
        return refine(prompt, &request, model).await;
    };
    let before = evaluate::run(
        evaluate::plan(prompt, None, cases.clone()),
        Some(model),
        repeat,
    )
    .await;
    request
        .failing_cases
        .extend(FailingCase::from_results(&before.cases));
    let mut result = refine(prompt, &request, Some(model)).await;
    if result.changed {
        let refined = prompt.with_source(&result.prompt);
        let after = evaluate::run(evaluate::plan(&refined, None, cases), Some(model), repeat).await;
        if let (Some(was), Some(now)) = (before.summary.pass_rate, after.summary.pass_rate) {
            if now < was {
                result.regressed = true;
                result.verdict.push_str(&format!(
                    "; test cases got worse: {:.0}% → {:.0}% passing",
                    was * 100.0,
                    now * 100.0
                ));
            }
        }
        result.cases_after = Some(after.summary);
    }
    result.cases_before = Some(before.summary);
    result.usage = Some(model.totals());
    result
}

/// Refines `prompt` as `request` asks. With `model`, a model rewrite is tried first and kept
/// when it lints clean, renders and does not score below the built-in refinement.
pub async fn refine(
    prompt: &PromptInput<'_>,
    request: &RefineRequest,
    model: Option<&ModelClient>,
) -> RefineResult {
    let before = prompt.assess();
    let in_prompt = notes::feedback_notes(prompt.source);
    let with_notes;
    let request = if in_prompt.is_empty() {
        request
    } else {
        with_notes = RefineRequest {
            feedback: request
                .feedback
                .iter()
                .cloned()
                .chain(in_prompt.clone())
                .collect(),
            ..request.clone()
        };
        &with_notes
    };
    let plan = strategies_for(request, &before.findings);
    let mut builtin = apply_plan(prompt, &plan);
    let mut model_version = crate::builtin_model_version();
    if let Some(model) = model {
        match critique::rewrite(prompt, request, model).await {
            Ok(rewrite) => {
                let rewrite =
                    fix_until_stable(&rewrite, |text| prompt.with_source(text).lint()).source;
                let assessed = prompt.with_source(&rewrite).assess();
                let renders = prompt
                    .with_source(&rewrite)
                    .render_call(&sample_data(&Document::parse(&rewrite)).input)
                    .is_ok();
                let builtin_score = prompt.with_source(&builtin.source).assess().rubric.score;
                if assessed.errors() == 0 && renders && assessed.rubric.score >= builtin_score {
                    builtin.changes.insert(
                        0,
                        "model-rewrite: the model critiqued the failures and feedback and rewrote the prompt".into(),
                    );
                    builtin.source = rewrite;
                    builtin.strategies = vec!["model-rewrite".into()];
                    model_version = model.describe();
                } else {
                    builtin.changes.push(format!(
                        "the model's rewrite was not used: {}",
                        if assessed.errors() > 0 {
                            format!("it has {} lint errors", assessed.errors())
                        } else if !renders {
                            "it does not render".to_string()
                        } else {
                            format!(
                                "it scores {:.1}, below the built-in refinement's {builtin_score:.1}",
                                assessed.rubric.score
                            )
                        }
                    ));
                }
            }
            Err(error) => builtin.changes.push(format!(
                "the model's rewrite failed, so the built-in refinement stands: {error}"
            )),
        }
    }
    if !in_prompt.is_empty() {
        builtin.source = notes::without_feedback_blocks(&builtin.source);
        builtin.changes.push(format!(
            "acted on the {} note(s) of the prompt's promptopt-feedback block and removed it",
            in_prompt.len()
        ));
    }
    let after = prompt.with_source(&builtin.source).assess();
    let changed = builtin.source != prompt.source;
    let diff = TextDiff::from_lines(prompt.source, &builtin.source)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{}", prompt.path), &format!("b/{}", prompt.path))
        .to_string();
    let (score_before, score_after) = (before.rubric.score, after.rubric.score);
    let mut changes = builtin.changes;
    changes.extend(dimension_deltas(&before.rubric, &after.rubric));
    RefineResult {
        prompt_id: prompt.id(),
        prompt: builtin.source,
        changed,
        diff: if changed { diff } else { String::new() },
        changes,
        strategies: builtin.strategies,
        score_before,
        score_after,
        regressed: score_after < score_before,
        verdict: verdict(changed, score_before, score_after),
        before: before.rubric,
        after: after.rubric,
        model_version,
        cases_before: None,
        cases_after: None,
        usage: model.map(ModelClient::totals),
    }
}

/// The strategies to apply, in catalog order: what the feedback asks for, what the findings
/// point to, what the failing assertions need; always the safe lint fixes.
fn strategies_for(request: &RefineRequest, findings: &[Finding]) -> Vec<Strategy> {
    let mut wanted: Vec<Strategy> = Vec::new();
    for note in &request.feedback {
        wanted.extend(strategies_for_feedback(note));
    }
    wanted.extend(findings.iter().filter_map(|f| strategy_for_rule(f.rule)));
    for case in &request.failing_cases {
        wanted.extend(
            case.failed
                .iter()
                .filter_map(|kind| strategy_for_assertion(kind)),
        );
        wanted.extend(strategies_for_feedback(&case.reason));
    }
    wanted.push(Strategy::SafeFixes);
    Strategy::ALL
        .into_iter()
        .filter(|s| wanted.contains(s))
        .collect()
}

/// What a failing assertion asks of the prompt.
fn strategy_for_assertion(kind: &str) -> Option<Strategy> {
    let positive = kind.strip_prefix("not-");
    match (positive, kind) {
        // A forbidden phrase appeared: say what must not be done.
        (Some(_), _) => Some(Strategy::Constraints),
        (None, "is-json" | "contains-json") => Some(Strategy::OutputFormat),
        (None, "equals" | "starts-with" | "regex" | "levenshtein" | "rouge-n" | "similar") => {
            Some(Strategy::FewShot)
        }
        (
            None,
            "contains" | "icontains" | "contains-any" | "icontains-any" | "contains-all"
            | "icontains-all" | "llm-rubric",
        ) => Some(Strategy::StepByStep),
        (None, "cost" | "latency") => Some(Strategy::Concise),
        _ => None,
    }
}

struct Applied {
    source: String,
    strategies: Vec<String>,
    changes: Vec<String>,
}

fn apply_plan(prompt: &PromptInput<'_>, plan: &[Strategy]) -> Applied {
    let mut applied = Applied {
        source: prompt.source.to_string(),
        strategies: Vec::new(),
        changes: Vec::new(),
    };
    for &strategy in plan {
        if let Some(variant) = variants::apply(strategy, &applied.source, prompt.options) {
            applied.source = variant.source;
            applied.strategies.push(strategy.id().to_string());
            applied
                .changes
                .push(format!("{}: {}", strategy.id(), variant.explanation));
        }
    }
    if applied.strategies.is_empty() {
        applied.changes.push(format!(
            "nothing to change: {} had nothing to add to this prompt",
            plan.iter().map(|s| s.id()).collect::<Vec<_>>().join(", ")
        ));
    }
    applied
}

fn dimension_deltas(before: &Rubric, after: &Rubric) -> Vec<String> {
    before
        .dimensions
        .iter()
        .zip(&after.dimensions)
        .filter(|(b, a)| (b.score - a.score).abs() >= 0.05)
        .map(|(b, a)| format!("{}: {:.1} → {:.1}", b.dimension.as_str(), b.score, a.score))
        .collect()
}

fn verdict(changed: bool, before: f64, after: f64) -> String {
    if !changed {
        format!("unchanged at {before:.1}/5")
    } else if after > before {
        format!("better: {before:.1} → {after:.1}/5")
    } else if after < before {
        format!("worse: {before:.1} → {after:.1}/5; review the diff before keeping it")
    } else {
        format!("same score, {before:.1}/5, with the changes listed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_assertions_map_to_what_would_fix_them() {
        assert_eq!(
            strategy_for_assertion("is-json"),
            Some(Strategy::OutputFormat)
        );
        assert_eq!(
            strategy_for_assertion("not-icontains"),
            Some(Strategy::Constraints)
        );
        assert_eq!(strategy_for_assertion("equals"), Some(Strategy::FewShot));
        assert_eq!(strategy_for_assertion("latency"), Some(Strategy::Concise));
        assert_eq!(strategy_for_assertion("nonsense"), None);
    }

    #[test]
    fn verdicts_say_which_way_and_by_how_much() {
        assert_eq!(verdict(true, 3.0, 3.5), "better: 3.0 → 3.5/5");
        assert!(verdict(true, 3.5, 3.0).starts_with("worse"));
        assert_eq!(verdict(false, 4.0, 4.0), "unchanged at 4.0/5");
    }
}
