//! Printing the engine's answers: the JSON contract, or tables a person reads with scores side
//! by side.

use promptopt_core::rubric::Rubric;
use promptopt_core::tokens::{dollars, thousands};
use promptopt_engine::client::Totals;
use promptopt_engine::evaluate::{CaseStatus, PromptEvalResult};
use promptopt_engine::generate::{PromptCandidate, PromptCandidateList};
use promptopt_engine::refine::RefineResult;
use serde::Serialize;

/// `line!(out, "…", args)`: one line of a table.
macro_rules! line {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

pub use super::emit;

/// The result as pretty JSON on stdout: the same shape the LSP commands and the Mesh API answer.
pub fn json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => emit(&format!("{text}\n")),
        Err(error) => eprintln!("promptopt: cannot print the result as JSON: {error}"),
    }
}

/// `4.2  clarity 5.0  specificity 3.5  …`: a rubric on one line.
pub fn rubric_line(rubric: &Rubric) -> String {
    let dimensions: Vec<String> = rubric
        .dimensions
        .iter()
        .map(|d| format!("{} {:.1}", d.dimension.as_str(), d.score))
        .collect();
    format!("{:.1}/5  ({})", rubric.score, dimensions.join(", "))
}

pub fn eval_table(display: &str, result: &PromptEvalResult) -> String {
    let mut out = String::new();
    line!(
        out,
        "{} ({display}) — {}",
        result.prompt_id,
        result.model_version
    );
    line!(out, "  score {}", rubric_line(&result.rubric));
    for dimension in result.rubric.dimensions.iter().filter(|d| d.score < 5.0) {
        line!(
            out,
            "    {:<12} {:.1}  {}",
            dimension.dimension.as_str(),
            dimension.score,
            dimension.explanation
        );
    }
    let f = &result.findings;
    line!(
        out,
        "  findings: {} errors, {} warnings, {} infos, {} hints (`promptopt lint {display}` lists them)",
        f.errors,
        f.warnings,
        f.infos,
        f.hints
    );
    if result.cases.is_empty() {
        line!(
            out,
            "  no test cases (add {}.tests.yaml beside the prompt or pass --tests)",
            stem(display)
        );
    } else {
        let width = result
            .cases
            .iter()
            .map(|c| c.name.chars().count())
            .max()
            .unwrap_or(4)
            .min(40);
        out.push('\n');
        for case in &result.cases {
            let mark = match case.status {
                CaseStatus::Passed => "pass",
                CaseStatus::Failed => "FAIL",
                CaseStatus::Error => "ERR ",
                CaseStatus::Skipped => "skip",
            };
            let runs = if case.runs.len() > 1 {
                format!(
                    " {}/{} runs",
                    case.runs.iter().filter(|r| r.pass).count(),
                    case.runs.len()
                )
            } else {
                String::new()
            };
            let name: String = case.name.chars().take(width).collect();
            line!(
                out,
                "  {mark}  {name:<width$}  {:.2}{runs}{}",
                case.score,
                case.reason
                    .as_ref()
                    .map(|r| format!("  {r}"))
                    .unwrap_or_default()
            );
        }
        let s = &result.summary;
        let rate = s
            .pass_rate
            .map(|r| format!(", pass rate {:.0}%", r * 100.0))
            .unwrap_or_default();
        line!(
            out,
            "\n  cases: {} passed, {} failed, {} errors, {} skipped, {} flaky{rate}",
            s.passed,
            s.failed,
            s.errors,
            s.skipped,
            s.flaky
        );
    }
    if let Some(usage) = &result.usage {
        line!(out, "  {}", usage_line(usage));
    }
    if let Some(reason) = &result.stopped {
        line!(out, "  stopped early: {reason}");
    }
    out
}

pub fn usage_line(usage: &Totals) -> String {
    let cost = if usage.cost_unknown && usage.cost_usd == 0.0 {
        "cost unknown (the model table does not price this model)".to_string()
    } else if usage.cost_unknown {
        format!("at least {}", dollars(usage.cost_usd))
    } else {
        dollars(usage.cost_usd)
    };
    format!(
        "usage: {} calls ({} cached, {} retries), {} input / {} output tokens, {cost}",
        usage.calls,
        usage.cached,
        usage.retries,
        thousands(usage.input_tokens as usize),
        thousands(usage.output_tokens as usize)
    )
}

fn stem(display: &str) -> &str {
    display.rsplit_once('.').map_or(display, |(stem, _)| stem)
}

/// Candidates side by side: rank, id, score, each dimension, how it was made; then the best.
pub fn candidates_table(list: &PromptCandidateList) -> String {
    let mut out = String::new();
    line!(
        out,
        "{} candidates — {}",
        list.candidates.len(),
        list.model_version
    );
    line!(
        out,
        "  {:>2}  {:<12}  {:>5}  {:>5} {:>5} {:>5} {:>5} {:>5}  how",
        "#",
        "id",
        "score",
        "clar",
        "spec",
        "struc",
        "safe",
        "effic"
    );
    let row = |rank: &str, c: &PromptCandidate| {
        let dims: Vec<String> = c
            .rubric
            .dimensions
            .iter()
            .map(|d| format!("{:>5.1}", d.score))
            .collect();
        format!(
            "  {rank:>2}  {:<12}  {:>5.1}  {}  {}",
            c.id,
            c.score,
            dims.join(" "),
            c.strategy
        )
    };
    line!(out, "{}", row("-", &list.base));
    for (i, candidate) in list.candidates.iter().enumerate() {
        line!(out, "{}", row(&(i + 1).to_string(), candidate));
    }
    for note in &list.notes {
        line!(out, "  note: {note}");
    }
    if let Some(usage) = &list.usage {
        line!(out, "  {}", usage_line(usage));
    }
    if let Some(best) = list.candidates.first() {
        line!(
            out,
            "\nbest ({}, {}): {}\n",
            best.id,
            best.strategy,
            best.explanation
        );
        out.push_str(&best.prompt);
        if !best.prompt.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The diff, then the scores before and after side by side and what changed.
pub fn refine_report(result: &RefineResult) -> String {
    let mut out = String::new();
    out.push_str(&result.diff);
    if !result.diff.is_empty() && !result.diff.ends_with('\n') {
        out.push('\n');
    }
    line!(
        out,
        "\n{} — {} ({})",
        result.prompt_id,
        result.verdict,
        result.model_version
    );
    line!(out, "  {:<12} {:>6} {:>6}", "", "before", "after");
    line!(
        out,
        "  {:<12} {:>6.1} {:>6.1}",
        "score",
        result.score_before,
        result.score_after
    );
    for (before, after) in result
        .before
        .dimensions
        .iter()
        .zip(&result.after.dimensions)
    {
        let mark = if after.score > before.score {
            "  +"
        } else if after.score < before.score {
            "  -"
        } else {
            ""
        };
        line!(
            out,
            "  {:<12} {:>6.1} {:>6.1}{mark}",
            before.dimension.as_str(),
            before.score,
            after.score
        );
    }
    if let (Some(before), Some(after)) = (&result.cases_before, &result.cases_after) {
        line!(
            out,
            "  {:<12} {:>6} {:>6}",
            "cases passed",
            format!("{}/{}", before.passed, before.total),
            format!("{}/{}", after.passed, after.total)
        );
    }
    for change in &result.changes {
        line!(out, "  - {change}");
    }
    if let Some(usage) = &result.usage {
        line!(out, "  {}", usage_line(usage));
    }
    out
}
