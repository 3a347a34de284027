//! What the store accepts, checked before anything is recorded, so a refused request leaves
//! no trace. Every store implementation runs the same checks; the doors may run them early
//! (before saving the buffer a rollback replaces, say).

use crate::error::{Result, StoreError};
use crate::model::{EvaluationRecord, MAX_NOTE_BYTES, NewVersion};

/// The largest prompt the registry keeps.
pub const MAX_CONTENT_BYTES: usize = 4 * 1024 * 1024;

pub fn note(field: &str, text: Option<&str>) -> Result<()> {
    match text {
        Some(text) if text.len() > MAX_NOTE_BYTES => Err(StoreError::Invalid(format!(
            "the {field} is {} bytes; at most {MAX_NOTE_BYTES} are kept",
            text.len()
        ))),
        Some(text) if text.contains('\0') => Err(StoreError::Invalid(format!(
            "the {field} contains a NUL character"
        ))),
        _ => Ok(()),
    }
}

pub fn reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(StoreError::Invalid(
            "a reason is required: say why, for the audit trail".into(),
        ));
    }
    note("reason", Some(reason))
}

pub fn new_version(new: &NewVersion) -> Result<()> {
    if new.content.len() > MAX_CONTENT_BYTES {
        return Err(StoreError::Invalid(format!(
            "the prompt is {} bytes; the registry keeps prompts up to {MAX_CONTENT_BYTES}",
            new.content.len()
        )));
    }
    if new.content.contains('\0') {
        return Err(StoreError::Invalid(
            "the prompt contains a NUL character".into(),
        ));
    }
    note("message", new.message.as_deref())?;
    note("strategy", new.strategy.as_deref())?;
    note("template id", new.template_id.as_deref())?;
    score(new.score)
}

fn score(score: Option<f64>) -> Result<()> {
    match score {
        Some(score) if !score.is_finite() || !(0.0..=5.0).contains(&score) => Err(
            StoreError::Invalid(format!("a score is between 0 and 5, not {score}")),
        ),
        _ => Ok(()),
    }
}

pub fn evaluation(evaluation: &EvaluationRecord) -> Result<()> {
    score(Some(evaluation.score))?;
    if evaluation.evaluator.trim().is_empty() || evaluation.evaluator.len() > 256 {
        return Err(StoreError::Invalid(
            "an evaluation names its evaluator (1–256 bytes): `builtin/1` or the model".into(),
        ));
    }
    Ok(())
}
