//! Property tests: any text parses (and renders or fails cleanly) without panicking, and every
//! span in the result lies on character boundaries inside the source.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests and benches fail loudly

use promptopt_core::document::Document;
use promptopt_core::render::{DataArgument, RenderEnv, render};
use promptopt_core::schema::NoSchemas;
use promptopt_core::template::walk;
use proptest::prelude::*;
use serde_json::Map;

/// Text built from the pieces that matter to the parsers, so shrinking finds real edge cases.
fn prompt_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "{{",
        "}}",
        "{{{",
        "}}}",
        "{{#if x}}",
        "{{/if}}",
        "{{else}}",
        "{{#each xs as |x i|}}",
        "{{/each}}",
        "{{> p}}",
        "{{!--",
        "--}}",
        "{{~",
        "~}}",
        "\\{{",
        "(",
        ")",
        "\"",
        "'",
        "=",
        "@root.",
        "../",
        "---\n",
        "name: x\n",
        "input:\n  schema:\n    a?: string\n",
        ": ",
        "- ",
        "\n",
        "\r\n",
        " ",
        "é",
        "😀",
        "中",
        "\u{feff}",
        "text",
        "{{role \"system\"}}",
        "{{history}}",
        "<<<dotprompt:role:user>>>",
        "[",
        "]",
        "|",
        "#",
        "\t",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|parts| parts.concat())
}

fn check(source: &str) {
    let document = Document::parse(source);
    let mut spans = Vec::new();
    walk(&document.template.nodes, &mut |node| {
        spans.push(node.span())
    });
    spans.extend(document.errors.iter().map(|e| e.span));
    for span in spans {
        assert!(
            span.start <= span.end && span.end <= source.len(),
            "{span:?} in {source:?}"
        );
        assert!(source.is_char_boundary(span.start) && source.is_char_boundary(span.end));
    }
    let env = RenderEnv {
        partials: &|_: &str| Some("partial {{x}}".to_string()),
        schemas: &NoSchemas,
    };
    let _ = render(&document, &DataArgument::default(), &Map::new(), &env);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn prompt_like_text_never_panics(source in prompt_like()) {
        check(&source);
    }

    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        check(&source);
    }
}
