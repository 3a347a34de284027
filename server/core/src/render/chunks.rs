//! Splitting a large template into pieces the handlebars crate can compile quickly.
//!
//! The crate's compiler computes a line and column for every element by scanning from the start
//! of the source, so compile time grows with the square of the template's size (64 KiB took
//! 0.7 s here). Rendering top-level stretches separately keeps it linear. A split is made only
//! where it cannot change the output: just after a line break inside top-level text, with
//! non-whitespace text on both sides (so no `~` whitespace control and no standalone-line rule
//! reaches across it), and never in a template that defines inline partials, which later
//! stretches could use.

use crate::document::Document;
use crate::template::{BlockKind, Node};
use crate::text::Span;

/// Stretches smaller than this are not split further.
pub(super) const CHUNK_BYTES: usize = 8 * 1024;

/// The stretches of the document's template text to render one after another.
pub(super) fn split(document: &Document, chunk_bytes: usize) -> Vec<Span> {
    let whole = document.template_span;
    let source = document.source();
    let nodes = &document.template.nodes;
    let defines_inline_partials = nodes
        .iter()
        .any(|n| matches!(n, Node::Block(b) if b.kind == BlockKind::Decorator));
    if whole.len() <= chunk_bytes || defines_inline_partials {
        return vec![whole];
    }
    let mut chunks = Vec::new();
    let mut start = whole.start;
    for node in nodes {
        let Node::Text(text) = node else { continue };
        let text = Span::new(text.start.max(whole.start), text.end.min(whole.end));
        if text.end.saturating_sub(start) < chunk_bytes {
            continue;
        }
        if let Some(cut) = safe_cut(source, text)
            && cut > start
        {
            chunks.push(Span::new(start, cut));
            start = cut;
        }
    }
    chunks.push(Span::new(start, whole.end));
    chunks
}

/// The last offset just after a `\n` in `text` with non-whitespace on both sides within it.
fn safe_cut(source: &str, text: Span) -> Option<usize> {
    let body = text.text(source);
    let first_visible = body.find(|c: char| !c.is_whitespace())?;
    let last_visible = body.rfind(|c: char| !c.is_whitespace())?;
    let newline = body[..=last_visible].rfind('\n')?;
    (newline >= first_visible).then_some(text.start + newline + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_templates_and_inline_partials_stay_whole() {
        let doc = Document::parse("Hello {{name}}\n");
        assert_eq!(split(&doc, CHUNK_BYTES), vec![doc.template_span]);
        let big = format!(
            "{{{{#*inline \"p\"}}}}x{{{{/inline}}}}\n{}",
            "line {{x}}\n".repeat(2000)
        );
        let doc = Document::parse(&big);
        assert_eq!(split(&doc, CHUNK_BYTES).len(), 1);
    }

    #[test]
    fn large_templates_split_after_line_breaks_between_visible_text() {
        let source = "Hello {{name}} there\n".repeat(2000);
        let doc = Document::parse(&source);
        let chunks = split(&doc, CHUNK_BYTES);
        assert!(chunks.len() > 1);
        let joined: String = chunks.iter().map(|c| c.text(&source)).collect();
        assert_eq!(joined, source);
        for chunk in &chunks[1..] {
            assert_eq!(&source[chunk.start - 1..chunk.start], "\n");
        }
    }
}
