//! Evaluate: the QA rubric of a prompt, and its test cases run through a model and graded
//! with assertions, each case `repeat` times to find the flaky ones.
//!
//! Two steps so no borrowed file access crosses an await: [`plan`] lints, scores and renders
//! every case (sync, needs the caller's workspace), [`run`] calls the model and grades
//! (async, owns everything it needs).

mod grading;

use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use promptopt_core::rubric::Rubric;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use grading::GradingError;

use crate::assertions::{Grade, Output, combine};
use crate::client::{CallError, ModelClient, Totals};
use crate::prompt::PromptInput;
use crate::provider::ChatRequest;
use crate::tests_file::{CaseSpec, TestCase, TestFile, TestFileError};
use crate::{BUILTIN_MODEL_VERSION, builtin_model_version};

/// The most runs of one case a request may ask for.
pub const MAX_REPEAT: u32 = 100;

/// `repeat` checked: 1 to [`MAX_REPEAT`].
pub fn check_repeat(repeat: u32) -> Result<u32, String> {
    if (1..=MAX_REPEAT).contains(&repeat) {
        Ok(repeat)
    } else {
        Err(format!(
            "repeat must be between 1 and {MAX_REPEAT}, got {repeat}"
        ))
    }
}

/// The Mesh API's and the LSP command's request: `{prompt, testCases: [{input, expected}]}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromptEvalRequest {
    /// The `.prompt` source.
    pub prompt: String,
    #[serde(default)]
    pub prompt_id: Option<String>,
    #[serde(default)]
    pub test_cases: Vec<CaseSpec>,
    /// Runs of each case; more than one finds flaky cases.
    #[serde(default)]
    pub repeat: Option<u32>,
}

impl PromptEvalRequest {
    pub fn cases(&self) -> Result<Vec<TestCase>, TestFileError> {
        TestFile {
            tests: self.test_cases.clone(),
            ..TestFile::default()
        }
        .cases()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptEvalResult {
    pub prompt_id: String,
    /// The QA rubric, 1–5.
    pub score: f64,
    /// What to improve first, in sentences a person reads.
    pub feedback: String,
    pub rubric: Rubric,
    /// Lint findings behind the rubric, by severity.
    pub findings: FindingCounts,
    pub cases: Vec<CaseResult>,
    pub summary: CaseSummary,
    /// `builtin/N`, or the provider, endpoint and model that answered the cases.
    pub model_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Totals>,
    /// Why the run stopped early (the budget, a cancel): the cases not run are errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FindingCounts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub hints: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CaseStatus {
    Passed,
    Failed,
    /// The case could not be run or graded (a render error, a provider failure, a bad
    /// assertion): no verdict.
    Error,
    /// No model is configured, so there is no output to grade.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    pub name: String,
    pub vars: Map<String, Value>,
    pub status: CaseStatus,
    /// Every run passed.
    pub pass: bool,
    /// Mean of the runs' weighted assertion scores, 0–1.
    pub score: f64,
    /// Some runs passed and some failed.
    pub flaky: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub runs: Vec<RunResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub sample: u32,
    pub pass: bool,
    pub score: f64,
    pub output: String,
    pub assertions: Vec<AssertionResult>,
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    pub cached: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResult {
    #[serde(rename = "type")]
    pub kind: String,
    pub pass: bool,
    pub score: f64,
    pub weight: f64,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseSummary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    pub flaky: usize,
    /// Passed over the cases that got a verdict (passed + failed); `None` when none did.
    pub pass_rate: Option<f64>,
}

/// A case ready to send: the chat call its vars render to, or why they do not.
#[derive(Debug, Clone)]
struct PlannedCase {
    case: TestCase,
    call: Result<ChatRequest, String>,
}

/// Everything [`run`] needs, owned.
#[derive(Debug, Clone)]
pub struct EvalPlan {
    prompt_id: String,
    rubric: Rubric,
    findings: FindingCounts,
    cases: Vec<PlannedCase>,
}

impl EvalPlan {
    pub fn rubric(&self) -> &Rubric {
        &self.rubric
    }
}

/// Lints and scores the prompt and renders every case.
pub fn plan(prompt: &PromptInput<'_>, prompt_id: Option<String>, cases: Vec<TestCase>) -> EvalPlan {
    let assessment = prompt.assess();
    let mut findings = FindingCounts::default();
    for finding in &assessment.findings {
        use promptopt_core::lint::Severity;
        match finding.severity {
            Severity::Error => findings.errors += 1,
            Severity::Warning => findings.warnings += 1,
            Severity::Info => findings.infos += 1,
            Severity::Hint => findings.hints += 1,
        }
    }
    let cases = cases
        .into_iter()
        .map(|case| PlannedCase {
            call: prompt.render_call(&case.vars),
            case,
        })
        .collect();
    EvalPlan {
        prompt_id: prompt_id.unwrap_or_else(|| prompt.id()),
        rubric: assessment.rubric,
        findings,
        cases,
    }
}

/// Runs the plan: each case `repeat` times through `model` (all runs at once, bounded by the
/// client's concurrency), graded with its assertions. With no model, cases that render are
/// skipped and the result is the rubric alone.
pub async fn run(plan: EvalPlan, model: Option<&ModelClient>, repeat: u32) -> PromptEvalResult {
    let repeat = repeat.max(1);
    let (cases, stopped) = match model {
        None => (plan.cases.iter().map(skipped).collect(), None),
        Some(model) => run_cases(&plan.cases, model, repeat).await,
    };
    let summary = summarize(&cases);
    PromptEvalResult {
        feedback: feedback(&plan.rubric, &cases, &summary, stopped.as_deref()),
        prompt_id: plan.prompt_id,
        score: plan.rubric.score,
        rubric: plan.rubric,
        findings: plan.findings,
        cases,
        summary,
        model_version: model.map_or_else(builtin_model_version, ModelClient::describe),
        usage: model.map(ModelClient::totals),
        stopped,
    }
}

fn skipped(planned: &PlannedCase) -> CaseResult {
    let (status, reason) = match &planned.call {
        Ok(_) => (
            CaseStatus::Skipped,
            format!(
                "rendered; no model to answer it ({BUILTIN_MODEL_VERSION} grades the prompt only): pass --provider to run test cases"
            ),
        ),
        Err(error) => (CaseStatus::Error, format!("cannot render: {error}")),
    };
    CaseResult {
        name: planned.case.name.clone(),
        vars: planned.case.vars.clone(),
        status,
        pass: false,
        score: 0.0,
        flaky: false,
        reason: Some(reason),
        runs: Vec::new(),
    }
}

/// Runs every case; also returns why the run stopped, when the budget or a cancel ended it.
async fn run_cases(
    cases: &[PlannedCase],
    model: &ModelClient,
    repeat: u32,
) -> (Vec<CaseResult>, Option<String>) {
    let mut runs: Vec<Vec<Option<RunResult>>> =
        cases.iter().map(|_| vec![None; repeat as usize]).collect();
    let mut pending = FuturesUnordered::new();
    for (index, planned) in cases.iter().enumerate() {
        let Ok(call) = &planned.call else { continue };
        let call = Arc::new(call.clone());
        for sample in 0..repeat {
            let call = call.clone();
            pending.push(async move {
                let result = run_once(&planned.case, &call, model, sample).await;
                (index, sample, result)
            });
        }
    }
    let mut stopped = None;
    while let Some((index, sample, (result, stop))) = pending.next().await {
        if stopped.is_none() {
            stopped = stop.map(|e| e.to_string());
        }
        if let Some(slot) = runs.get_mut(index).and_then(|r| r.get_mut(sample as usize)) {
            *slot = Some(result);
        }
    }
    let results = cases
        .iter()
        .zip(runs)
        .map(|(planned, runs)| match &planned.call {
            Err(_) => skipped(planned),
            Ok(_) => case_result(&planned.case, runs.into_iter().flatten().collect()),
        })
        .collect();
    (results, stopped)
}

/// One run of one case, and the error that ends the whole run (budget, cancel) if one did.
async fn run_once(
    case: &TestCase,
    call: &ChatRequest,
    model: &ModelClient,
    sample: u32,
) -> (RunResult, Option<CallError>) {
    let answered = match model.chat(call.clone(), sample, None).await {
        Ok(answered) => answered,
        Err(error) => {
            let stop =
                matches!(error, CallError::Budget(_) | CallError::Cancelled).then(|| error.clone());
            let result = RunResult {
                sample,
                pass: false,
                score: 0.0,
                output: String::new(),
                assertions: Vec::new(),
                latency_ms: 0,
                cost_usd: None,
                cached: false,
                error: Some(error.to_string()),
            };
            return (result, stop);
        }
    };
    let output = Output {
        text: answered.completion.text.clone(),
        cost_usd: answered.cost_usd,
        latency_ms: (!answered.cached).then_some(answered.latency_ms),
    };
    let mut grades: Vec<Grade> = Vec::with_capacity(case.assertions.len());
    let mut error = None;
    for assertion in &case.assertions {
        match grading::grade_one(assertion, &output, model, sample).await {
            Ok(grade) => grades.push(grade),
            Err(e) => {
                error = Some(format!("{}: {e}", assertion.kind.name()));
                break;
            }
        }
    }
    let assertions_graded = error.is_none();
    let graded = if assertions_graded {
        Some(combine(&case.assertions, grades, case.threshold))
    } else {
        None
    };
    let result = RunResult {
        sample,
        pass: graded.as_ref().is_some_and(|g| g.pass),
        score: graded.as_ref().map_or(0.0, |g| g.score),
        assertions: graded
            .map(|g| {
                case.assertions
                    .iter()
                    .zip(g.results)
                    .map(|(a, grade)| AssertionResult {
                        kind: format!("{}{}", if a.negated { "not-" } else { "" }, a.kind.name()),
                        pass: grade.pass,
                        score: grade.score,
                        weight: a.weight,
                        reason: grade.reason,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        output: output.text,
        latency_ms: answered.latency_ms,
        cost_usd: answered.cost_usd,
        cached: answered.cached,
        error,
    };
    (result, None)
}

fn case_result(case: &TestCase, runs: Vec<RunResult>) -> CaseResult {
    let errored = runs.iter().find_map(|r| r.error.clone());
    let passes = runs.iter().filter(|r| r.pass).count();
    let score = if runs.is_empty() {
        0.0
    } else {
        runs.iter().map(|r| r.score).sum::<f64>() / runs.len() as f64
    };
    let status = if errored.is_some() {
        CaseStatus::Error
    } else if passes == runs.len() && !runs.is_empty() {
        CaseStatus::Passed
    } else {
        CaseStatus::Failed
    };
    let flaky = errored.is_none() && passes > 0 && passes < runs.len();
    let reason = errored.or_else(|| {
        if flaky {
            Some(format!("flaky: passed {passes} of {} runs", runs.len()))
        } else if status == CaseStatus::Failed {
            runs.iter()
                .flat_map(|r| &r.assertions)
                .find(|a| !a.pass)
                .map(|a| format!("{}: {}", a.kind, a.reason))
        } else {
            None
        }
    });
    CaseResult {
        name: case.name.clone(),
        vars: case.vars.clone(),
        pass: status == CaseStatus::Passed,
        status,
        score,
        flaky,
        reason,
        runs,
    }
}

fn summarize(cases: &[CaseResult]) -> CaseSummary {
    let count = |status| cases.iter().filter(|c| c.status == status).count();
    let (passed, failed) = (count(CaseStatus::Passed), count(CaseStatus::Failed));
    CaseSummary {
        total: cases.len(),
        passed,
        failed,
        errors: count(CaseStatus::Error),
        skipped: count(CaseStatus::Skipped),
        flaky: cases.iter().filter(|c| c.flaky).count(),
        pass_rate: (passed + failed > 0).then(|| passed as f64 / (passed + failed) as f64),
    }
}

/// The weakest dimensions first, then the cases: what a reviewer should read.
fn feedback(
    rubric: &Rubric,
    cases: &[CaseResult],
    summary: &CaseSummary,
    stopped: Option<&str>,
) -> String {
    let mut weak: Vec<_> = rubric.dimensions.iter().filter(|d| d.score < 5.0).collect();
    weak.sort_by(|a, b| a.score.total_cmp(&b.score));
    let mut sentences: Vec<String> = weak
        .iter()
        .take(3)
        .map(|d| {
            format!(
                "{} {:.1}/5: {}",
                d.dimension.title(),
                d.score,
                d.explanation
            )
        })
        .collect();
    if sentences.is_empty() {
        sentences.push("No lint findings: every rubric dimension scores 5/5.".into());
    }
    if summary.passed + summary.failed + summary.errors > 0 {
        let failing: Vec<&str> = cases
            .iter()
            .filter(|c| matches!(c.status, CaseStatus::Failed | CaseStatus::Error))
            .map(|c| c.name.as_str())
            .take(5)
            .collect();
        let mut line = format!("{} of {} cases passed", summary.passed, summary.total);
        if !failing.is_empty() {
            line.push_str(&format!("; not passing: {}", failing.join(", ")));
        }
        if summary.flaky > 0 {
            line.push_str(&format!("; {} flaky", summary.flaky));
        }
        sentences.push(format!("{line}."));
    }
    if let Some(reason) = stopped {
        sentences.push(format!("The run stopped early: {reason}."));
    }
    sentences.join(" ")
}
