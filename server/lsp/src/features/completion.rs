//! Completion: variables and nested paths from the input schema, `this` and data variables
//! inside blocks, helpers with snippets, partial names, roles, front-matter keys and values,
//! model ids from the model table, and `promptopt.toml` keys and rule ids.

mod config;
mod front_matter;
mod template;

use promptopt_core::text::Span;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, CompletionResponse, CompletionTextEdit, Documentation,
    InsertTextFormat, MarkupContent, MarkupKind, Position, TextEdit,
};

use super::{World, at};
use crate::documents::Kind;

pub fn completion(world: &World, position: Position) -> Option<CompletionResponse> {
    let offset = world.snapshot.lines().offset(position);
    let items = match world.snapshot.kind {
        Kind::Config => config::complete(world, offset),
        Kind::Prompt(_) => {
            if at::in_front_matter(world.snapshot.file(), offset) {
                front_matter::complete(world, offset)
            } else {
                template::complete(world, offset)
            }
        }
    };
    (!items.is_empty()).then_some(CompletionResponse::Array(items))
}

/// Builds items that replace one span of the document (the word being typed, and any `}}`
/// the editor already closed) so every client filters and inserts them the same way.
struct Items<'w> {
    world: &'w World,
    replace: Span,
    items: Vec<CompletionItem>,
}

impl<'w> Items<'w> {
    fn new(world: &'w World, replace: Span) -> Self {
        Self {
            world,
            replace,
            items: Vec::new(),
        }
    }

    fn push(&mut self, label: &str, kind: CompletionItemKind, detail: &str, docs: &str) {
        self.add(label, label, kind, detail, docs, false);
    }

    /// An item whose inserted text is a snippet (`$1`, `${1:name}`), sent as plain text with
    /// the placeholders removed to clients without snippet support.
    fn snippet(
        &mut self,
        label: &str,
        snippet: &str,
        kind: CompletionItemKind,
        detail: &str,
        docs: &str,
    ) {
        if self.world.support.snippets {
            self.add(label, snippet, kind, detail, docs, true);
        } else {
            let plain = strip_placeholders(snippet);
            self.add(label, &plain, kind, detail, docs, false);
        }
    }

    fn add(
        &mut self,
        label: &str,
        insert: &str,
        kind: CompletionItemKind,
        detail: &str,
        docs: &str,
        snippet: bool,
    ) {
        if self.items.iter().any(|item| item.label == label) {
            return;
        }
        let range = self.world.snapshot.lines().range(self.replace);
        self.items.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: (!detail.is_empty()).then(|| detail.to_string()),
            documentation: (!docs.is_empty()).then(|| {
                if self.world.support.completion_markdown {
                    Documentation::MarkupContent(MarkupContent {
                        kind: MarkupKind::Markdown,
                        value: docs.to_string(),
                    })
                } else {
                    Documentation::String(docs.to_string())
                }
            }),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                range,
                insert.to_string(),
            ))),
            insert_text_format: Some(if snippet {
                InsertTextFormat::SNIPPET
            } else {
                InsertTextFormat::PLAIN_TEXT
            }),
            sort_text: Some(format!("{:04}", self.items.len())),
            ..CompletionItem::default()
        });
    }

    fn finish(self) -> Vec<CompletionItem> {
        self.items
    }
}

/// `${1:items}` → `items`, `$0` → ``.
fn strip_placeholders(snippet: &str) -> String {
    let mut out = String::new();
    let mut chars = snippet.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'{') {
            chars.next();
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            if chars.peek() == Some(&':') {
                chars.next();
            }
            for inner in chars.by_ref() {
                if inner == '}' {
                    break;
                }
                out.push(inner);
            }
        } else {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
        }
    }
    out
}

/// The start of the word ending at `offset`, for the characters `is_word` accepts.
fn word_start(text: &str, offset: usize, is_word: impl Fn(char) -> bool) -> usize {
    text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::features::testing::world;

    pub fn labels(name: &str, text: &str) -> Vec<String> {
        let (world, position) = world(name, text);
        match completion(&world, position) {
            Some(CompletionResponse::Array(items)) => items.into_iter().map(|i| i.label).collect(),
            _ => Vec::new(),
        }
    }

    pub fn inserted(name: &str, text: &str, label: &str) -> Option<String> {
        let (world, position) = world(name, text);
        let Some(CompletionResponse::Array(items)) = completion(&world, position) else {
            return None;
        };
        let item = items.into_iter().find(|i| i.label == label)?;
        match item.text_edit? {
            CompletionTextEdit::Edit(edit) => Some(edit.new_text),
            CompletionTextEdit::InsertAndReplace(edit) => Some(edit.new_text),
        }
    }

    #[test]
    fn documentation_is_markdown_only_for_clients_that_name_it() {
        let text = "---\ninput:\n  schema:\n    topic: string, what to summarize\n---\n{{|";
        let docs = |markdown: bool| {
            let (mut world, position) = world("a.prompt", text);
            world.support.completion_markdown = markdown;
            let Some(CompletionResponse::Array(items)) = completion(&world, position) else {
                return None;
            };
            items
                .into_iter()
                .find(|i| i.label == "topic")?
                .documentation
        };
        assert!(matches!(
            docs(true),
            Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                ..
            }))
        ));
        assert!(matches!(docs(false), Some(Documentation::String(_))));
    }

    #[test]
    fn placeholders_are_stripped_for_clients_without_snippets() {
        assert_eq!(
            strip_placeholders("each ${1:items}}}$0{{/each}}"),
            "each items}}{{/each}}"
        );
    }
}
