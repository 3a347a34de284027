//! `promptopt eval`, `generate`, `refine` and `key` with the built-in engine, run as users run
//! them: exit codes, the JSON contract, the messages for mistakes. (The model path runs in
//! tests/model against a real model.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const TRIAGE: &str = "---\nname: triage\ninput:\n  schema:\n    ticket: string\n---\n{{role \"system\"}}\nYou sort support tickets into billing, shipping or other.\n{{role \"user\"}}\n<ticket>{{ticket}}</ticket>\n";

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_promptopt"))
        .args(args)
        .current_dir(dir)
        // No provider from the environment: these tests are about the built-in engine.
        .env_remove("OPENAI_BASE_URL")
        .output()
        .expect("the binary runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("triage.prompt"), TRIAGE).unwrap();
    std::fs::write(
        dir.path().join("triage.tests.yaml"),
        "tests:\n  - vars: {ticket: refund}\n    assert: [{type: icontains, value: billing}]\n",
    )
    .unwrap();
    dir
}

#[test]
fn eval_offline_scores_the_prompt_and_renders_its_cases() {
    let dir = project();
    let output = run_in(dir.path(), &["eval", "triage.prompt", "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let result = json(&output);
    assert_eq!(result["promptId"], "triage");
    assert_eq!(result["modelVersion"], "builtin/1");
    assert_eq!(result["cases"][0]["status"], "skipped");
    assert_eq!(result["cases"][0]["pass"], false);
    let table = run_in(dir.path(), &["eval", "triage.prompt"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("triage (triage.prompt) — builtin/1"),
        "{text}"
    );
    assert!(text.contains("skip"), "{text}");
    // A gate on the score.
    let gated = run_in(dir.path(), &["eval", "triage.prompt", "--min-score", "5.1"]);
    assert_eq!(gated.status.code(), Some(1));
}

#[test]
fn mistakes_are_usage_errors_that_say_what_to_do() {
    let dir = project();
    let cases: [(&[&str], &str); 5] = [
        (
            &["eval", "triage.prompt", "--repeat", "0"],
            "--repeat must be between 1 and 100",
        ),
        (
            &["eval", "triage.prompt", "--tests", "nope.yaml"],
            "check the --tests path",
        ),
        (
            &["eval", "triage.prompt", "--provider", "gemini"],
            "use one of openai, azure, anthropic",
        ),
        (&["generate", "--count", "3"], "give a --task"),
        (
            &["generate", "--task", "x", "--template", "xml"],
            "unknown --template `xml`",
        ),
    ];
    for (args, expected) in cases {
        let output = run_in(dir.path(), args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    std::fs::write(
        dir.path().join("bad.tests.yaml"),
        "tests:\n  - vars: {}\n    assert: [{type: contians}]\n",
    )
    .unwrap();
    let output = run_in(
        dir.path(),
        &["eval", "triage.prompt", "--tests", "bad.tests.yaml"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown assertion type `contians`"),
        "{stderr}"
    );
}

#[test]
fn generate_writes_candidates_that_lint_clean() {
    let dir = project();
    let output = run_in(
        dir.path(),
        &[
            "generate",
            "--task",
            "Sort support tickets by topic",
            "--count",
            "5",
            "--out",
            "out",
            "--json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let list = json(&output);
    assert_eq!(list["candidates"].as_array().unwrap().len(), 5);
    assert_eq!(list["modelVersion"], "builtin/1");
    let lint = run_in(dir.path(), &["lint", "out"]);
    assert_eq!(
        lint.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("out")).unwrap().count(),
        5
    );
}

#[test]
fn refine_prints_a_diff_and_writes_only_when_asked() {
    let dir = project();
    let output = run_in(
        dir.path(),
        &["refine", "triage.prompt", "--feedback", "Give an example."],
    );
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("--- a/triage.prompt\n+++ b/triage.prompt\n"),
        "{text}"
    );
    assert!(text.contains("before  after"), "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("triage.prompt")).unwrap(),
        TRIAGE
    );
    let written = run_in(
        dir.path(),
        &[
            "refine",
            "triage.prompt",
            "--feedback",
            "Give an example.",
            "--write",
        ],
    );
    assert_eq!(written.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(dir.path().join("triage.prompt"))
            .unwrap()
            .contains("<example>")
    );
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    let dir = project();
    let mut child = Command::new(env!("CARGO_BIN_EXE_promptopt"))
        .args([
            "generate",
            "--task",
            "Sort support tickets by topic",
            "--count",
            "10",
            "--json",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // like `| head -0`
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0));
}
