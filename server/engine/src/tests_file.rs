//! Test cases in promptfoo's shape: a `NAME.tests.yaml` beside the prompt, or the `tests` and
//! `defaultTest` of a `promptfooconfig.yaml`.
//!
//! ```yaml
//! defaultTest:
//!   assert: [{type: not-icontains, value: "as an AI"}]
//! tests:
//!   - description: refund request
//!     vars: {ticket: "I want my money back"}
//!     assert:
//!       - {type: contains-json}
//!       - {type: icontains, value: billing, weight: 2}
//!   - vars: {ticket: "Where is my parcel?"}
//!     expected: '{"category": "shipping"}'
//! ```

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::assertions::{Assertion, AssertionError, AssertionSpec};

/// A test file as written. Keys promptfoo has that do not concern test cases (`prompts`,
/// `providers`, `description`, …) are accepted and left to the caller.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TestFile {
    #[serde(default)]
    pub tests: Vec<CaseSpec>,
    #[serde(default, rename = "defaultTest")]
    pub default_test: Option<CaseSpec>,
}

/// One case as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    #[serde(default)]
    pub description: Option<String>,
    /// `input` is the Mesh API's name for the same thing (`testCases: [{input, expected}]`).
    #[serde(default, alias = "input")]
    pub vars: Map<String, Value>,
    /// A plain expected output: an `equals` assertion.
    #[serde(default)]
    pub expected: Option<Value>,
    #[serde(default)]
    pub assert: Vec<AssertionSpec>,
    /// The case passes when its weighted score reaches this, instead of every assertion
    /// passing.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// promptfoo's per-case options (transforms, providers); not read yet, accepted so
    /// promptfoo files load.
    #[serde(default)]
    pub options: Option<Value>,
}

/// A case ready to run: the default test's vars and assertions merged in.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// The description, else "case N" (1-based).
    pub name: String,
    pub vars: Map<String, Value>,
    pub assertions: Vec<Assertion>,
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TestFileError {
    #[error("the test file is not valid YAML in promptfoo's test shape: {0}")]
    Syntax(String),
    #[error("{case}, assertion {index}: {error}")]
    Assertion {
        case: String,
        index: usize,
        error: AssertionError,
    },
}

impl TestFile {
    pub fn parse(text: &str) -> Result<TestFile, TestFileError> {
        yaml_serde::from_str(text).map_err(|e| TestFileError::Syntax(e.to_string()))
    }

    /// The cases with `defaultTest` applied: its vars under the case's own, its assertions
    /// before the case's.
    pub fn cases(&self) -> Result<Vec<TestCase>, TestFileError> {
        let default = self.default_test.clone().unwrap_or_default();
        self.tests
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let name = spec
                    .description
                    .clone()
                    .unwrap_or_else(|| format!("case {}", i + 1));
                let mut vars = default.vars.clone();
                vars.extend(spec.vars.clone());
                let specs = default.assert.iter().chain(&spec.assert);
                let mut assertions = specs
                    .enumerate()
                    .map(|(index, assertion)| {
                        Assertion::from_spec(assertion).map_err(|error| TestFileError::Assertion {
                            case: name.clone(),
                            index: index + 1,
                            error,
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(expected) = spec.expected.clone().or(default.expected.clone()) {
                    assertions.push(Assertion::equals(expected));
                }
                Ok(TestCase {
                    name,
                    vars,
                    assertions,
                    threshold: spec.threshold.or(default.threshold),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assertions::Kind;

    const FILE: &str = r#"
description: triage tests
prompts: [triage.prompt]
defaultTest:
  vars: {company: Acme}
  assert:
    - type: not-icontains
      value: as an AI
tests:
  - description: refund request
    vars: {ticket: "I want my money back"}
    assert:
      - {type: contains-json}
      - {type: icontains, value: billing, weight: 2}
  - vars: {ticket: "Where is my parcel?", company: Globex}
    expected: '{"category": "shipping"}'
    threshold: 0.5
"#;

    #[test]
    fn cases_merge_the_default_test() {
        let cases = TestFile::parse(FILE).unwrap().cases().unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0].name, "refund request");
        assert_eq!(cases[0].vars["company"], "Acme");
        let kinds: Vec<(Kind, bool)> = cases[0]
            .assertions
            .iter()
            .map(|a| (a.kind, a.negated))
            .collect();
        assert_eq!(
            kinds,
            [
                (Kind::IContains, true),
                (Kind::ContainsJson, false),
                (Kind::IContains, false)
            ]
        );
        assert_eq!(cases[0].assertions[2].weight, 2.0);
        assert_eq!(cases[1].name, "case 2");
        assert_eq!(cases[1].vars["company"], "Globex", "the case's vars win");
        assert_eq!(
            cases[1].assertions.last().map(|a| a.kind),
            Some(Kind::Equals)
        );
        assert_eq!(cases[1].threshold, Some(0.5));
    }

    #[test]
    fn mistakes_name_the_case_and_the_assertion() {
        let error = TestFile::parse(
            "tests:\n  - vars: {}\n    assert:\n      - {type: contians, value: x}\n",
        )
        .unwrap()
        .cases()
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("case 1, assertion 1: unknown assertion type `contians`"),
            "{message}"
        );
        let error = TestFile::parse("tests:\n  - vars: {}\n    asert: []\n").unwrap_err();
        assert!(
            error.to_string().contains("unknown field `asert`"),
            "{error}"
        );
        assert!(TestFile::parse("tests: [").is_err());
    }
}
