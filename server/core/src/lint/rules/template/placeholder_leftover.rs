//! `placeholder-leftover`: drafting notes and unfilled placeholders left in the text the model
//! reads: `TODO:`, `FIXME`, `TBD`, `[INSERT …]`, `<your name here>`, lorem ipsum.
//!
//! Prompts talk about to-do lists and code comments, so the markers count only in the shapes
//! a leftover takes: uppercase, and followed by `:`, `(` or ` -`, alone on a line, after a
//! list or comment marker, in brackets, or as the whole value of a `label: TBD` line; never
//! quoted or in code.

use std::sync::LazyLock;

use regex::Regex;

use crate::lint::text::{in_inline_code, line_end, line_start};
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "placeholder-leftover",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "A drafting note or unfilled placeholder (TODO, FIXME, TBD, [INSERT …], lorem ipsum) in the prompt text",
    docs: Docs {
        why: "Everything in the prompt text reaches the model. A `TODO: add examples` or an unfilled `[INSERT COMPANY NAME]` is read as part of the instructions: the model improvises the missing part, or repeats the placeholder in its answer, and users see it.",
        bad: "You are the support assistant for [INSERT COMPANY NAME].\nTODO: add the refund policy.\n{{question}}\n",
        good: "{{role \"system\"}}\nYou are the support assistant for {{company}}.\n{{!-- TODO: add the refund policy --}}\n{{role \"user\"}}\n{{question}}\n",
        fix: "Fill in or delete the placeholder, use a template variable for text supplied at render time, and keep notes for colleagues in template comments (`{{!-- … --}}`, `{# … #}` in Prompty), which the model never sees.",
    },
    check,
};

const MARKERS: [&str; 4] = ["TODO", "FIXME", "TBD", "XXX"];

/// Words after `TODO` that make it a noun ("TODO list", "TODO comments"), not a note.
const NOUNS: [&str; 17] = [
    "list", "lists", "app", "apps", "item", "items", "comment", "comments", "tag", "tags",
    "marker", "markers", "task", "tasks", "entry", "entries", "section",
];

/// Bracketed placeholders: `[INSERT …]` (uppercase verb), `<ADD …>`, and `[your … here]`,
/// `<insert text here>` in any case; lorem ipsum.
static PLACEHOLDER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\[(?:INSERT|ADD|ENTER|FILL IN|REPLACE|PUT)\b[^\]\n]{0,80}\]",
        r"|<(?:INSERT|ADD|ENTER|FILL IN|REPLACE|PUT)\b[^>\n]{0,80}>",
        r"|[\[<](?i:your|insert|enter|add|put|type)\b[^\]>\n]{0,60}\b(?i:here)[\]>]",
        r"|(?i:\blorem ipsum\b)",
    ))
    .ok()
});

fn check(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    for word in cx.words() {
        let text = word.text(source);
        if !MARKERS.contains(&text) || cx.in_code_block(word.span.start) {
            continue;
        }
        if is_leftover(source, word.span) {
            report.add(
                word.span,
                format!(
                    "leftover '{text}' in the prompt text: the model reads it as part of the instructions; finish or delete it, or keep the note in a template comment the model never sees"
                ),
            );
        }
    }
    let Some(placeholder) = PLACEHOLDER.as_ref() else {
        return;
    };
    for prose in cx.prose() {
        let text = cx.text(prose.span);
        // Every placeholder opens with `[` or `<` or says lorem (letters without case folds
        // outside ASCII): most prose has neither, and needs no search.
        let possible = text.contains(['[', '<'])
            || text
                .as_bytes()
                .windows(5)
                .any(|w| w.eq_ignore_ascii_case(b"lorem"));
        if !possible {
            continue;
        }
        for found in placeholder.find_iter(text) {
            let span = Span::new(
                prose.span.start + found.start(),
                prose.span.start + found.end(),
            );
            if cx.in_code_block(span.start) || in_inline_code(source, span.start) {
                continue;
            }
            let what = found.as_str();
            let message = if what.to_lowercase().starts_with("lorem") {
                "lorem ipsum filler in the prompt text: the model reads it as content; replace it with the real text".to_string()
            } else {
                format!(
                    "unfilled placeholder '{what}' in the prompt text: the model sees it verbatim and improvises; fill it in, or use a template variable for text supplied at render time"
                )
            };
            report.add(span, message);
        }
    }
}

/// Whether the marker at `span` has the shape of a leftover note.
fn is_leftover(source: &str, span: Span) -> bool {
    let before = source
        .get(line_start(source, span.start)..span.start)
        .unwrap_or("");
    let after = source
        .get(span.end..line_end(source, span.end))
        .unwrap_or("");
    let previous = before.chars().next_back();
    let next = after.chars().next();
    let quotes = ['"', '\'', '`', '“', '‘', '”', '’', '«'];
    if previous.is_some_and(|c| quotes.contains(&c)) || next.is_some_and(|c| quotes.contains(&c)) {
        return false;
    }
    if in_inline_code(source, span.start) {
        return false;
    }
    let bracketed =
        matches!(previous, Some('[' | '<' | '(')) && matches!(next, Some(']' | '>' | ')'));
    let noted = matches!(next, Some(':' | '(' | '!'))
        || after.starts_with(" -")
        || after.starts_with(" —")
        || after.starts_with(" –");
    let lead = before.trim_start_matches(|c: char| {
        c.is_whitespace()
            || matches!(c, '-' | '*' | '•' | '#' | '>' | '/' | '.')
            || c.is_ascii_digit()
    });
    let first_word = after.split_whitespace().next().unwrap_or("").to_lowercase();
    let first_word = first_word.trim_matches(|c: char| !c.is_alphanumeric());
    // At the start of a plain line the marker is a note only when it ends the line (`:`, `(`
    // and ` -` are `noted`): "TODO tasks must have a due date." is a sentence about tasks.
    // After a list or comment marker (`- FIXME tone`, `// TODO add examples`) it is a note
    // unless a noun follows.
    let marked = !before.trim().is_empty();
    let line_start_note =
        lead.is_empty() && (after.trim().is_empty() || (marked && !NOUNS.contains(&first_word)));
    // `Deadline: TBD` — the marker is the whole value of a labelled line.
    let value = before.trim_end().ends_with(':')
        && after.trim().trim_end_matches(['.', ';', ',']).is_empty();
    bracketed || noted || line_start_note || value
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{check_with, flagged, messages};
    use crate::lint::{Format, LintOptions, NoWorkspace};

    #[test]
    fn catches_notes_and_placeholders() {
        let source = "TODO: add examples\nYou work for [INSERT COMPANY NAME].\n- FIXME tone\nDeadline: TBD\nSign as <your name here>.\nLorem ipsum dolor sit amet.\nAsk (XXX) first. Then TODO(sam) check.";
        assert_eq!(
            flagged(&RULE, source),
            [
                "TODO",
                "[INSERT COMPANY NAME]",
                "FIXME",
                "TBD",
                "<your name here>",
                "Lorem ipsum",
                "XXX",
                "TODO"
            ]
        );
    }

    #[test]
    fn prompts_about_todo_lists_and_code_notes_do_not_fire() {
        for source in [
            "You help users manage their todo list. Add items to the Todo list on request.",
            "TODO lists should be short.\nSuggest apps like Todoist.",
            "Flag every TODO comment and FIXME you find in the diff.",
            "If the date is unknown, write \"TBD\".",
            "Mark missing values as `TBD`.",
            "```\n// TODO: refactor\n```\n",
            "Rated XXX films are out of scope.",
            "{{!-- TODO: add examples --}}Summarize {{text}}.",
            "Format each entry as: [Title]: [Brief Description]",
            "Trailer Link: [Insert Trailer Link]",
            "TODO tasks must have a due date.",
            "FIXME entries in the changelog are listed last.",
            "Sort the tasks.\nTODO section first, then DONE.",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn a_marker_starting_a_line_is_a_note_when_shaped_like_one() {
        let source =
            "TODO\nFIXME - tone\nTODO(ana) examples\n[TODO]\n- TODO add examples\nTODO: ask legal";
        assert_eq!(
            flagged(&RULE, source),
            ["TODO", "FIXME", "TODO", "TODO", "TODO", "TODO"]
        );
    }

    #[test]
    fn works_on_plain_and_prompty_text() {
        for format in [Format::Plain, Format::Prompty] {
            let found = check_with(
                &RULE,
                format,
                "system:\nTODO: write the persona\n",
                LintOptions::default(),
                &NoWorkspace,
            );
            assert_eq!(found.len(), 1, "{format:?}");
        }
    }
}
