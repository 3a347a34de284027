//! The built-in variant strategies end to end: on every corpus prompt and on seeds, every
//! variant lints without new errors and renders; same input, same output; applying a strategy
//! to its own result changes nothing; nothing panics; and each strategy's output on one small
//! prompt is pinned by a snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use promptopt_core::document::Document;
use promptopt_core::lint::{self, Format, LintOptions, NoWorkspace, Severity, rules};
use promptopt_core::prompty::PromptyDocument;
use promptopt_core::variants::{
    self, Strategy, Variant, apply, seed, strategies_for_feedback, strategy_for_rule,
};
use proptest::prelude::*;

// ---- helpers ------------------------------------------------------------------------------

/// Error-severity findings by rule.
fn errors(source: &str) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    let findings = lint::lint_source(
        "p.prompt",
        source,
        Format::Dotprompt,
        &LintOptions::default(),
        &NoWorkspace,
    );
    for finding in findings {
        if finding.severity == Severity::Error {
            *counts.entry(finding.rule).or_insert(0) += 1;
        }
    }
    counts
}

/// Renders with data built from the input schema (strings "x", numbers 1, …).
fn render_result(source: &str) -> Result<serde_json::Value, String> {
    variants::render_sample(source).map_err(|e| e.to_string())
}

/// The checks every variant must pass, given the prompt it came from.
#[track_caller]
fn check_variant(input: &str, variant: &Variant, label: &str) {
    let strategy = variant.strategy;
    assert_ne!(variant.source, input, "{label} {strategy}: unchanged");
    assert!(
        !variant.explanation.trim().is_empty(),
        "{label} {strategy}: no explanation"
    );
    let before = errors(input);
    let after = errors(&variant.source);
    if before.is_empty() {
        assert!(
            after.is_empty(),
            "{label} {strategy}: errors {after:?} in\n{}",
            variant.source
        );
    } else {
        for (rule, count) in &after {
            assert!(
                count <= before.get(rule).unwrap_or(&0),
                "{label} {strategy}: new {rule} errors in\n{}",
                variant.source
            );
        }
    }
    if render_result(input).is_ok() {
        if let Err(e) = render_result(&variant.source) {
            panic!(
                "{label} {strategy}: does not render ({e}):\n{}",
                variant.source
            );
        }
    }
    // Idempotent: a second application finds its work done.
    if let Some(again) = apply(strategy, &variant.source, &LintOptions::default()) {
        assert_eq!(
            again.source, variant.source,
            "{label} {strategy}: applying it twice changed it again"
        );
    }
}

/// A Prompty file as the dotprompt file an author would write for it: `inputs` as a
/// picoschema, role lines as `{{role}}` markers. `None` for what has no dotprompt equivalent
/// (Jinja statements, filters, odd input names).
fn prompty_to_dotprompt(source: &str) -> Option<String> {
    let doc = PromptyDocument::parse(source);
    let raw = doc.front_matter.raw()?;
    let quoted = |v: &serde_json::Value| serde_json::to_string(v.as_str()?).ok();
    let mut out = String::from("---\n");
    if let Some(name) = raw.get("name").and_then(quoted) {
        out.push_str(&format!("name: {name}\n"));
    }
    if let Some(description) = raw.get("description").and_then(quoted) {
        out.push_str(&format!("description: {description}\n"));
    }
    if let Some(inputs) = doc.inputs().filter(|i| !i.is_empty()) {
        out.push_str("input:\n  schema:\n");
        for (name, spec) in inputs {
            let identifier = name
                .chars()
                .enumerate()
                .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
            if !identifier {
                return None;
            }
            let kind = spec
                .get("type")
                .and_then(|t| t.as_str())
                .filter(|t| matches!(*t, "number" | "integer" | "boolean"))
                .unwrap_or("string");
            out.push_str(&format!("    {name}: {kind}\n"));
        }
    }
    out.push_str("---\n");
    let body = doc.body.text(doc.source());
    if body.contains("{%") || body.contains("{#") {
        return None;
    }
    let mut cursor = doc.body.start;
    for role in &doc.roles {
        out.push_str(source.get(cursor..role.span.start)?);
        let marker = match role.role.as_str() {
            "system" => "system",
            "user" => "user",
            "assistant" => "model",
            _ => return None,
        };
        out.push_str(&format!("{{{{role \"{marker}\"}}}}"));
        cursor = role.span.end;
    }
    out.push_str(source.get(cursor..)?);
    Some(out).filter(|converted| Document::parse(converted).errors.is_empty())
}

fn corpus_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let mut files = Vec::new();
    let mut folders = vec![root];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "prompty") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

// ---- the corpus ---------------------------------------------------------------------------

/// Every strategy on every corpus prompt converted to dotprompt; on every fourth one also the
/// file's text read as a dotprompt (front matter it does not understand, role lines as plain
/// text) and a seed from its description. (All three forms of every file took minutes in a
/// debug build; the sample keeps the test to about one.) Split by folder so the two halves
/// run in parallel.
fn corpus_variants_pass_the_checks(folder: &str) -> BTreeMap<Strategy, usize> {
    let files: Vec<PathBuf> = corpus_files()
        .into_iter()
        .filter(|p| {
            p.parent()
                .and_then(Path::file_name)
                .is_some_and(|f| f == folder)
        })
        .collect();
    let options = LintOptions::default();
    let mut produced: BTreeMap<Strategy, usize> = BTreeMap::new();
    let mut converted = 0;
    for (i, path) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let label = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc = PromptyDocument::parse(&text);
        let description = doc
            .front_matter
            .raw()
            .and_then(|raw| raw.get("description").or_else(|| raw.get("name")))
            .and_then(|v| v.as_str())
            .unwrap_or("Answer the user's question")
            .to_string();
        let mut inputs = Vec::new();
        if let Some(dotprompt) = prompty_to_dotprompt(&text) {
            converted += 1;
            inputs.push(dotprompt);
        }
        if i % 4 == 0 {
            inputs.push(text.clone());
            inputs.push(seed(&description, None));
        }
        for input in &inputs {
            for variant in variants::apply_all(input, &options) {
                *produced.entry(variant.strategy).or_insert(0) += 1;
                check_variant(input, &variant, &label);
            }
        }
    }
    eprintln!(
        "{folder}: {converted} of {} files converted; variants: {produced:?}",
        files.len()
    );
    assert!(
        converted + 1 >= files.len(),
        "only {converted} of {folder} converted"
    );
    produced
}

#[test]
fn variants_of_the_system_prompt_library_pass_the_checks() {
    if corpus_files().is_empty() {
        eprintln!("skipped: no corpus next to the repository");
        return;
    }
    let produced = corpus_variants_pass_the_checks("system-prompt-library");
    // No corpus prompt declares JSON output, so OutputFormat has nothing to add to any.
    for strategy in Strategy::ALL {
        if strategy != Strategy::OutputFormat {
            assert!(produced.contains_key(&strategy), "{strategy} never applied");
        }
    }
}

#[test]
fn variants_of_awesome_chatgpt_prompts_pass_the_checks() {
    if corpus_files().is_empty() {
        return;
    }
    corpus_variants_pass_the_checks("awesome-chatgpt-prompts");
}

/// Seeds from every corpus description lint without errors and render; with the prompt's
/// body as context they add no error the context itself does not carry.
#[test]
fn seeds_from_the_corpus_lint_and_render() {
    let files = corpus_files();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let doc = PromptyDocument::parse(&text);
        let raw = doc.front_matter.raw();
        for key in ["description", "name"] {
            let Some(task) = raw.and_then(|r| r.get(key)).and_then(|v| v.as_str()) else {
                continue;
            };
            let source = seed(task, None);
            assert_eq!(
                errors(&source),
                BTreeMap::new(),
                "{}:\n{source}",
                path.display()
            );
            render_result(&source).unwrap();
            let body = doc.body.text(doc.source());
            let with_context = seed(task, Some(body));
            let context_errors: Vec<&str> = lint::lint_source(
                "c.md",
                body,
                Format::Plain,
                &LintOptions::default(),
                &NoWorkspace,
            )
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.rule)
            .collect();
            for rule in errors(&with_context).keys() {
                assert!(
                    context_errors.contains(rule),
                    "{}: {rule} not from the context:\n{with_context}",
                    path.display()
                );
            }
            render_result(&with_context).unwrap();
        }
    }
}

// ---- fixtures -----------------------------------------------------------------------------

/// A small prompt with something for every strategy to do.
const TICKET: &str = r#"---
name: ticket-summary
input:
  schema:
    ticket: string, the support ticket as the customer wrote it
    product?: string, the product the ticket is about
output:
  format: json
  schema:
    summary: string, two sentences an engineer can act on
    severity(enum): [low, medium, high]
    components(array, the parts of the product involved): string
---
Please summarize the support ticket below for an engineer. Try to keep it short.  
Keep the summary factual and name the affected component.


Keep the summary factual and name the affected component.

Ticket: {{ticket}}
{{#if product}}Product: {{product}}{{/if}}
"#;

/// A chat prompt: system instructions, the user's message alone in its turn.
const CHAT: &str = "---\nname: poet\ninput:\n  schema:\n    user_input: string\n---\n{{role \"system\"}}\nYou are a poet who writes short poems about the sea.\n{{role \"user\"}}\n{{user_input}}\n";

const PLAIN: &str =
    "You are a travel guide. Suggest three places to visit in {{city}} and say why.\n";

fn fixtures() -> Vec<(&'static str, String)> {
    vec![
        ("ticket", TICKET.to_string()),
        ("chat", CHAT.to_string()),
        ("plain", PLAIN.to_string()),
        ("crlf", TICKET.replace('\n', "\r\n")),
        ("empty", String::new()),
        ("front matter only", "---\nname: x\n---\n".to_string()),
        (
            "seed",
            seed(
                "Summarize a support ticket for an engineer",
                Some("Tickets come from customers by email"),
            ),
        ),
    ]
}

#[test]
fn fixtures_pass_the_variant_checks() {
    for (label, source) in fixtures() {
        for strategy in Strategy::ALL {
            if let Some(variant) = apply(strategy, &source, &LintOptions::default()) {
                check_variant(&source, &variant, label);
            }
        }
    }
}

#[test]
fn every_strategy_applies_to_the_ticket_prompt() {
    for strategy in Strategy::ALL {
        assert!(
            apply(strategy, TICKET, &LintOptions::default()).is_some(),
            "{strategy}"
        );
    }
}

#[test]
fn strategies_with_nothing_to_add_return_none() {
    let options = LintOptions::default();
    assert!(
        apply(Strategy::ExplicitRole, CHAT, &options).is_none(),
        "has a system turn"
    );
    assert!(
        apply(Strategy::OutputFormat, CHAT, &options).is_none(),
        "no output schema"
    );
    assert!(
        apply(Strategy::Delimiters, CHAT, &options).is_none(),
        "the input is alone in its turn"
    );
    assert!(apply(Strategy::Delimiters, "Write a haiku.", &options).is_none());
    assert!(apply(Strategy::Concise, CHAT, &options).is_none());
    assert!(apply(Strategy::SafeFixes, CHAT, &options).is_none());
    let reasoning = "---\nmodel: openai/o3\n---\nSolve the puzzle.\n";
    assert!(apply(Strategy::StepByStep, reasoning, &options).is_none());
    let broken = "---\nname: [\n---\nHi {{#if x}}\n";
    for strategy in [
        Strategy::ExplicitRole,
        Strategy::Constraints,
        Strategy::FewShot,
    ] {
        assert!(apply(strategy, broken, &options).is_none(), "{strategy}");
    }
}

#[test]
fn explicit_role_moves_a_persona_sentence_into_the_system_turn() {
    let variant = apply(Strategy::ExplicitRole, PLAIN, &LintOptions::default()).unwrap();
    assert_eq!(
        variant.source,
        "{{role \"system\"}}\nYou are a travel guide.\n\n{{role \"user\"}}\nSuggest three places to visit in {{city}} and say why.\n"
    );
}

#[test]
fn same_input_same_output() {
    for (label, source) in fixtures() {
        let first = variants::apply_all(&source, &LintOptions::default());
        let second = variants::apply_all(&source, &LintOptions::default());
        assert_eq!(first, second, "{label}");
        for strategy in Strategy::ALL {
            assert_eq!(
                apply(strategy, &source, &LintOptions::default()),
                first.iter().find(|v| v.strategy == strategy).cloned(),
                "{label} {strategy}: apply and apply_all agree"
            );
        }
    }
    assert_eq!(
        seed("Classify {{email}}", Some("x")),
        seed("Classify {{email}}", Some("x"))
    );
}

// ---- golden outputs -----------------------------------------------------------------------

#[test]
fn golden_variants_of_the_ticket_prompt() {
    for strategy in Strategy::ALL {
        let variant = apply(strategy, TICKET, &LintOptions::default()).unwrap();
        insta::assert_snapshot!(
            format!("ticket_{}", strategy.id().replace('-', "_")),
            format!(
                "{}\n---- explanation ----\n{}",
                variant.source, variant.explanation
            )
        );
    }
}

#[test]
fn golden_chat_variants() {
    for strategy in [
        Strategy::Constraints,
        Strategy::StepByStep,
        Strategy::FewShot,
    ] {
        let variant = apply(strategy, CHAT, &LintOptions::default()).unwrap();
        insta::assert_snapshot!(
            format!("chat_{}", strategy.id().replace('-', "_")),
            variant.source
        );
    }
}

#[test]
fn golden_seed() {
    insta::assert_snapshot!(seed(
        "Summarize a support ticket for an engineer",
        Some("Tickets come from customers by email")
    ));
}

#[test]
fn seed_takes_inputs_from_mentions() {
    let source = seed(
        "Translate {{text}} into {{ language }}",
        Some("The {{text}} is a product review; {{tone}} is the register."),
    );
    assert!(
        source.contains("    text: \"string, the text\"\n"),
        "{source}"
    );
    assert!(
        source.contains("    language: \"string, the language\"\n"),
        "{source}"
    );
    assert!(
        source.contains("    tone: \"string, the tone\"\n"),
        "{source}"
    );
    assert!(
        source.contains("<language>\n{{language}}\n</language>"),
        "{source}"
    );
    assert!(
        source.contains("Task: Translate `text` into `language`."),
        "{source}"
    );
    assert_eq!(errors(&source), BTreeMap::new(), "{source}");
    let rendered = render_result(&source).unwrap();
    let messages = rendered["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
}

#[test]
fn seed_of_nothing_is_still_a_prompt() {
    for (task, context) in [
        ("", None),
        ("   ", Some("")),
        ("{{", Some("}}")),
        ("---", None),
    ] {
        let source = seed(task, context);
        assert_eq!(errors(&source), BTreeMap::new(), "{task:?}:\n{source}");
        render_result(&source).unwrap();
    }
}

// ---- rules and feedback -------------------------------------------------------------------

#[test]
fn rules_map_to_real_strategies() {
    assert_eq!(
        strategy_for_rule("missing-output-format"),
        Some(Strategy::OutputFormat)
    );
    assert_eq!(
        strategy_for_rule("json-mode-without-instruction"),
        Some(Strategy::OutputFormat)
    );
    assert_eq!(
        strategy_for_rule("undelimited-input"),
        Some(Strategy::Delimiters)
    );
    assert_eq!(
        strategy_for_rule("duplicate-instruction"),
        Some(Strategy::Concise)
    );
    assert_eq!(strategy_for_rule("filler-tokens"), Some(Strategy::Concise));
    assert_eq!(
        strategy_for_rule("hidden-unicode"),
        Some(Strategy::SafeFixes)
    );
    assert_eq!(strategy_for_rule("hardcoded-secret"), None);
    assert_eq!(strategy_for_rule("no-such-rule"), None);
    // Every id the mapping names is in the catalog.
    for rule in rules::all() {
        let _ = strategy_for_rule(rule.id);
    }
    for id in [
        "missing-output-format",
        "json-mode-without-instruction",
        "undelimited-input",
        "filler-tokens",
        "duplicate-instruction",
        "vague-or-hedged-directive",
        "token-budget",
        "formatting-hygiene",
    ] {
        assert!(rules::find(id).is_some(), "{id} is not a rule");
    }
}

#[test]
fn feedback_points_to_strategies() {
    use Strategy::*;
    let cases: &[(&str, &[Strategy])] = &[
        ("The output isn't valid JSON", &[OutputFormat]),
        ("Way too long and verbose, make it shorter", &[Concise]),
        ("It needs an example or two", &[FewShot]),
        (
            "Someone could use prompt injection via untrusted text",
            &[Delimiters],
        ),
        ("Show your reasoning step-by-step", &[StepByStep]),
        (
            "It ignores edge cases and hallucinates facts",
            &[Constraints],
        ),
        ("The tone is off; give it a persona", &[ExplicitRole]),
        (
            "Examples would help, and the JSON format is wrong; also too long",
            &[OutputFormat, FewShot, Concise],
        ),
        ("More information please", &[]),
        ("", &[]),
    ];
    for (feedback, expected) in cases {
        assert_eq!(strategies_for_feedback(feedback), *expected, "{feedback}");
    }
}

#[test]
fn ids_round_trip() {
    for strategy in Strategy::ALL {
        assert_eq!(Strategy::from_id(strategy.id()), Some(strategy));
        let json = serde_json::to_string(&strategy).unwrap();
        assert_eq!(json, format!("\"{}\"", strategy.id()));
        assert!(strategy.summary().ends_with('.'));
    }
    assert_eq!(Strategy::from_id("nope"), None);
}

// ---- never panics -------------------------------------------------------------------------

fn prompt_like() -> impl proptest::strategy::Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "---\n",
        "name: x\n",
        "model: openai/o3\n",
        "input:\n  schema:\n    text: string\n    n?: integer\n",
        "output:\n  format: json\n",
        "output:\n  schema:\n    a: string\n    b(array): {c: number}\n",
        "{{role \"system\"}}\n",
        "{{role \"user\"}}\n",
        "{{text}}",
        "{{#if n}}",
        "{{/if}}",
        "{{#each xs}}{{this}}{{/each}}",
        "You are a poet. ",
        "Act as a guide.",
        "Please summarize {{text}}. ",
        "Try to be brief, if possible.\n",
        "Constraints:\n",
        "Example:\n",
        "<doc>",
        "</doc>",
        "\n\n\n",
        "  \n",
        "\r\n",
        "é",
        "\u{200b}",
        "{{",
        "}}",
        " ",
    ]);
    proptest::strategy::Strategy::prop_map(prop::collection::vec(pieces, 0..24), |p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn apply_and_seed_never_panic_on_any_text(text in any::<String>(), context in proptest::option::of(any::<String>())) {
        for strategy in Strategy::ALL {
            let _ = apply(strategy, &text, &LintOptions::default());
        }
        let _ = seed(&text, context.as_deref());
        let _ = strategies_for_feedback(&text);
        let _ = strategy_for_rule(&text);
    }

    #[test]
    fn variants_of_prompt_like_text_pass_the_checks(text in prompt_like()) {
        for variant in variants::apply_all(&text, &LintOptions::default()) {
            check_variant(&text, &variant, "generated");
        }
        let seeded = seed(&text, Some(&text));
        render_result(&seeded).unwrap();
    }
}
