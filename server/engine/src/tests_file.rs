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

/// A test file as written. Keys promptfoo has that do not concern test cases or providers
/// (`prompts`, `description`, `outputPath`, …) are accepted and ignored.
#[derive(Debug, Clone, Default)]
pub struct TestFile {
    pub tests: Vec<CaseSpec>,
    pub default_test: Option<CaseSpec>,
    /// promptfoo provider ids (`openai:gpt-4o-mini`, `ollama:chat:llama3.1`), in order.
    pub providers: Vec<String>,
}

/// The file before `tests` is read: it may hold cases, or name files that hold them.
#[derive(Debug, Deserialize)]
struct Raw {
    #[serde(default)]
    tests: Option<yaml_serde::Value>,
    #[serde(default, rename = "defaultTest")]
    default_test: Option<CaseSpec>,
    #[serde(default)]
    providers: Option<yaml_serde::Value>,
}

/// A promptfoo provider id as this engine's provider, model and base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedProvider {
    pub provider: &'static str,
    pub model: String,
    pub base_url: Option<String>,
}

/// Maps the promptfoo provider ids that have an equivalent here: `openai:[chat:]MODEL`,
/// `azureopenai:chat:DEPLOYMENT` (and `azure:`), `anthropic:messages:MODEL` (and
/// `anthropic:MODEL`), `ollama:[chat:]MODEL` (Ollama's OpenAI-compatible endpoint on this
/// machine). Others (`file://`, `exec:`, `python:`, `http`) have none.
pub fn map_promptfoo_provider(id: &str) -> Option<MappedProvider> {
    let (vendor, rest) = id.split_once(':')?;
    let strip = |rest: &str, kinds: &[&str]| -> String {
        kinds
            .iter()
            .find_map(|kind| rest.strip_prefix(kind).and_then(|r| r.strip_prefix(':')))
            .unwrap_or(rest)
            .to_string()
    };
    let (provider, model, base_url) = match vendor {
        "openai" => ("openai", strip(rest, &["chat"]), None),
        "azureopenai" | "azure" => ("azure", strip(rest, &["chat"]), None),
        "anthropic" => ("anthropic", strip(rest, &["messages"]), None),
        "ollama" => (
            "openai",
            strip(rest, &["chat"]),
            Some("http://127.0.0.1:11434/v1".to_string()),
        ),
        _ => return None,
    };
    (!model.is_empty()).then_some(MappedProvider {
        provider,
        model,
        base_url,
    })
}

/// `providers:` as promptfoo writes it: one id, a list of ids, or objects with an `id`.
fn provider_ids(value: Option<yaml_serde::Value>) -> Vec<String> {
    use yaml_serde::Value as Yaml;
    let items = match value {
        Some(Yaml::Sequence(items)) => items,
        Some(one) => vec![one],
        None => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Yaml::String(id) => Some(id),
            Yaml::Mapping(map) => map.get("id").and_then(Yaml::as_str).map(str::to_string),
            _ => None,
        })
        .collect()
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
    #[error("tests: {0}")]
    Reference(String),
    #[error("{case}, assertion {index}: {error}")]
    Assertion {
        case: String,
        index: usize,
        error: AssertionError,
    },
}

impl TestFile {
    /// Reads a file whose `tests` are written inline.
    pub fn parse(text: &str) -> Result<TestFile, TestFileError> {
        Self::load(text, &|reference: &str| {
            Err(format!(
                "`{reference}` names a file; load the test file with a reader for references"
            ))
        })
    }

    /// Reads a test file or a `promptfooconfig.yaml`, whose `tests` may also name files
    /// (`tests: file://cases.yaml`, or such strings in the list); `read` fetches one.
    pub fn load(
        text: &str,
        read: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<TestFile, TestFileError> {
        let raw: Raw =
            yaml_serde::from_str(text).map_err(|e| TestFileError::Syntax(e.to_string()))?;
        let mut tests = Vec::new();
        if let Some(value) = raw.tests {
            collect(value, read, &mut tests, 0)?;
        }
        Ok(TestFile {
            tests,
            default_test: raw.default_test,
            providers: provider_ids(raw.providers),
        })
    }

    /// The first of the file's promptfoo providers that maps to one here, as command-line
    /// overrides (with its promptfoo id, to say which answered): what answers when neither
    /// the command line nor `promptopt.toml` names a provider.
    pub fn fallback_provider(&self) -> Option<(String, crate::provider::Overrides)> {
        self.providers.iter().find_map(|id| {
            let mapped = map_promptfoo_provider(id)?;
            Some((
                id.clone(),
                crate::provider::Overrides {
                    provider: Some(mapped.provider.to_string()),
                    model: Some(mapped.model),
                    base_url: mapped.base_url,
                },
            ))
        })
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

/// Referenced files may name further files; this stops a cycle.
const MAX_REFERENCE_DEPTH: usize = 4;

fn collect(
    value: yaml_serde::Value,
    read: &dyn Fn(&str) -> Result<String, String>,
    into: &mut Vec<CaseSpec>,
    depth: usize,
) -> Result<(), TestFileError> {
    use yaml_serde::Value as Yaml;
    match value {
        Yaml::Null => Ok(()),
        Yaml::String(reference) => {
            if depth >= MAX_REFERENCE_DEPTH {
                return Err(TestFileError::Reference(format!(
                    "`{reference}`: test files nest deeper than {MAX_REFERENCE_DEPTH} references"
                )));
            }
            if reference.ends_with(".csv") {
                return Err(TestFileError::Reference(format!(
                    "`{reference}`: CSV test files are not read yet; write the cases as YAML"
                )));
            }
            let text = read(&reference).map_err(TestFileError::Reference)?;
            let nested: Yaml = yaml_serde::from_str(&text)
                .map_err(|e| TestFileError::Syntax(format!("{reference}: {e}")))?;
            // A referenced file is a list of cases, or a file with its own `tests`.
            let nested = match nested {
                Yaml::Mapping(mut map) => map.remove("tests").unwrap_or(Yaml::Null),
                other => other,
            };
            collect(nested, read, into, depth + 1)
        }
        Yaml::Sequence(items) => {
            for item in items {
                match item {
                    Yaml::String(_) => collect(item, read, into, depth)?,
                    case => into.push(
                        yaml_serde::from_value(case)
                            .map_err(|e| TestFileError::Syntax(e.to_string()))?,
                    ),
                }
            }
            Ok(())
        }
        _ => Err(TestFileError::Syntax(
            "`tests` must be a list of cases or the name of a file of them".into(),
        )),
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
    fn a_promptfoo_config_may_name_files_of_cases() {
        let config = "prompts: [file://triage.prompt]\nproviders: [openai:gpt-4o-mini]\ntests:\n  - file://more.yaml\n  - vars: {ticket: inline}\n";
        let read = |reference: &str| match reference {
            "file://more.yaml" => Ok(
                "- vars: {ticket: from-file}\n  assert: [{type: contains, value: x}]\n".to_string(),
            ),
            other => Err(format!("no {other}")),
        };
        let cases = TestFile::load(config, &read).unwrap().cases().unwrap();
        let tickets: Vec<&str> = cases
            .iter()
            .map(|c| c.vars["ticket"].as_str().unwrap())
            .collect();
        assert_eq!(tickets, ["from-file", "inline"]);
        let single = TestFile::load("tests: file://more.yaml\n", &read).unwrap();
        assert_eq!(single.tests.len(), 1);
        let missing = TestFile::load("tests: file://gone.yaml\n", &read).unwrap_err();
        assert_eq!(missing.to_string(), "tests: no file://gone.yaml");
        assert!(TestFile::parse("tests: file://more.yaml\n").is_err());
        let looping = |_: &str| Ok("tests: file://self.yaml\n".to_string());
        assert!(
            TestFile::load("tests: file://self.yaml\n", &looping)
                .unwrap_err()
                .to_string()
                .contains("nest deeper")
        );
    }

    proptest::proptest! {
        /// Any text is a test file or an error that says why; never a panic.
        #[test]
        fn any_text_loads_or_fails_cleanly(text in "(tests|defaultTest|vars|assert|type|value|- |: |\\{|\\}|\\[|\\]|\n|  |file://x|[a-z0-9 \"'])*") {
            let read = |_: &str| Ok::<_, String>(text.clone());
            if let Ok(file) = TestFile::load(&text, &read) {
                let _ = file.cases();
            }
        }
    }

    #[test]
    fn promptfoo_providers_map_where_there_is_an_equivalent() {
        let file = TestFile::parse("providers:\n  - openai:chat:gpt-4o-mini\n  - id: ollama:llama3.1\n    config: {temperature: 0}\n  - file://custom.py\n").unwrap();
        assert_eq!(
            file.providers,
            [
                "openai:chat:gpt-4o-mini",
                "ollama:llama3.1",
                "file://custom.py"
            ]
        );
        let mapped: Vec<Option<MappedProvider>> = file
            .providers
            .iter()
            .map(|p| map_promptfoo_provider(p))
            .collect();
        assert_eq!(
            mapped[0],
            Some(MappedProvider {
                provider: "openai",
                model: "gpt-4o-mini".into(),
                base_url: None
            })
        );
        assert_eq!(
            mapped[1].as_ref().unwrap().base_url.as_deref(),
            Some("http://127.0.0.1:11434/v1")
        );
        assert_eq!(mapped[2], None);
        assert_eq!(
            map_promptfoo_provider("anthropic:messages:claude-sonnet-4-5")
                .unwrap()
                .model,
            "claude-sonnet-4-5"
        );
        assert_eq!(map_promptfoo_provider("openai:"), None);
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
