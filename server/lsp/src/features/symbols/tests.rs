use tower_lsp_server::ls_types::{Position, Range};

use super::*;
use crate::features::testing::world;

fn outline_of(name: &str, text: &str) -> Vec<DocumentSymbol> {
    let (w, _) = world(name, text);
    match document_symbols(&w) {
        Some(DocumentSymbolResponse::Nested(symbols)) => symbols,
        other => panic!("expected nested symbols, got {other:?}"),
    }
}

/// One line per symbol, indented by depth: `name: detail`.
fn render(symbols: &[DocumentSymbol]) -> Vec<String> {
    fn walk(symbols: &[DocumentSymbol], depth: usize, out: &mut Vec<String>) {
        for symbol in symbols {
            let detail = symbol
                .detail
                .as_ref()
                .map_or(String::new(), |d| format!(": {d}"));
            out.push(format!("{}{}{detail}", "  ".repeat(depth), symbol.name));
            walk(
                symbol.children.as_deref().unwrap_or_default(),
                depth + 1,
                out,
            );
        }
    }
    let mut out = Vec::new();
    walk(symbols, 0, &mut out);
    out
}

fn lines_of(range: Range) -> (u32, u32) {
    (range.start.line, range.end.line)
}

const PROMPT: &str = "\
---
name: support
config:
  temperature: 0.2
input:
  schema:
    user?(object, the customer):
      name: string
    items(array): string
---
{{role \"system\"}}
# Rules
Be kind.
## Tone
Warm.
{{#each items}}
- {{this}}
{{/each}}

{{role \"user\"}}
{{#if user}}
Hi {{user.name}}
{{/if}}
";

#[test]
fn dotprompt_outline_nests_front_matter_turns_sections_and_blocks() {
    let symbols = outline_of("a.prompt", PROMPT);
    assert_eq!(
        render(&symbols),
        [
            "front matter",
            "  name: support",
            "  config",
            "    temperature: 0.2",
            "  input",
            "    schema",
            "      user",
            "        name: string",
            "      items: string",
            "system",
            "  Rules",
            "    Tone",
            "      #each items",
            "user",
            "  #if user",
        ]
    );
    let front_matter = &symbols[0];
    assert_eq!(front_matter.kind, SymbolKind::MODULE);
    assert_eq!(lines_of(front_matter.range), (0, 9));
    let schema = &front_matter.children.as_ref().unwrap()[2]
        .children
        .as_ref()
        .unwrap()[0];
    let user = &schema.children.as_ref().unwrap()[0];
    assert_eq!(user.kind, SymbolKind::FIELD);
    assert_eq!(lines_of(user.selection_range), (6, 6));

    let system = &symbols[1];
    assert_eq!(system.kind, SymbolKind::NAMESPACE);
    assert_eq!(
        lines_of(system.range),
        (10, 17),
        "the turn ends at its last non-blank line"
    );
    assert_eq!(
        system.selection_range,
        Range::new(Position::new(10, 0), Position::new(10, 17))
    );
    let rules = &system.children.as_ref().unwrap()[0];
    assert_eq!(rules.kind, SymbolKind::STRING);
    assert_eq!(lines_of(rules.range), (11, 17));
    assert_eq!(lines_of(rules.selection_range), (11, 11));
    let each = &rules.children.as_ref().unwrap()[0]
        .children
        .as_ref()
        .unwrap()[0];
    assert_eq!(each.kind, SymbolKind::FUNCTION);
    assert_eq!(lines_of(each.range), (15, 17));
}

#[test]
fn prompty_outline_lists_front_matter_role_lines_and_headings() {
    let text = "\
---
name: chat
inputs:
  question: string
---
system:
You answer.
# Style
Short.

user:
{{ question }}
";
    assert_eq!(
        render(&outline_of("chat.prompty", text)),
        [
            "front matter",
            "  name: chat",
            "  inputs",
            "    question: string",
            "system",
            "  Style",
            "user",
        ]
    );
}

#[test]
fn plain_text_lists_headings_by_level_outside_code_fences() {
    let text = "# A\ntext\n## B\n```\n# not a heading\n```\n#not a heading either\n# C\n";
    let symbols = outline_of("notes.md", text);
    assert_eq!(render(&symbols), ["A", "  B", "C"]);
    assert_eq!(lines_of(symbols[0].range), (0, 6));
}

#[test]
fn without_role_markers_there_is_no_turn_to_list() {
    let text = "# Task\n{{#if x}}\n## Inside\n{{/if}}\n## After\n";
    assert_eq!(
        render(&outline_of("a.prompt", text)),
        ["Task", "  #if x", "    Inside", "  After"]
    );
}

/// LSP requires each selection inside its range; nesting keeps children inside parents.
fn assert_well_formed(symbols: &[DocumentSymbol], parent: Option<Range>) {
    let inside = |inner: Range, outer: Range| outer.start <= inner.start && inner.end <= outer.end;
    for symbol in symbols {
        assert!(inside(symbol.selection_range, symbol.range), "{symbol:?}");
        if let Some(parent) = parent {
            assert!(
                inside(symbol.range, parent),
                "{symbol:?} outside {parent:?}"
            );
        }
        assert_well_formed(
            symbol.children.as_deref().unwrap_or_default(),
            Some(symbol.range),
        );
    }
}

#[test]
fn broken_templates_give_well_formed_outlines() {
    let texts = [
        PROMPT,
        "---\r\nname: [unclosed\r\n---\r\n{{role \"system\"}}\r\n# 😀 Title\r\n{{#each x}}\r\n",
        "{{#if a}}{{role \"user\"}}\n# H\n{{/if}}{{role \"model\"}}tail",
        "---\na: {b: {c: {d: {e: {f: {g: {h: {i: {j: {k: {l: {m: {n: 1}}}}}}}}}}}}}\n---\n",
        "{{",
        "# ",
        "#",
        "---\n---\n",
        "\u{feff}# BOM title",
    ];
    // Large files stay linear to outline.
    let many_headings = "# a\n## b\n".repeat(20_000);
    let big_front_matter = format!("---\n{}---\nx", "k: {a: 1, b: 2}\n".repeat(5_000));
    let large = [many_headings.as_str(), big_front_matter.as_str()];
    for text in texts.into_iter().chain(large) {
        for name in ["a.prompt", "a.prompty", "a.md"] {
            assert_well_formed(&outline_of(name, text), None);
        }
    }
}
