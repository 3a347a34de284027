//! Text checks: `equals`, the `contains` family, `regex`, `starts-with`.

use regex::Regex;
use serde_json::Value;

use super::{Assertion, AssertionError, Checked, Kind, string_value};

pub(super) fn check(assertion: &Assertion, output: &str) -> Result<Checked, AssertionError> {
    Ok(match assertion.kind {
        Kind::Equals => equals(assertion, output)?,
        Kind::Contains | Kind::IContains => {
            let needle = string_value(assertion, "contains")?;
            let found = matches(output, needle, assertion.kind == Kind::IContains);
            Checked::binary(found, presence("contain", needle, found))
        }
        Kind::ContainsAny | Kind::IContainsAny | Kind::ContainsAll | Kind::IContainsAll => {
            list(assertion, output)?
        }
        Kind::Regex => {
            let pattern = string_value(assertion, "regex")?;
            let regex = Regex::new(pattern).map_err(|e| AssertionError::Invalid {
                kind: "regex".into(),
                message: format!("`{pattern}` is not a valid regular expression: {e}"),
            })?;
            let found = regex.is_match(output);
            Checked::binary(found, presence("match", pattern, found))
        }
        Kind::StartsWith => {
            let prefix = string_value(assertion, "starts-with")?;
            let found = output.starts_with(prefix);
            Checked::binary(found, presence("start with", prefix, found))
        }
        _ => Checked::binary(false, "not a text assertion"),
    })
}

fn presence(verb: &str, what: &str, found: bool) -> String {
    if found {
        format!("output does {verb} \"{what}\"")
    } else {
        format!("output does not {verb} \"{what}\"")
    }
}

fn matches(output: &str, needle: &str, ignore_case: bool) -> bool {
    if ignore_case {
        output.to_lowercase().contains(&needle.to_lowercase())
    } else {
        output.contains(needle)
    }
}

/// A string compares as text; an object or array compares with the output parsed as JSON.
fn equals(assertion: &Assertion, output: &str) -> Result<Checked, AssertionError> {
    let Some(expected) = &assertion.value else {
        return Err(AssertionError::BadValue {
            kind: "equals".into(),
            what: "a `value`",
        });
    };
    Ok(match expected {
        Value::String(text) => {
            let same = output == text;
            Checked::binary(
                same,
                if same {
                    "output equals the expected text".to_string()
                } else {
                    format!("expected \"{text}\", got \"{}\"", preview(output))
                },
            )
        }
        Value::Object(_) | Value::Array(_) => {
            let parsed: Option<Value> = serde_json::from_str(output).ok();
            let same = parsed.as_ref() == Some(expected);
            Checked::binary(
                same,
                if same {
                    "output is the expected JSON".to_string()
                } else {
                    format!("expected JSON {expected}, got \"{}\"", preview(output))
                },
            )
        }
        // Numbers and booleans compare with their text, as promptfoo's template rendering does.
        other => {
            let text = other.to_string();
            let same = output == text;
            Checked::binary(
                same,
                format!("expected \"{text}\", got \"{}\"", preview(output)),
            )
        }
    })
}

fn list(assertion: &Assertion, output: &str) -> Result<Checked, AssertionError> {
    let name = match assertion.kind {
        Kind::ContainsAny => "contains-any",
        Kind::IContainsAny => "icontains-any",
        Kind::ContainsAll => "contains-all",
        _ => "icontains-all",
    };
    let values: Vec<String> = match &assertion.value {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect(),
        // promptfoo also takes one comma-separated string.
        Some(Value::String(text)) => text.split(',').map(|s| s.trim().to_string()).collect(),
        _ => {
            return Err(AssertionError::BadValue {
                kind: name.into(),
                what: "a list of strings as `value`",
            });
        }
    };
    let ignore_case = matches!(assertion.kind, Kind::IContainsAny | Kind::IContainsAll);
    let found: Vec<&String> = values
        .iter()
        .filter(|v| matches(output, v, ignore_case))
        .collect();
    let any = matches!(assertion.kind, Kind::ContainsAny | Kind::IContainsAny);
    Ok(if any {
        Checked::binary(
            !found.is_empty(),
            match found.first() {
                Some(first) => format!("output contains \"{first}\""),
                None => format!("output contains none of {values:?}"),
            },
        )
    } else {
        let missing: Vec<&String> = values.iter().filter(|v| !found.contains(v)).collect();
        Checked::binary(
            missing.is_empty(),
            if missing.is_empty() {
                "output contains all of them".to_string()
            } else {
                format!("output is missing {missing:?}")
            },
        )
    })
}

/// The start of a long output, for messages.
pub(super) fn preview(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}
