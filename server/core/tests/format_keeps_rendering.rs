//! Formatting must never change what a prompt renders to: every example and corpus prompt,
//! and generated templates padded with whitespace, render identically before and after.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use promptopt_core::document::Document;
use promptopt_core::format::format;
use promptopt_core::lint::{Fix, Format, ParsedFile, apply_fixes};
use promptopt_core::render::{DataArgument, RenderEnv, render};
use promptopt_core::schema::NoSchemas;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

fn formatted(source: &str) -> String {
    let edits = format(&ParsedFile::parse(source, Format::Dotprompt));
    apply_fixes(source, &[&Fix::safe("format", edits)]).0
}

/// The render result as comparable JSON (errors included: a prompt that failed to render
/// must fail the same way).
fn rendered(source: &str, data: &DataArgument) -> Value {
    let document = Document::parse(source);
    let no_partials = |_: &str| Some(String::new());
    let env = RenderEnv {
        partials: &no_partials,
        schemas: &NoSchemas,
    };
    match render(&document, data, &Map::new(), &env) {
        Ok(value) => value,
        Err(error) => json!({ "error": format!("{:?}", error.kind) }),
    }
}

fn assert_same_render(source: &str, origin: &str) {
    let data: DataArgument = serde_json::from_value(json!({
        "input": { "name": "Ada", "items": ["a", "b"], "user": { "name": "Lin" }, "question": "why?" }
    }))
    .unwrap();
    let after = formatted(source);
    assert_eq!(
        rendered(source, &data),
        rendered(&after, &data),
        "formatting changed the render of {origin}"
    );
    assert_eq!(
        formatted(&after),
        after,
        "formatting {origin} twice changes it again"
    );
}

fn prompts_under(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            prompts_under(&path, out);
        } else if path.extension().is_some_and(|e| e == "prompt") {
            out.push(path);
        }
    }
}

#[test]
fn examples_and_corpus_render_the_same_after_formatting() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    prompts_under(&manifest.join("../../examples"), &mut files);
    let examples = files.len();
    assert!(examples > 3, "the repository's examples are missing");
    prompts_under(&manifest.join("../../../shared/corpus"), &mut files);
    for path in &files {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        assert_same_render(&source, &path.display().to_string());
    }
    eprintln!(
        "{} prompts ({examples} examples) render the same after formatting",
        files.len()
    );
}

fn padding() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", " ", "  ", "\t", " \t "]).prop_map(str::to_string)
}

proptest! {
    #[test]
    fn padded_templates_render_the_same(
        a in padding(), b in padding(), c in padding(), d in padding(), e in padding(),
        blank_before in 0usize..3, blank_after in 0usize..3,
        yaml_trailing in padding(),
    ) {
        let source = format!(
            "---\nmodel: gpt-4o{yaml_trailing}\ndescription: |\n  kept{yaml_trailing}\n---\n{}{{{{role \"system\"}}}}\nHi {{{{{a}name{b}}}}}{c}!\n{{{{#each{d}items{e}}}}}- {{{{this}}}}\n{{{{/each}}}}{{{{~{a}user.name{b}~}}}}{}",
            "\n".repeat(blank_before),
            "\n".repeat(blank_after),
        );
        assert_same_render(&source, &source);
    }
}
