//! Assertions a model grades: `similar` (embeddings, cosine similarity) and `llm-rubric` (a
//! judge answering with JSON), with promptfoo's meaning.

use serde_json::{Value, json};

use crate::assertions::{Assertion, AssertionError, Grade, Kind, Output, check, model_grade};
use crate::client::{CallError, ModelClient};
use crate::provider::{ChatMessage, ChatRequest};

/// promptfoo's default for `similar`.
const SIMILAR_THRESHOLD: f64 = 0.75;

/// Why an assertion could not be graded at all (as opposed to failing).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GradingError {
    #[error(transparent)]
    Assertion(#[from] AssertionError),
    #[error("grading with the model failed: {0}")]
    Model(#[from] CallError),
}

/// Grades one assertion: by the engine, or with `model` for the model-graded types.
pub async fn grade_one(
    assertion: &Assertion,
    output: &Output,
    model: &ModelClient,
    sample: u32,
) -> Result<Grade, GradingError> {
    match assertion.kind {
        Kind::Similar => similar(assertion, output, model).await,
        Kind::LlmRubric => rubric(assertion, output, model, sample).await,
        _ => Ok(check(assertion, output)?),
    }
}

async fn similar(
    assertion: &Assertion,
    output: &Output,
    model: &ModelClient,
) -> Result<Grade, GradingError> {
    let expected: Vec<String> = match &assertion.value {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if expected.is_empty() {
        return Err(AssertionError::BadValue {
            kind: "similar".into(),
            what: "a string `value` (or a list of them) to compare with",
        }
        .into());
    }
    let mut inputs = vec![output.text.clone()];
    inputs.extend(expected.iter().cloned());
    let embeddings = model.embed(&inputs).await?;
    let Some((first, rest)) = embeddings.vectors.split_first() else {
        return Err(CallError::Provider {
            error: crate::provider::ProviderError::Malformed("no embeddings returned".into()),
            attempts: 1,
        }
        .into());
    };
    let best = rest
        .iter()
        .map(|v| cosine(first, v))
        .fold(f64::NEG_INFINITY, f64::max);
    let threshold = assertion.threshold.unwrap_or(SIMILAR_THRESHOLD);
    let pass = best >= threshold;
    Ok(model_grade(
        assertion,
        pass,
        best.max(0.0),
        format!(
            "similarity {best:.3} {} the threshold {threshold}",
            if pass { "reaches" } else { "is below" }
        ),
    ))
}

pub(crate) fn cosine(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

const JUDGE: &str = "You are grading the output of a language model against a rubric. \
Read the output and the rubric, then reply with JSON only: \
{\"reason\": \"one sentence\", \"pass\": true or false, \"score\": a number from 0 to 1}.";

async fn rubric(
    assertion: &Assertion,
    output: &Output,
    model: &ModelClient,
    sample: u32,
) -> Result<Grade, GradingError> {
    let Some(rubric) = assertion.value.as_ref().and_then(Value::as_str) else {
        return Err(AssertionError::BadValue {
            kind: "llm-rubric".into(),
            what: "a string `value`: the rubric the output must meet",
        }
        .into());
    };
    let mut request = ChatRequest::new(
        "",
        vec![
            ChatMessage::system(JUDGE),
            ChatMessage::user(format!(
                "<output>\n{}\n</output>\n<rubric>\n{rubric}\n</rubric>",
                output.text
            )),
        ],
    );
    request.temperature = Some(0.0);
    request.max_tokens = 256;
    request.json_schema = Some(json!({
        "type": "object",
        "properties": {
            "reason": {"type": "string"},
            "pass": {"type": "boolean"},
            "score": {"type": "number"}
        },
        "required": ["reason", "pass", "score"]
    }));
    let call = model.chat(request, sample, None).await?;
    let Some(verdict) = json_object_in(&call.completion.text) else {
        return Ok(model_grade(
            assertion,
            false,
            0.0,
            format!(
                "the judge did not answer with JSON: {:?}",
                call.completion.text.chars().take(120).collect::<String>()
            ),
        ));
    };
    let score = verdict["score"]
        .as_f64()
        .unwrap_or(if verdict["pass"] == true { 1.0 } else { 0.0 });
    let pass = match assertion.threshold {
        Some(threshold) => score >= threshold,
        None => verdict["pass"].as_bool().unwrap_or(score >= 0.5),
    };
    let reason = verdict["reason"]
        .as_str()
        .unwrap_or("the judge gave no reason")
        .to_string();
    Ok(model_grade(assertion, pass, score, reason))
}

/// The first JSON object in `text`: judges wrap JSON in prose or code fences.
pub(crate) fn json_object_in(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    let candidate = text.get(start..=end)?;
    serde_json::from_str::<Value>(candidate)
        .ok()
        .filter(Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_parallel_orthogonal_and_degenerate_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-9);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-9);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 1.0]), 0.0);
    }

    #[test]
    fn a_verdict_is_found_inside_prose_and_fences() {
        let text = "Sure.\n```json\n{\"pass\": true, \"score\": 0.9, \"reason\": \"ok\"}\n```";
        assert_eq!(json_object_in(text).unwrap()["score"], 0.9);
        assert_eq!(json_object_in("no json here"), None);
        assert_eq!(json_object_in("[1, 2]"), None);
    }
}
