//! Formatting that never changes what a prompt renders to: only whitespace the renderer
//! ignores is touched.
//!
//! - trailing spaces and tabs on front-matter lines (YAML ignores them), except inside block
//!   scalars (`|`, `>`), where they are content;
//! - padding just inside Handlebars tags: `{{ name }}` → `{{name}}`, `{{# each items }}` →
//!   `{{#each items}}` (Handlebars ignores it);
//! - blank lines between the front matter and the template, and whitespace at the end of the
//!   file, which dotprompt trims off the template; the file then ends with one line break.
//!
//! Prompty and plain-text files get the front-matter rule only: Jinja's whitespace control and
//! a plain prompt's text are the author's.

use crate::document::{Document, FrontMatter};
use crate::lint::text::{line_ending, line_start};
use crate::lint::{Edit, ParsedFile};
use crate::template::{Node, walk};
use crate::text::Span;

/// The edits that format `file`, sorted and non-overlapping.
pub fn format(file: &ParsedFile) -> Vec<Edit> {
    let source = file.source();
    let mut edits = Vec::new();
    if let Some(split) = file.front_matter_split() {
        front_matter_trailing_space(source, split.yaml, &mut edits);
    }
    if let ParsedFile::Dotprompt(document) = file {
        tag_padding(document, &mut edits);
        body_ends(document, &mut edits);
    }
    edits.sort_by_key(|edit| (edit.span.start, edit.span.end));
    edits.dedup_by(|b, a| a.span.end > b.span.start);
    edits
}

fn front_matter_trailing_space(source: &str, yaml: Span, edits: &mut Vec<Edit>) {
    let mut offset = yaml.start;
    // Indentation of the key that opened a block scalar, while inside it.
    let mut scalar_indent: Option<usize> = None;
    for line in yaml.text(source).split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let indent = content.len() - content.trim_start().len();
        if let Some(opened_at) = scalar_indent {
            if content.trim().is_empty() || indent > opened_at {
                offset += line.len();
                continue;
            }
            scalar_indent = None;
        }
        let kept = content.trim_end_matches([' ', '\t']);
        if kept.len() < content.len() {
            edits.push(Edit::delete(Span::new(
                offset + kept.len(),
                offset + content.len(),
            )));
        }
        if opens_block_scalar(kept) {
            scalar_indent = Some(indent);
        }
        offset += line.len();
    }
}

/// `key: |`, `key: >-`, `- |2`: the lines after it are a block scalar's content.
fn opens_block_scalar(line: &str) -> bool {
    let value = match line.split_once(": ") {
        Some((_, value)) => value,
        None => line.trim_start().strip_prefix("- ").unwrap_or(""),
    };
    let value = value.split(" #").next().unwrap_or(value).trim();
    value.starts_with(['|', '>'])
        && value[1..]
            .chars()
            .all(|c| matches!(c, '-' | '+') || c.is_ascii_digit())
}

fn tag_padding(document: &Document, edits: &mut Vec<Edit>) {
    let source = document.source();
    walk(&document.template.nodes, &mut |node| {
        let tags: Vec<Span> = match node {
            Node::Expression(expression) => vec![expression.tag.span],
            Node::Partial(partial) => vec![partial.tag.span],
            Node::Block(block) => {
                let mut tags = vec![block.open.span];
                tags.extend(block.else_branches.iter().map(|branch| branch.tag.span));
                tags.extend(block.close.iter().map(|close| close.tag.span));
                tags
            }
            _ => Vec::new(),
        };
        for tag in tags {
            trim_tag(source, tag, edits);
        }
    });
}

/// Removes spaces after the opening `{{` (and its `~` and sigil) and before the closing `}}`.
fn trim_tag(source: &str, tag: Span, edits: &mut Vec<Edit>) {
    let text = tag.text(source);
    let (open, close) = if text.starts_with("{{{") && text.ends_with("}}}") {
        (3, 3)
    } else if text.starts_with("{{") && text.ends_with("}}") {
        (2, 2)
    } else {
        return;
    };
    if text.len() < open + close {
        return;
    }
    let inner_start = tag.start + open;
    let inner_end = tag.end - close;
    let inner = &source[inner_start..inner_end];
    // Keep `~`, then the sigil (`#`, `/`, `>`, `^`, `else` stays a word).
    let lead = inner.starts_with('~') as usize;
    let after_tilde = &inner[lead..];
    let sigil = after_tilde
        .chars()
        .next()
        .filter(|c| matches!(c, '#' | '/' | '>' | '^'))
        .map_or(0, char::len_utf8);
    let head = lead + sigil;
    let rest = &inner[head..];
    let leading = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    if leading > 0 && !rest[leading..].is_empty() {
        edits.push(Edit::delete(Span::new(
            inner_start + head,
            inner_start + head + leading,
        )));
    }
    let trail = inner.ends_with('~') as usize;
    let before_trail = &inner[..inner.len() - trail];
    let trailing = before_trail.len() - before_trail.trim_end_matches([' ', '\t']).len();
    let body_end = inner_start + before_trail.len();
    if trailing > 0 && body_end - trailing > inner_start + head + leading {
        edits.push(Edit::delete(Span::new(body_end - trailing, body_end)));
    }
}

/// dotprompt trims the template after parsed front matter, so blank lines before it and
/// whitespace after it never render.
fn body_ends(document: &Document, edits: &mut Vec<Edit>) {
    let FrontMatter::Parsed(parsed) = &document.front_matter else {
        return;
    };
    let source = document.source();
    let content = document.template_span;
    // The split's body starts after any blank lines; the edit starts after the fence line.
    let after_yaml = parsed.split.yaml.end + 1;
    let Some(fence_end) = source
        .get(after_yaml..)
        .and_then(|rest| rest.find('\n'))
        .map(|i| after_yaml + i + 1)
    else {
        return;
    };
    // Whole blank lines before the first line with text.
    let first_line = line_start(source, content.start).max(fence_end);
    if first_line > fence_end {
        edits.push(Edit::delete(Span::new(fence_end, first_line)));
    }
    let newline = line_ending(source);
    let tail = Span::new(content.end, source.len());
    if content.is_empty() {
        return;
    }
    if tail.text(source) != newline {
        edits.push(Edit::replace(tail, newline));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Fix, Format, apply_fixes};

    fn formatted(source: &str) -> String {
        let file = ParsedFile::parse(source, Format::Dotprompt);
        let edits = format(&file);
        let fix = Fix::safe("format", edits);
        apply_fixes(source, &[&fix]).0
    }

    #[test]
    fn trims_what_the_renderer_ignores() {
        assert_eq!(
            formatted(
                "---\nmodel: gpt-4o   \nconfig:\t\n  temperature: 0.2 \n---\n\n\nHello {{ name }}!\n{{# each items }}- {{ this }}\n{{/ each }}\n\n\n"
            ),
            "---\nmodel: gpt-4o\nconfig:\n  temperature: 0.2\n---\nHello {{name}}!\n{{#each items}}- {{this}}\n{{/each}}\n"
        );
    }

    #[test]
    fn keeps_whitespace_that_renders() {
        // Block scalar content, text around tags, and a file with no front matter.
        let source = "---\ndescription: |\n  keep these   \n  spaces  \nmodel: x \n---\nA  {{~ name ~}}  B   \n";
        assert_eq!(
            formatted(source),
            "---\ndescription: |\n  keep these   \n  spaces  \nmodel: x\n---\nA  {{~name~}}  B\n"
        );
        let no_front_matter = "\n\nHello {{name}}  \n\n";
        assert_eq!(formatted(no_front_matter), no_front_matter);
        assert_eq!(formatted("{{{ raw }}}"), "{{{raw}}}");
        assert_eq!(formatted("{{  }}"), "{{  }}");
    }

    #[test]
    fn is_idempotent() {
        let once = formatted("---\nmodel: x  \n---\n\n{{ role \"system\" }}\nHi {{ a.b }}\n\n");
        assert_eq!(formatted(&once), once);
    }
}
