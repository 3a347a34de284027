//! `levenshtein` (edit distance at most the threshold, default 5) and `rouge-n` (the share of
//! the expected text's words found in the output, ROUGE-1 recall as promptfoo's js-rouge
//! computes by default; at least the threshold, default 0.75).

use std::collections::HashMap;

use super::{Assertion, AssertionError, Checked, Kind, string_value};

const LEVENSHTEIN_DEFAULT: f64 = 5.0;
const ROUGE_DEFAULT: f64 = 0.75;

pub(super) fn check(assertion: &Assertion, output: &str) -> Result<Checked, AssertionError> {
    Ok(match assertion.kind {
        Kind::Levenshtein => {
            let expected = string_value(assertion, "levenshtein")?;
            let distance = strsim::levenshtein(output, expected);
            let threshold = assertion.threshold.unwrap_or(LEVENSHTEIN_DEFAULT);
            let pass = distance as f64 <= threshold;
            Checked::binary(
                pass,
                format!(
                    "edit distance {distance} {} {threshold}",
                    if pass { "≤" } else { ">" }
                ),
            )
        }
        _ => {
            let expected = string_value(assertion, "rouge-n")?;
            let score = rouge_1(output, expected);
            let threshold = assertion.threshold.unwrap_or(ROUGE_DEFAULT);
            let pass = score >= threshold;
            Checked {
                pass,
                score,
                reason: format!(
                    "ROUGE-1 {score:.2} {} {threshold}",
                    if pass { "≥" } else { "<" }
                ),
            }
        }
    })
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The share of the reference's words (with multiplicity) that the candidate has.
fn rouge_1(candidate: &str, reference: &str) -> f64 {
    let reference = words(reference);
    if reference.is_empty() {
        return 0.0;
    }
    let mut available: HashMap<String, usize> = HashMap::new();
    for word in words(candidate) {
        *available.entry(word).or_default() += 1;
    }
    let matched = reference
        .iter()
        .filter(|word| match available.get_mut(*word) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .count();
    matched as f64 / reference.len() as f64
}
