//! `promptopt lint` and `promptopt rules`, run as users run them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use support::Scratch;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promptopt"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)))
}

fn workspace(name: &str, files: &[(&str, &[u8])]) -> Scratch {
    let dir = Scratch::new(&format!("lint-{name}"));
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn rules_of(report: &Value, file: &str) -> Vec<String> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().ends_with(file))
        .flat_map(|f| f["findings"].as_array().unwrap().clone())
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_examples_are_clean_and_the_showcase_is_not() {
    let mut examples: Vec<String> = std::fs::read_dir(repo().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "prompt"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    examples.sort();
    let mut args = vec!["lint", "--format", "json"];
    args.extend(examples.iter().map(String::as_str));
    let report = json(&run_in(&repo(), &args));
    assert_eq!(report["summary"]["files"], 5);
    for severity in ["errors", "warnings", "infos"] {
        assert_eq!(report["summary"][severity], 0, "{severity}: {report:#}");
    }
    let showcase = run_in(
        &repo(),
        &["lint", "--format", "json", "examples/lint-showcase"],
    );
    assert_eq!(showcase.status.code(), Some(1));
    let rules = rules_of(&json(&showcase), "support-triage.prompt");
    assert!(rules.len() >= 15, "{rules:?}");
}

#[test]
fn json_output_follows_the_contract() {
    let dir = workspace("json", &[("a.prompt", "Hello\u{200B} {{name\n".as_bytes())]);
    let output = run_in(&dir, &["lint", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["files"], 1);
    let findings = report["files"][0]["findings"].as_array().unwrap();
    let hidden = findings
        .iter()
        .find(|f| f["rule"] == "hidden-unicode")
        .expect("hidden-unicode reported");
    assert_eq!(hidden["severity"], "error");
    assert_eq!(
        hidden["range"]["start"],
        serde_json::json!({"line": 1, "column": 6})
    );
    assert_eq!(
        hidden["range"]["end"],
        serde_json::json!({"line": 1, "column": 7})
    );
    assert_eq!(hidden["fixes"][0]["edits"][0]["newText"], "");
    assert!(report["summary"]["errors"].as_u64().unwrap() >= 2);
}

#[test]
fn text_output_underlines_the_span() {
    let dir = workspace("text", &[("a.prompt", "Hi\n  x\u{200B}y\n".as_bytes())]);
    let text = stdout(&run_in(&dir, &["lint", "a.prompt"]));
    assert!(
        text.contains("error[hidden-unicode]: invisible zero-width space (U+200B)"),
        "{text}"
    );
    assert!(text.contains(" --> a.prompt:2:4"), "{text}");
    assert!(text.contains("2 |   x\u{200B}y\n  |    ^\n"), "{text}");
    assert!(
        text.contains("= fix: Remove invisible characters"),
        "{text}"
    );
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("server/cli/tests/fixtures/sarif-2.1.0.json"))
            .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let dir = workspace(
        "sarif",
        &[
            ("a.prompt", "Hello\u{200B} {{name\n".as_bytes()),
            ("b.prompt", b"\x00binary"),
            ("promptopt.toml", b"[lint]\nbogus = 1\n"),
        ],
    );
    let output = run_in(&dir, &["lint", "--format", "sarif"]);
    let sarif = json(&output);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let run = &sarif["runs"][0];
    assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 3);
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "hidden-unicode")
        .expect("a hidden-unicode result");
    assert_eq!(result["level"], "error");
    assert!(
        result["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]["startLine"]
            == 1
    );
    let notes = run["invocations"][0]["toolConfigurationNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(
        notes.len(),
        2,
        "the binary file and the config problem: {notes:?}"
    );
}

#[test]
fn fix_applies_safe_fixes_and_reports_them() {
    let dir = workspace(
        "fix",
        &[("a.prompt", "Hi\u{200B}\u{200B} there\u{202E}\n".as_bytes())],
    );
    let output = run_in(&dir, &["lint", "--fix", "a.prompt"]);
    let text = stdout(&output);
    assert!(text.contains("fixed: a.prompt [hidden-unicode]"), "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.join("a.prompt")).unwrap(),
        "Hi there\n"
    );
    assert_eq!(output.status.code(), Some(0), "{text}");
}

#[test]
fn unreadable_files_are_reported_and_the_run_goes_on() {
    let big = vec![b'a'; 50 * 1024 * 1024];
    let dir = workspace(
        "unreadable",
        &[
            ("binary.prompt", b"\x00\x01\x02"),
            ("latin1.prompt", b"caf\xe9"),
            ("huge.prompt", &big),
            ("deep.prompt", "{{#if a}}".repeat(20_000).as_bytes()),
            ("ok.prompt", "Hi\u{200B}".as_bytes()),
        ],
    );
    let output = run_in(&dir, &["lint", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2), "unreadable files exit 2");
    let report = json(&output);
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(errors, ["binary.prompt", "huge.prompt", "latin1.prompt"]);
    assert!(rules_of(&report, "ok.prompt").contains(&"hidden-unicode".to_string()));
    assert_eq!(
        report["summary"]["files"], 2,
        "deep.prompt and ok.prompt were linted"
    );
}

#[test]
fn config_levels_overrides_and_unknown_keys() {
    let dir = workspace(
        "config",
        &[
            (
                "promptopt.toml",
                b"[lint]\ntokn-budget = 3\n\n[[lint.overrides]]\nfiles = [\"legacy/**\"]\nrules = { hidden-unicode = \"off\" }\n",
            ),
            ("a.prompt", "x\u{200B}".as_bytes()),
            ("legacy/b.prompt", "x\u{200B}".as_bytes()),
        ],
    );
    let output = run_in(&dir, &["lint", "--format", "json"]);
    let report = json(&output);
    let hidden = "hidden-unicode".to_string();
    assert!(rules_of(&report, "a.prompt").contains(&hidden));
    assert!(!rules_of(&report, "b.prompt").contains(&hidden));
    let config = report["config"].as_array().unwrap();
    assert_eq!(config.len(), 1);
    assert!(
        config[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `token-budget`")
    );
    assert_eq!(config[0]["line"], 2);
}

#[test]
fn folders_respect_gitignore_and_plain_text_needs_include() {
    let dir = workspace(
        "walk",
        &[
            (".gitignore", b"build/\n"),
            ("build/x.prompt", "x\u{200B}".as_bytes()),
            ("notes.md", "x\u{200B}".as_bytes()),
            ("prompts/sys.md", "x\u{200B}".as_bytes()),
            (
                "promptopt.toml",
                b"[lint]\ninclude = [\"prompts/**/*.md\"]\n",
            ),
        ],
    );
    let report = json(&run_in(&dir, &["lint", "--format", "json"]));
    let paths: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["prompts/sys.md"]);
    assert_eq!(report["files"][0]["format"], "plain");
}

#[test]
fn max_warnings_turns_warnings_into_a_failure() {
    let dir = workspace(
        "maxwarn",
        &[
            (
                "promptopt.toml",
                b"[lint.rules]\nhidden-unicode = \"warning\"\n",
            ),
            ("a.prompt", "x\u{200B}".as_bytes()),
        ],
    );
    assert_eq!(run_in(&dir, &["lint"]).status.code(), Some(0));
    assert_eq!(
        run_in(&dir, &["lint", "--max-warnings", "1"]).status.code(),
        Some(0)
    );
    assert_eq!(
        run_in(&dir, &["lint", "--max-warnings", "0"]).status.code(),
        Some(1)
    );
}

#[test]
fn missing_paths_and_configs_are_usage_errors() {
    let dir = workspace("usage", &[]);
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(run_in(&dir, &["lint", "nope"]).status.code(), Some(2));
    assert_eq!(
        run_in(&dir, &["lint", "--config", "nope.toml"])
            .status
            .code(),
        Some(2)
    );
    let broken = workspace("broken-config", &[("promptopt.toml", b"[lint\n")]);
    assert_eq!(run_in(&broken, &["lint"]).status.code(), Some(2));
    let bad_table = workspace(
        "bad-model-table",
        &[
            ("promptopt.toml", b"[lint]\nmodel-table = \"models.toml\"\n"),
            ("models.toml", b"schema = 1\n[[model]]\nid = 5\n"),
        ],
    );
    let output = run_in(&bad_table, &["lint", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let message = json(&output)["config"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("model table") && message.contains("invalid"),
        "{message}"
    );
}

#[test]
fn rules_lists_explains_and_suggests() {
    let listed = json(&run_in(&repo(), &["rules", "--json"]));
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"hidden-unicode"));
    let explained = run_in(&repo(), &["rules", "--explain", "hidden-unicode"]);
    assert!(stdout(&explained).starts_with("# hidden-unicode\n"));
    let typo = run_in(&repo(), &["rules", "--explain", "hiden-unicode"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("did you mean `hidden-unicode`"));
}

#[test]
fn docs_rules_folder_is_up_to_date() {
    let dir = workspace("docs", &[]);
    let output = run_in(&repo(), &["rules", "--write-docs", dir.to_str().unwrap()]);
    assert!(output.status.success());
    let committed = repo().join("docs/rules");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let fresh = std::fs::read_to_string(entry.path()).unwrap();
        let old = std::fs::read_to_string(committed.join(&name)).unwrap_or_default();
        assert!(
            fresh == old,
            "docs/rules/{} is stale: run `cargo run -p promptopt-cli -- rules --write-docs docs/rules`",
            name.to_string_lossy()
        );
    }
}
