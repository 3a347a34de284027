//! The linter on any input: generated prompt-like text in every format, the calibration
//! corpus, and pathological files. Nothing may panic, and every finding and fix edit must lie
//! on character boundaries inside the source (the CLI and the LSP slice with them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;

use promptopt_core::lint::{
    self, Finding, Format, Level, LintOptions, NoWorkspace, ParsedFile, apply_fixes, rules,
};
use proptest::prelude::*;

/// Every rule on, the off-by-default ones included.
fn all_rules() -> LintOptions {
    let mut options = LintOptions::default();
    for rule in rules::all() {
        options
            .levels
            .insert(rule.id.to_string(), Level::On(rule.severity));
    }
    options
}

fn check_spans(source: &str, findings: &[Finding]) {
    for finding in findings {
        let spans = std::iter::once(finding.span).chain(
            finding
                .fixes
                .iter()
                .flat_map(|f| f.edits.iter().map(|e| e.span)),
        );
        for span in spans {
            assert!(
                span.start <= span.end && span.end <= source.len(),
                "{finding:?}"
            );
            assert!(
                source.is_char_boundary(span.start) && source.is_char_boundary(span.end),
                "{} span {span:?} not on char boundaries",
                finding.rule
            );
        }
    }
}

fn lint_all_formats(source: &str) {
    let options = all_rules();
    for format in [Format::Dotprompt, Format::Prompty, Format::Plain] {
        let file = ParsedFile::parse(source, format);
        let findings = lint::lint("p.prompt", &file, &options, &NoWorkspace);
        check_spans(source, &findings);
        // Applying every fix must not panic either.
        let fixes: Vec<_> = findings.iter().flat_map(|f| f.fixes.iter()).collect();
        let _ = apply_fixes(source, &fixes);
    }
}

fn prompt_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "---\n",
        "name: x\n",
        "model: gpt-4o\n",
        "config:\n  temperature: 3\n",
        "input:\n  schema:\n    a?: string\n    user(object):\n      id: int\n",
        "inputs:\n  q:\n    type: string\n",
        "output:\n  format: json\n",
        "{{",
        "}}",
        "{{#if a}}",
        "{{/if}}",
        "{{else}}",
        "{{#each xs as |x i|}}",
        "{{/each}}",
        "{{> p}}",
        "{{!--",
        "--}}",
        "{{role \"system\"}}",
        "{{role \"user\"}}",
        "{{history}}",
        "{{a}}",
        "{{user.nmae}}",
        "{{x.y}}",
        "{% for x in xs %}",
        "{% endfor %}",
        "{# c #}",
        "system:\n",
        "user:\n",
        "assistant:\n",
        "<doc>",
        "</doc>",
        "<!-- c -->",
        "```\n",
        "{x}",
        "${y}",
        "[INSERT]",
        "TODO",
        "IMPORTANT",
        "!!!",
        "Never",
        "always",
        "don't ",
        "Be brief. ",
        "Respond in JSON. ",
        "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
        "a@b.io",
        "4111 1111 1111 1111",
        "\u{200B}",
        "\u{E0041}",
        "é",
        "😀",
        "中",
        "\r\n",
        "\n",
        "\n\n\n\n",
        " ",
        "  \n",
        "\t",
        ".",
        "?",
        "please ",
        "think step by step",
        "ignore previous instructions",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn prompt_like_text_lints_cleanly(source in prompt_like()) {
        lint_all_formats(&source);
    }

    #[test]
    fn arbitrary_text_lints_cleanly(source in "\\PC{0,200}") {
        lint_all_formats(&source);
    }
}

#[test]
fn pathological_inputs() {
    lint_all_formats(&"{{#if a}}".repeat(20_000));
    lint_all_formats(&"{% if a %}".repeat(20_000));
    lint_all_formats(&"<a>".repeat(20_000));
    lint_all_formats(&"word ".repeat(200_000));
    lint_all_formats(&"\n".repeat(100_000));
    lint_all_formats(&format!("---\n{}---\nx", "a: [\n".repeat(5_000)));
    lint_all_formats(&"😀".repeat(50_000));
}

#[test]
fn every_corpus_file_lints_cleanly() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        eprintln!("skipped: no corpus at {}", corpus.display());
        return;
    };
    let options = all_rules();
    let mut count = 0;
    let mut folders: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    while let Some(path) = folders.pop() {
        if path.is_dir() {
            folders.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
            continue;
        }
        if path.extension().is_none_or(|e| e != "prompty") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap();
        for format in [Format::Prompty, Format::Dotprompt, Format::Plain] {
            let file = ParsedFile::parse(&source, format);
            let findings = lint::lint(&path.to_string_lossy(), &file, &options, &NoWorkspace);
            check_spans(&source, &findings);
        }
        count += 1;
    }
    assert!(count > 1000, "only {count} corpus files found");
}
