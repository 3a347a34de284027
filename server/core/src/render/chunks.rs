//! Splitting a large template into pieces the handlebars crate can compile quickly.
//!
//! The crate's compiler computes a line and column for every element by scanning from the start
//! of the source, so compile time grows with the square of the template's size (64 KiB took
//! 0.7 s here). Rendering top-level stretches separately keeps it linear. A split is made only
//! where it cannot change the output: before a top-level tag that starts a line (so the
//! standalone-line rule sees the same thing at a chunk's start as after a line break) and does
//! not open with `{{~` (which would strip across the cut), and never in a template that defines
//! inline partials, which later stretches could use.

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
    for pair in nodes.windows(2) {
        let [Node::Text(text), next] = pair else {
            continue;
        };
        let cut = next.span().start;
        let ends_line = text.text(source).ends_with('\n');
        if ends_line && !strips_before(next) && cut > start && cut - start >= chunk_bytes {
            chunks.push(Span::new(start, cut));
            start = cut;
        }
    }
    chunks.push(Span::new(start, whole.end));
    chunks
}

/// A tag that opens with `{{~` strips the whitespace before it, across any cut.
fn strips_before(node: &Node) -> bool {
    match node {
        Node::Expression(e) => e.tag.strip_before,
        Node::Block(b) => b.open.strip_before,
        Node::Partial(p) => p.tag.strip_before,
        Node::Comment(c) => c.tag.strip_before,
        Node::Text(_) | Node::Invalid(_) => true,
    }
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
    fn large_templates_split_before_tags_that_start_a_line() {
        let source = "Hello\n{{name}} there\n".repeat(2000);
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
