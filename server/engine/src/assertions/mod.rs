//! Checks on a model's output, with promptfoo's assertion types and semantics, so a team's
//! existing `promptfooconfig.yaml` tests mean the same here.
//!
//! An assertion is a type (with an optional `not-` prefix that inverts it), a value, an
//! optional threshold and a weight. Each gives a [`Grade`]: pass or fail, a score in 0–1 and a
//! reason. A test case passes when every assertion passes; its score is the weighted mean.

mod json;
mod similarity;
mod text;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One assertion as written in a test file (`{type, value?, threshold?, weight?}`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AssertionSpec {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// promptfoo's label for the assertion in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
}

/// The assertion types this engine checks without a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Equals,
    Contains,
    IContains,
    ContainsAny,
    IContainsAny,
    ContainsAll,
    IContainsAll,
    Regex,
    StartsWith,
    IsJson,
    ContainsJson,
    Levenshtein,
    RougeN,
    Cost,
    Latency,
    /// Cosine similarity of embeddings from the provider (`threshold`, default 0.75).
    Similar,
    /// A model judges the output against a rubric.
    LlmRubric,
}

impl Kind {
    const NAMES: [(&'static str, Kind); 17] = [
        ("equals", Kind::Equals),
        ("contains", Kind::Contains),
        ("icontains", Kind::IContains),
        ("contains-any", Kind::ContainsAny),
        ("icontains-any", Kind::IContainsAny),
        ("contains-all", Kind::ContainsAll),
        ("icontains-all", Kind::IContainsAll),
        ("regex", Kind::Regex),
        ("starts-with", Kind::StartsWith),
        ("is-json", Kind::IsJson),
        ("contains-json", Kind::ContainsJson),
        ("levenshtein", Kind::Levenshtein),
        ("rouge-n", Kind::RougeN),
        ("cost", Kind::Cost),
        ("latency", Kind::Latency),
        ("similar", Kind::Similar),
        ("llm-rubric", Kind::LlmRubric),
    ];

    /// Graded with a model (embeddings or a judge), not by the engine alone.
    pub fn needs_model(self) -> bool {
        matches!(self, Kind::Similar | Kind::LlmRubric)
    }

    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, kind)| *kind == self)
            .map_or("unknown", |(name, _)| name)
    }

    fn parse(name: &str) -> Option<Kind> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, kind)| *kind)
    }
}

/// An assertion ready to check.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    pub kind: Kind,
    /// `not-` prefix: passes when the check fails.
    pub negated: bool,
    pub value: Option<Value>,
    pub threshold: Option<f64>,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("unknown assertion type `{0}`: use one of {list}", list = known_list())]
    UnknownType(String),
    #[error("`{0}` is graded by a model: configure a provider (`--provider`) to run it")]
    NeedsModel(String),
    #[error("`{kind}` needs {what}")]
    BadValue { kind: String, what: &'static str },
    #[error("`{kind}`: {message}")]
    Invalid { kind: String, message: String },
}

fn known_list() -> String {
    let names: Vec<&str> = Kind::NAMES.iter().map(|(n, _)| *n).collect();
    names.join(", ")
}

impl Assertion {
    /// Reads a spec; an unknown type or a negative weight is an error that names what to
    /// write instead.
    pub fn from_spec(spec: &AssertionSpec) -> Result<Assertion, AssertionError> {
        let (negated, name) = match spec.kind.strip_prefix("not-") {
            Some(rest) => (true, rest),
            None => (false, spec.kind.as_str()),
        };
        let Some(kind) = Kind::parse(name) else {
            return Err(AssertionError::UnknownType(spec.kind.clone()));
        };
        let weight = spec.weight.unwrap_or(1.0);
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(AssertionError::BadValue {
                kind: spec.kind.clone(),
                what: "a weight of 0 or more",
            });
        }
        Ok(Assertion {
            kind,
            negated,
            value: spec.value.clone(),
            threshold: spec.threshold,
            weight,
        })
    }

    /// A plain `expected` value means `equals`.
    pub fn equals(expected: Value) -> Assertion {
        Assertion {
            kind: Kind::Equals,
            negated: false,
            value: Some(expected),
            threshold: None,
            weight: 1.0,
        }
    }
}

/// What the model answered, with what the call cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub text: String,
    pub cost_usd: Option<f64>,
    pub latency_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub pass: bool,
    /// 0–1; for a negated assertion, one minus the check's score.
    pub score: f64,
    pub reason: String,
}

/// The outcome of one check before negation.
struct Checked {
    pass: bool,
    score: f64,
    reason: String,
}

impl Checked {
    fn binary(pass: bool, reason: impl Into<String>) -> Checked {
        Checked {
            pass,
            score: if pass { 1.0 } else { 0.0 },
            reason: reason.into(),
        }
    }
}

/// Checks one assertion against an output.
pub fn check(assertion: &Assertion, output: &Output) -> Result<Grade, AssertionError> {
    let checked = match assertion.kind {
        Kind::Equals
        | Kind::Contains
        | Kind::IContains
        | Kind::ContainsAny
        | Kind::IContainsAny
        | Kind::ContainsAll
        | Kind::IContainsAll
        | Kind::Regex
        | Kind::StartsWith => text::check(assertion, &output.text)?,
        Kind::IsJson | Kind::ContainsJson => json::check(assertion, &output.text)?,
        Kind::Levenshtein | Kind::RougeN => similarity::check(assertion, &output.text)?,
        Kind::Cost => metric(assertion, "cost", output.cost_usd, "$")?,
        Kind::Latency => metric(
            assertion,
            "latency",
            output.latency_ms.map(|ms| ms as f64),
            "ms ",
        )?,
        Kind::Similar | Kind::LlmRubric => {
            return Err(AssertionError::NeedsModel(assertion.kind.name().into()));
        }
    };
    Ok(negate(assertion, checked))
}

/// A model's verdict on a `similar` or `llm-rubric` assertion (before any `not-`), turned into
/// the assertion's grade.
pub fn model_grade(assertion: &Assertion, pass: bool, score: f64, reason: String) -> Grade {
    negate(
        assertion,
        Checked {
            pass,
            score: score.clamp(0.0, 1.0),
            reason,
        },
    )
}

fn negate(assertion: &Assertion, checked: Checked) -> Grade {
    if assertion.negated {
        Grade {
            pass: !checked.pass,
            score: 1.0 - checked.score,
            reason: format!("not: {}", checked.reason),
        }
    } else {
        Grade {
            pass: checked.pass,
            score: checked.score,
            reason: checked.reason,
        }
    }
}

/// `cost` and `latency`: pass when the measured value is at most the threshold.
fn metric(
    assertion: &Assertion,
    name: &str,
    measured: Option<f64>,
    unit: &str,
) -> Result<Checked, AssertionError> {
    let Some(threshold) = assertion.threshold else {
        return Err(AssertionError::BadValue {
            kind: name.to_string(),
            what: "a `threshold` (the most it may be)",
        });
    };
    let Some(measured) = measured else {
        return Ok(Checked::binary(
            false,
            format!("no {name} was measured for this call"),
        ));
    };
    let pass = measured <= threshold;
    Ok(Checked::binary(
        pass,
        format!(
            "{name} {unit}{measured} {} the threshold {unit}{threshold}",
            if pass { "is within" } else { "exceeds" }
        ),
    ))
}

/// A test case's assertions, graded together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseGrade {
    pub pass: bool,
    /// The weighted mean of the assertion scores (1 when there are no assertions).
    pub score: f64,
    pub results: Vec<Grade>,
}

/// Grades every assertion; the case passes when all pass (or, with a case `threshold`, when
/// the weighted score reaches it), as promptfoo does.
pub fn grade(
    assertions: &[Assertion],
    output: &Output,
    case_threshold: Option<f64>,
) -> Result<CaseGrade, AssertionError> {
    let results = assertions
        .iter()
        .map(|a| check(a, output))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(combine(assertions, results, case_threshold))
}

/// Combines the grades of a case's assertions (in the same order): the weighted mean score,
/// and pass when all pass or, with a case `threshold`, when the score reaches it.
pub fn combine(
    assertions: &[Assertion],
    results: Vec<Grade>,
    case_threshold: Option<f64>,
) -> CaseGrade {
    let total_weight: f64 = assertions.iter().map(|a| a.weight).sum();
    let score = if total_weight > 0.0 {
        assertions
            .iter()
            .zip(&results)
            .map(|(a, g)| a.weight * g.score)
            .sum::<f64>()
            / total_weight
    } else {
        1.0
    };
    let pass = match case_threshold {
        Some(threshold) => score >= threshold,
        None => results.iter().all(|g| g.pass),
    };
    CaseGrade {
        pass,
        score,
        results,
    }
}

/// The assertion's value as a string, or an error naming what the type needs.
fn string_value<'a>(assertion: &'a Assertion, name: &str) -> Result<&'a str, AssertionError> {
    assertion
        .value
        .as_ref()
        .and_then(Value::as_str)
        .ok_or_else(|| AssertionError::BadValue {
            kind: name.to_string(),
            what: "a string `value`",
        })
}

#[cfg(test)]
mod tests;
