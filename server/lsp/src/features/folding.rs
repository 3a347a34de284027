//! Folding ranges: front matter, blocks, turns, comments, code fences and XML-like sections.
//!
//! LSP folds whole lines, so every range is a pair of lines and a range within one line is
//! dropped. Like HTML editors, a block folds up to the line before its closing tag (or its
//! next `{{else}}`) when that tag starts its own line, so the closing tag stays in view.

use promptopt_core::lint::Context;
use promptopt_core::prompty::JinjaNode;
use promptopt_core::template::{self, Block, Node};
use promptopt_core::text::Span;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

use super::World;
use crate::convert::Lines;

/// XML-like tags nested deeper than this are not followed: prompts nest a few levels.
const MAX_XML_DEPTH: usize = 64;

pub fn folding_ranges(world: &World) -> Option<Vec<FoldingRange>> {
    let lines = world.snapshot.lines();
    let mut folds = Folds {
        lines,
        ranges: Vec::new(),
    };
    world.with_context(|cx| {
        front_matter(cx, &mut folds);
        turns(cx, &mut folds);
        handlebars(cx, &mut folds);
        jinja(cx, &mut folds);
        code_fences(cx, &mut folds);
        xml_sections(cx, &mut folds);
    });
    let mut ranges = folds.ranges;
    ranges.sort_by_key(|r| (r.start_line, std::cmp::Reverse(r.end_line)));
    ranges.dedup_by_key(|r| (r.start_line, r.end_line));
    Some(ranges)
}

struct Folds<'a> {
    lines: Lines<'a>,
    ranges: Vec<FoldingRange>,
}

impl Folds<'_> {
    fn line(&self, offset: usize) -> u32 {
        u32::try_from(self.lines.index.line_of(offset)).unwrap_or(u32::MAX)
    }

    /// Folds the lines from the one holding `start` through the one holding the last
    /// character before `end`.
    fn through(&mut self, start: usize, end: usize, kind: Option<FoldingRangeKind>) {
        let last = end.saturating_sub(1).max(start);
        self.push(self.line(start), self.line(last), kind);
    }

    /// Folds from the line holding `start` up to the tag at `next`: through the line before
    /// it when the tag starts its line, else through the tag's line.
    fn until_tag(&mut self, start: usize, next: usize) {
        let next_line = self.line(next);
        let line_start = self
            .lines
            .index
            .line_span(self.lines.text, next_line as usize)
            .start;
        let starts_line = self
            .lines
            .text
            .get(line_start..next)
            .is_some_and(|before| before.trim().is_empty());
        let end = if starts_line {
            next_line.saturating_sub(1)
        } else {
            next_line
        };
        self.push(self.line(start), end, None);
    }

    fn push(&mut self, start_line: u32, end_line: u32, kind: Option<FoldingRangeKind>) {
        if end_line > start_line {
            self.ranges.push(FoldingRange {
                start_line,
                start_character: None,
                end_line,
                end_character: None,
                kind,
                collapsed_text: None,
            });
        }
    }
}

fn trim_end(span: Span, source: &str) -> Span {
    Span::new(span.start, span.start + span.text(source).trim_end().len())
}

fn front_matter(cx: &Context<'_>, folds: &mut Folds<'_>) {
    let split = match (cx.document(), cx.prompty()) {
        (Some(document), _) => document.front_matter.split(),
        (_, Some(document)) => document.front_matter.split(),
        _ => None,
    };
    if let Some(split) = split {
        let block = trim_end(split.block, cx.source());
        folds.through(block.start, block.end, None);
    }
}

/// Each role turn, from its marker to its last non-blank line.
fn turns(cx: &Context<'_>, folds: &mut Folds<'_>) {
    for turn in cx.turns().iter().filter(|turn| turn.marker.is_some()) {
        let span = trim_end(turn.span, cx.source());
        folds.through(span.start, span.end, None);
    }
}

/// Blocks (each branch up to the next `{{else}}` or the close tag) and multi-line comments.
fn handlebars(cx: &Context<'_>, folds: &mut Folds<'_>) {
    let Some(document) = cx.document() else {
        return;
    };
    template::walk(&document.template.nodes, &mut |node| match node {
        Node::Block(block) => block_branches(block, folds),
        Node::Comment(comment) => {
            folds.through(
                comment.tag.span.start,
                comment.tag.span.end,
                Some(FoldingRangeKind::Comment),
            );
        }
        _ => {}
    });
}

fn block_branches(block: &Block, folds: &mut Folds<'_>) {
    let mut start = block.open.span.start;
    for branch in &block.else_branches {
        folds.until_tag(start, branch.tag.span.start);
        start = branch.tag.span.start;
    }
    match &block.close {
        Some(close) => folds.until_tag(start, close.tag.span.start),
        // An unclosed block runs to its last child.
        None => folds.through(start, block.span.end, None),
    }
}

/// Prompty's Jinja blocks (`{% for %}` … `{% endfor %}`, by branch) and multi-line comments.
fn jinja(cx: &Context<'_>, folds: &mut Folds<'_>) {
    let Some(document) = cx.prompty() else {
        return;
    };
    // Each open block: its keyword and where its current branch starts.
    let mut open: Vec<(&str, usize)> = Vec::new();
    for node in &document.nodes {
        match node {
            JinjaNode::Statement {
                span,
                keyword,
                args,
            } => {
                let keyword = keyword.as_str();
                if let Some(closed) = keyword.strip_prefix("end") {
                    if let Some(at) = open.iter().rposition(|(k, _)| *k == closed) {
                        if let Some((_, start)) = open.get(at) {
                            folds.until_tag(*start, span.start);
                        }
                        open.truncate(at);
                    }
                } else if matches!(keyword, "elif" | "else") {
                    if let Some((_, start)) = open.last_mut() {
                        folds.until_tag(*start, span.start);
                        *start = span.start;
                    }
                } else if opens_block(keyword, args.text(cx.source())) && open.len() < MAX_XML_DEPTH
                {
                    open.push((keyword, span.start));
                }
            }
            JinjaNode::Comment { span, .. } => {
                folds.through(span.start, span.end, Some(FoldingRangeKind::Comment));
            }
            JinjaNode::Text(_) | JinjaNode::Output { .. } => {}
        }
    }
}

fn opens_block(keyword: &str, args: &str) -> bool {
    match keyword {
        "for" | "if" | "block" | "macro" | "call" | "filter" | "with" | "autoescape" | "raw" => {
            true
        }
        // `{% set x %}…{% endset %}` captures a block; `{% set x = 1 %}` does not.
        "set" => !args.contains('='),
        _ => false,
    }
}

/// Fenced code blocks (```` ``` ```` or `~~~`), from the opening fence through the closing one.
fn code_fences(cx: &Context<'_>, folds: &mut Folds<'_>) {
    let source = cx.source();
    let body = cx.body();
    let mut open: Option<(usize, &str)> = None;
    let mut offset = body.start;
    for line in body.text(source).split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f));
        match (open, fence) {
            (None, Some(fence)) => open = Some((offset, fence)),
            (Some((start, opened)), Some(fence)) if fence == opened => {
                folds.through(start, offset + line.trim_end().len(), None);
                open = None;
            }
            _ => {}
        }
        offset += line.len();
    }
}

/// `<tag>` … `</tag>` in the prose spanning lines, up to the line before the closing tag.
fn xml_sections(cx: &Context<'_>, folds: &mut Folds<'_>) {
    let source = cx.source();
    let mut open: Vec<(&str, usize)> = Vec::new();
    for prose in cx.prose() {
        for (at, name, closing) in xml_tags(source, prose.span) {
            if cx.in_code_block(at) {
                continue;
            }
            if !closing {
                if open.len() < MAX_XML_DEPTH {
                    open.push((name, at));
                }
                continue;
            }
            if let Some(index) = open.iter().rposition(|(n, _)| *n == name) {
                if let Some((_, start)) = open.get(index) {
                    folds.until_tag(*start, at);
                }
                open.truncate(index);
            }
        }
    }
}

/// The XML-like tags in a span of text: where each starts, its name, and whether it closes.
/// Self-closing tags (`<br/>`) and comparisons (`a < b`) are not tags.
fn xml_tags(source: &str, span: Span) -> Vec<(usize, &str, bool)> {
    let text = span.text(source);
    let mut tags = Vec::new();
    // Where the next `>` or line break is: tags start in increasing order, so this only moves
    // forward and the whole scan stays linear even on a line full of `<`.
    let mut stop: Option<usize> = None;
    for (i, _) in text.match_indices('<') {
        let rest = text.get(i + 1..).unwrap_or("");
        let (closing, rest) = match rest.strip_prefix('/') {
            Some(after) => (true, after),
            None => (false, rest),
        };
        let Some(name) = rest.get(..xml_name_len(rest)).filter(|n| !n.is_empty()) else {
            continue;
        };
        let name_end = text.len() - rest.len() + name.len();
        if stop.is_none_or(|at| at < name_end) {
            stop = text
                .get(name_end..)
                .and_then(|after| after.find(['>', '\n']))
                .map(|at| name_end + at);
        }
        let Some(close) = stop.filter(|&at| text.as_bytes().get(at) == Some(&b'>')) else {
            continue;
        };
        let attributes = text.get(name_end..close).unwrap_or("");
        let well_formed = attributes.is_empty() || attributes.starts_with([' ', '\t']);
        if well_formed && !attributes.ends_with('/') {
            tags.push((span.start + i, name, closing));
        }
    }
    tags
}

/// The length of the tag name `text` starts with: a letter, then letters, digits, `_-.:`.
fn xml_name_len(text: &str) -> usize {
    text.char_indices()
        .find(|(j, c)| {
            !(c.is_ascii_alphabetic()
                || (*j > 0 && (c.is_ascii_digit() || matches!(c, '_' | '-' | '.' | ':'))))
        })
        .map_or(text.len(), |(j, _)| j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testing::world;

    fn folds(name: &str, text: &str) -> Vec<(u32, u32, Option<FoldingRangeKind>)> {
        let (world, _) = world(name, text);
        folding_ranges(&world)
            .unwrap()
            .into_iter()
            .map(|r| (r.start_line, r.end_line, r.kind))
            .collect()
    }

    #[test]
    fn dotprompt_front_matter_turns_blocks_and_comments_fold() {
        let text = "\
---
model: x
input:
  schema:
    items(array): string
---
{{role \"system\"}}
{{!--
  a note
--}}
{{#each items}}
- {{this}}
{{else}}
nothing
{{/each}}
{{role \"user\"}}
Hi {{#if x}}inline{{/if}}
";
        assert_eq!(
            folds("a.prompt", text),
            [
                (0, 5, None),
                (6, 14, None),
                (7, 9, Some(FoldingRangeKind::Comment)),
                (10, 11, None),
                (12, 13, None),
                (15, 16, None),
            ]
        );
    }

    #[test]
    fn code_fences_and_xml_sections_fold_in_prose() {
        let text = "\
<context>
  <doc id=\"1\">
  text
  </doc>
</context>
```json
{\"a\": \"<b>\"}
```
a < b and <br/> are not tags
<unclosed>
x
";
        assert_eq!(
            folds("a.prompt", text),
            [(0, 3, None), (1, 2, None), (5, 7, None)]
        );
    }

    #[test]
    fn prompty_roles_and_jinja_blocks_fold() {
        let text = "\
---
name: chat
---
system:
{% for item in items %}
- {{ item }}
{% else %}
none
{% endfor %}
{# a
   comment #}
user:
{{ question }}
";
        assert_eq!(
            folds("chat.prompty", text),
            [
                (0, 2, None),
                (3, 10, None),
                (4, 5, None),
                (6, 7, None),
                (9, 10, Some(FoldingRangeKind::Comment)),
                (11, 12, None),
            ]
        );
    }

    #[test]
    fn broken_templates_and_crlf_still_fold_without_panicking() {
        let text =
            "---\r\nname: [unclosed\r\n---\r\n{{#if x}}\r\n😀 {{#each y}}\r\nz\r\n{{!-- open";
        let ranges = folds("a.prompt", text);
        assert!(ranges.contains(&(0, 2, None)), "{ranges:?}");
        assert!(
            ranges
                .iter()
                .all(|(start, end, _)| start < end && *end <= 6)
        );
        // Long lines full of almost-tags stay linear to scan.
        let hostile = "<a ".repeat(100_000) + "\n" + &"{{#if x}}\n".repeat(300);
        for text in [
            "{{",
            "{{#",
            "<",
            "</",
            "```",
            "---\n",
            "\u{feff}---\nx: 1\n---\n",
            &hostile,
        ] {
            folds("a.prompt", text);
            folds("a.prompty", text);
            folds("a.md", text);
        }
    }
}
