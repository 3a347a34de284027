use serde_json::json;

use super::*;

fn spec(value: serde_json::Value) -> AssertionSpec {
    serde_json::from_value(value).unwrap()
}

fn passes(assertion: serde_json::Value, output: &str) -> bool {
    let assertion = Assertion::from_spec(&spec(assertion)).unwrap();
    let output = Output {
        text: output.to_string(),
        ..Output::default()
    };
    check(&assertion, &output).unwrap().pass
}

#[test]
fn text_assertions_follow_promptfoo() {
    assert!(passes(json!({"type": "equals", "value": "Paris"}), "Paris"));
    assert!(!passes(
        json!({"type": "equals", "value": "Paris"}),
        "Paris."
    ));
    assert!(passes(
        json!({"type": "equals", "value": {"a": 1}}),
        "{ \"a\": 1 }"
    ));
    assert!(passes(
        json!({"type": "contains", "value": "moon"}),
        "the moon"
    ));
    assert!(!passes(
        json!({"type": "contains", "value": "Moon"}),
        "the moon"
    ));
    assert!(passes(
        json!({"type": "icontains", "value": "Moon"}),
        "the moon"
    ));
    assert!(passes(
        json!({"type": "contains-any", "value": ["x", "moon"]}),
        "the moon"
    ));
    assert!(passes(
        json!({"type": "contains-all", "value": "the, moon"}),
        "the moon"
    ));
    assert!(!passes(
        json!({"type": "contains-all", "value": ["moon", "sun"]}),
        "the moon"
    ));
    assert!(passes(
        json!({"type": "icontains-all", "value": ["MOON", "The"]}),
        "the moon"
    ));
    assert!(passes(
        json!({"type": "regex", "value": "^\\d{3}-\\d{4}$"}),
        "555-1234"
    ));
    assert!(passes(
        json!({"type": "starts-with", "value": "Yes"}),
        "Yes, indeed"
    ));
    assert!(passes(
        json!({"type": "not-contains", "value": "sorry"}),
        "Sure!"
    ));
    assert!(!passes(
        json!({"type": "not-icontains", "value": "SORRY"}),
        "sorry, no"
    ));
}

#[test]
fn json_assertions_parse_extract_and_validate() {
    let schema = json!({"type": "object", "required": ["category"], "properties": {"category": {"enum": ["billing", "other"]}}});
    assert!(passes(
        json!({"type": "is-json"}),
        " {\"category\": \"billing\"} "
    ));
    assert!(!passes(
        json!({"type": "is-json"}),
        "Here: {\"category\": \"billing\"}"
    ));
    assert!(passes(
        json!({"type": "contains-json"}),
        "Here:\n```json\n{\"category\": \"billing\"}\n```"
    ));
    assert!(passes(
        json!({"type": "is-json", "value": schema}),
        "{\"category\": \"other\"}"
    ));
    assert!(!passes(
        json!({"type": "is-json", "value": schema}),
        "{\"category\": \"refund\"}"
    ));
    assert!(passes(
        json!({"type": "contains-json", "value": schema}),
        "First {\"x\": 1} then {\"category\": \"billing\"}"
    ));
    assert!(!passes(
        json!({"type": "contains-json"}),
        "no braces at all"
    ));
}

#[test]
fn similarity_assertions_use_their_default_thresholds() {
    assert!(passes(
        json!({"type": "levenshtein", "value": "kitten"}),
        "sitting"
    ));
    assert!(!passes(
        json!({"type": "levenshtein", "value": "kitten", "threshold": 2}),
        "sitting"
    ));
    assert!(passes(
        json!({"type": "rouge-n", "value": "the cat sat on the mat"}),
        "The cat sat on a mat, the end"
    ));
    assert!(!passes(
        json!({"type": "rouge-n", "value": "the cat sat on the mat"}),
        "a dog ran"
    ));
}

#[test]
fn cost_and_latency_compare_with_the_threshold() {
    let output = Output {
        text: String::new(),
        cost_usd: Some(0.002),
        latency_ms: Some(900),
    };
    let cost = Assertion::from_spec(&spec(json!({"type": "cost", "threshold": 0.001}))).unwrap();
    assert!(!check(&cost, &output).unwrap().pass);
    let latency =
        Assertion::from_spec(&spec(json!({"type": "latency", "threshold": 1000}))).unwrap();
    assert!(check(&latency, &output).unwrap().pass);
    let no_threshold = Assertion::from_spec(&spec(json!({"type": "cost"}))).unwrap();
    assert!(matches!(
        check(&no_threshold, &output),
        Err(AssertionError::BadValue { .. })
    ));
}

#[test]
fn cases_pass_when_all_pass_and_score_by_weight() {
    let a = Assertion::from_spec(&spec(
        json!({"type": "contains", "value": "moon", "weight": 3}),
    ))
    .unwrap();
    let b = Assertion::from_spec(&spec(json!({"type": "contains", "value": "sun"}))).unwrap();
    let output = Output {
        text: "the moon".into(),
        ..Output::default()
    };
    let graded = grade(&[a.clone(), b.clone()], &output, None).unwrap();
    assert!(!graded.pass);
    assert_eq!(graded.score, 0.75);
    assert!(
        grade(&[a, b], &output, Some(0.7)).unwrap().pass,
        "a case threshold of 0.7 is met"
    );
    assert!(grade(&[], &output, None).unwrap().pass);
    let plain = Assertion::equals(json!("the moon"));
    assert!(
        grade(&[plain], &output, None).unwrap().pass,
        "plain expected means equals"
    );
}

#[test]
fn bad_specs_say_what_to_write() {
    let unknown =
        Assertion::from_spec(&spec(json!({"type": "contain", "value": "x"}))).unwrap_err();
    assert!(
        unknown.to_string().contains("use one of equals, contains"),
        "{unknown}"
    );
    let model =
        Assertion::from_spec(&spec(json!({"type": "llm-rubric", "value": "polite"}))).unwrap();
    assert!(model.kind.needs_model());
    let error = check(&model, &Output::default()).unwrap_err();
    assert!(error.to_string().contains("--provider"), "{error}");
    let regex = Assertion::from_spec(&spec(json!({"type": "regex", "value": "("}))).unwrap();
    let error = check(&regex, &Output::default()).unwrap_err();
    assert!(
        error.to_string().contains("not a valid regular expression"),
        "{error}"
    );
    assert!(
        serde_json::from_value::<AssertionSpec>(json!({"type": "equals", "valeu": 1})).is_err()
    );
}
