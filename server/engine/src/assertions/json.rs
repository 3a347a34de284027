//! `is-json` and `contains-json`, each with an optional JSON Schema as the value.

use serde_json::Value;

use super::{Assertion, AssertionError, Checked, Kind, text::preview};

pub(super) fn check(assertion: &Assertion, output: &str) -> Result<Checked, AssertionError> {
    let name = if assertion.kind == Kind::IsJson {
        "is-json"
    } else {
        "contains-json"
    };
    let validator = match &assertion.value {
        None | Some(Value::Null) => None,
        Some(schema @ Value::Object(_)) => Some(jsonschema::validator_for(schema).map_err(
            |e| AssertionError::Invalid {
                kind: name.into(),
                message: format!("the value is not a valid JSON Schema: {e}"),
            },
        )?),
        Some(_) => {
            return Err(AssertionError::BadValue {
                kind: name.into(),
                what: "a JSON Schema object as `value` (or no value)",
            });
        }
    };
    let candidates: Vec<Value> = if assertion.kind == Kind::IsJson {
        serde_json::from_str(output.trim()).into_iter().collect()
    } else {
        embedded(output)
    };
    if candidates.is_empty() {
        return Ok(Checked::binary(
            false,
            format!("no JSON found in \"{}\"", preview(output)),
        ));
    }
    let Some(validator) = validator else {
        return Ok(Checked::binary(true, "output is valid JSON"));
    };
    let mut first_error = None;
    for candidate in &candidates {
        match validator.validate(candidate) {
            Ok(()) => {
                return Ok(Checked::binary(
                    true,
                    "output is JSON that matches the schema",
                ));
            }
            Err(error) => {
                first_error.get_or_insert_with(|| error.to_string());
            }
        }
    }
    Ok(Checked::binary(
        false,
        format!(
            "JSON does not match the schema: {}",
            first_error.unwrap_or_default()
        ),
    ))
}

/// Every JSON object or array that starts somewhere in the text, as promptfoo's
/// `extractJsonObjects` finds them (prose and code fences around them are ignored).
fn embedded(text: &str) -> Vec<Value> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find(['{', '[']) {
        let start = at + offset;
        let mut values = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(value)) => {
                let end = start + values.byte_offset();
                found.push(value);
                at = end.max(start + 1);
            }
            _ => at = start + 1,
        }
    }
    found
}
