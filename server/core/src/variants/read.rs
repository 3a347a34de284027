//! Reading a prompt for the strategies: whether it is safe to edit, where the model reads its
//! instructions, what it declares and renders, and inserting a section there.

use serde_json::Value;

use super::PATH;
use crate::document::{Document, DocumentErrorKind, FrontMatter};
use crate::lint::text::line_ending;
use crate::lint::{Context, Format, LintOptions, NoWorkspace, ParsedFile, Resolved, Turn, Usage};
use crate::schema::{NoSchemas, compile};

/// Parses `source` as dotprompt and runs `f` on its lint context.
pub(super) fn with_context<T>(
    source: &str,
    options: &LintOptions,
    f: impl FnOnce(&Context<'_>) -> T,
) -> T {
    let file = ParsedFile::parse(source, Format::Dotprompt);
    let cx = Context::new(PATH, &file, options, &NoWorkspace);
    f(&cx)
}

/// The document, when its front matter and template both parse: the section strategies only
/// edit prompts whose structure they can see (a broken one gets `SafeFixes`, which may
/// repair it).
pub(super) fn sound<'a>(cx: &Context<'a>) -> Option<&'a Document> {
    let document = cx.document()?;
    let broken = matches!(document.front_matter, FrontMatter::Invalid { .. })
        || document.errors.iter().any(|e| {
            matches!(
                e.kind,
                DocumentErrorKind::Template(_) | DocumentErrorKind::FrontMatterSyntax
            )
        });
    (!broken).then_some(document)
}

/// True when the turn has prose that is not blank.
pub(super) fn has_prose(cx: &Context<'_>, turn: &Turn) -> bool {
    cx.prose()
        .iter()
        .any(|p| turn.span.contains(p.span.start) && !cx.text(p.span).trim().is_empty())
}

/// The system turn written with a marker, if any.
pub(super) fn system_turn<'c>(cx: &'c Context<'_>) -> Option<&'c Turn> {
    cx.turns()
        .iter()
        .find(|t| t.role == "system" && t.marker.is_some())
}

/// Where a new instruction section goes: at the end of the system turn when there is one
/// (the model's standing instructions), else after the last user turn that has text of its
/// own (so a turn that is only the user's message stays only that), else at the end of the
/// body. Trailing whitespace is left after the section.
pub(super) fn instructions_end(cx: &Context<'_>) -> usize {
    let source = cx.source();
    let target = system_turn(cx)
        .or_else(|| {
            cx.turns()
                .iter()
                .rev()
                .find(|t| t.role == "user" && has_prose(cx, t))
        })
        .map_or(cx.body(), |turn| turn.span);
    let text = target.text(source);
    target.start + text.trim_end().len()
}

/// `source` with `section` inserted at `at`, a blank line before it (unless it starts the
/// body) and a line break after it, in the file's own line ending.
pub(super) fn insert_section(cx: &Context<'_>, at: usize, section: &[String]) -> Option<String> {
    let source = cx.source();
    let nl = line_ending(source);
    let before = source.get(..at)?;
    let after = source.get(at..)?;
    let lead = if at <= cx.body().start {
        String::new()
    } else if before.ends_with('\n') {
        nl.to_string()
    } else {
        // End the line, then leave a blank one.
        format!("{nl}{nl}")
    };
    let trail = if after.starts_with('\n') || after.starts_with("\r\n") {
        ""
    } else {
        nl
    };
    Some(format!("{before}{lead}{}{trail}{after}", section.join(nl)))
}

/// An input the prompt declares or renders.
pub(super) struct Field {
    pub name: String,
    /// Declared required (an undeclared input the template uses counts as required).
    pub required: bool,
}

/// The declared input fields, in declaration order; else the top-level names the template
/// renders or tests.
pub(super) fn input_fields(cx: &Context<'_>) -> Vec<Field> {
    if let Some(inputs) = cx.inputs() {
        let fields: Vec<Field> = inputs
            .fields()
            .map(|(name, _)| Field {
                name: name.to_string(),
                required: !inputs.is_optional(&[name.to_string()]),
            })
            .collect();
        if !fields.is_empty() {
            return fields;
        }
    }
    let mut fields: Vec<Field> = Vec::new();
    for found in cx.uses() {
        if found.via_partial.is_some() || found.usage == Usage::Argument {
            continue;
        }
        if let Resolved::Input(path) = &found.resolved
            && let Some(root) = path.first()
            && root != "[]"
            && !fields.iter().any(|f| f.name == *root)
        {
            fields.push(Field {
                name: root.clone(),
                required: true,
            });
        }
    }
    fields
}

/// The output schema compiled to JSON Schema, when declared and valid.
pub(super) fn output_schema(document: &Document) -> Option<Value> {
    let schema = document.metadata()?.output.as_ref()?.schema.as_ref()?;
    compile(schema, &NoSchemas).ok().flatten()
}

/// True when the front matter asks for JSON output (`output.format: json`, or a schema).
pub(super) fn wants_json(document: &Document) -> bool {
    document
        .metadata()
        .and_then(|meta| meta.output.as_ref())
        .is_some_and(|output| {
            output
                .format
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case("json"))
                || (output.schema.is_some() && output.format.is_none())
        })
}

/// The body's prose lines, trimmed and lowercased, for "is this already said" checks.
pub(super) fn prose_lines(cx: &Context<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    for prose in cx.prose() {
        for line in cx.text(prose.span).lines() {
            let line = line.trim();
            if !line.is_empty() {
                lines.push(line.to_lowercase());
            }
        }
    }
    lines
}

/// Text from the prompt (a description, a sentence) made safe to paste as literal template
/// text on one line: no mustaches, no line breaks, no runs of spaces.
pub(super) fn plain(text: &str) -> String {
    let visible: String = text.chars().filter(|&c| !invisible(c)).collect();
    let flat: String = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    unmustache(flat.trim())
}

/// A space between any two braces in a row, so no `{{` or `}}` is left to open or close a
/// tag (replacing `{{` once would turn `{{{{` into `{ {{ {`).
pub(super) fn unmustache(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = None;
    for c in text.chars() {
        if matches!(c, '{' | '}') && previous == Some(c) {
            out.push(' ');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// Characters that are invisible or cannot appear in YAML or a prompt without a lint error:
/// control characters, zero-width and bidi controls, the Unicode tag block, noncharacters.
fn invisible(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(
            c,
            '\u{00AD}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFF}'
                | '\u{E0000}'..='\u{E007F}'
        )
}
