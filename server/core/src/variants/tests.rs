//! Unit tests of the helpers; the strategies end to end are in `tests/variants.rs`.

use super::read::unmustache;
use super::*;

#[test]
fn no_mustache_survives() {
    assert_eq!(unmustache("{{{{x}}"), "{ { { {x} }");
    assert_eq!(unmustache("a {b} c"), "a {b} c");
}

#[test]
fn sample_values_follow_the_schema() {
    let schema = serde_json::json!({
        "type": "object",
        "properties": {
            "s": {"type": "string"},
            "n": {"type": ["integer", "null"]},
            "e": {"enum": ["low", "high"]},
            "a": {"type": "array", "items": {"type": "boolean"}}
        }
    });
    assert_eq!(
        sample_value(&schema),
        serde_json::json!({"s": "x", "n": 1, "e": "low", "a": [true]})
    );
}

#[test]
fn feedback_needs_whole_words() {
    assert_eq!(
        strategies_for_feedback("information"),
        Vec::<Strategy>::new()
    );
    assert_eq!(
        strategies_for_feedback("formatting is off"),
        vec![Strategy::OutputFormat]
    );
}
