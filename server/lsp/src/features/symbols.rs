//! Document symbols (front matter, roles, sections, blocks) and workspace symbols (prompts
//! and partials).
//!
//! The outline nests by containment: the front matter with its keys (schema fields under
//! `input.schema`), then each role turn, with the Markdown sections and template blocks
//! inside it wherever they sit. A block that straddles a turn boundary is listed beside the
//! turns rather than cut.

mod workspace;

pub(super) use workspace::prompt_files;

use std::cmp::Reverse;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use promptopt_core::document::{SpanMap, Split, YamlNode};
use promptopt_core::lint::{Context, ParsedFile};
use promptopt_core::schema::picoschema::FieldKey;
use promptopt_core::template::{self, Node};
use promptopt_core::text::Span;
use tower_lsp_server::ls_types::{
    DocumentSymbol, DocumentSymbolResponse, SymbolKind, WorkspaceSymbolResponse,
};

use super::World;
use crate::convert::Lines;
use crate::documents::Snapshot;

/// Front matter nested deeper than this is listed down to here: enough for any real prompt,
/// and it bounds the recursion on hostile YAML.
const MAX_YAML_DEPTH: usize = 12;
/// Bounds the outline of a pathological file (thousands of blocks) to stay responsive.
const MAX_ITEMS: usize = 5_000;
/// Details longer than this are cut: the outline is for finding things, not reading them.
const MAX_DETAIL_CHARS: usize = 60;

pub fn document_symbols(world: &World) -> Option<DocumentSymbolResponse> {
    let lines = world.snapshot.lines();
    let symbols = world.with_context(|cx| outline(cx, &lines));
    Some(DocumentSymbolResponse::Nested(symbols))
}

pub fn workspace_symbols(
    roots: &[PathBuf],
    open: &[Arc<Snapshot>],
    query: &str,
) -> Option<WorkspaceSymbolResponse> {
    Some(WorkspaceSymbolResponse::Nested(workspace::symbols(
        roots, open, query,
    )))
}

fn outline(cx: &Context<'_>, lines: &Lines<'_>) -> Vec<DocumentSymbol> {
    let mut symbols: Vec<DocumentSymbol> = front_matter(cx, lines).into_iter().collect();
    let mut items = turns(cx);
    items.extend(blocks(cx).into_iter().take(MAX_ITEMS));
    items.extend(headings(cx, &items));
    items.truncate(MAX_ITEMS);
    symbols.extend(nest(items, lines));
    symbols
}

// ---- the body: turns, sections and blocks -------------------------------------------------

/// One entry of the body's outline before nesting.
struct Item {
    name: String,
    kind: SymbolKind,
    range: Span,
    selection: Span,
    /// Breaks ties between equal ranges: the lower rank contains the higher.
    rank: u8,
}

/// The role turns, when the prompt has role markers (one implicit turn says nothing).
fn turns(cx: &Context<'_>) -> Vec<Item> {
    let turns = cx.turns();
    if turns.iter().all(|turn| turn.marker.is_none()) {
        return Vec::new();
    }
    turns
        .iter()
        .filter_map(|turn| {
            let range = trim_end(turn.span, cx.source());
            if range.is_empty() {
                return None;
            }
            Some(Item {
                name: turn.role.clone(),
                kind: SymbolKind::NAMESPACE,
                range,
                selection: turn.marker.unwrap_or(Span::empty(range.start)),
                rank: 0,
            })
        })
        .collect()
}

/// Every template block, named by its open tag (`#each items as |item|`).
fn blocks(cx: &Context<'_>) -> Vec<Item> {
    let Some(document) = cx.document() else {
        return Vec::new();
    };
    let source = cx.source();
    let mut items = Vec::new();
    template::walk(&document.template.nodes, &mut |node| {
        if let Node::Block(block) = node {
            items.push(Item {
                name: tag_label(block.open.span.text(source)),
                kind: SymbolKind::FUNCTION,
                range: block.span,
                selection: block.open.span,
                rank: 2,
            });
        }
    });
    items
}

/// `{{~#each  items ~}}` → `#each items`.
fn tag_label(tag: &str) -> String {
    let inner = tag.trim_start_matches('{').trim_end_matches('}');
    let inner = inner.trim_start_matches('~').trim_end_matches('~');
    let words: Vec<&str> = inner.split_whitespace().collect();
    truncate(&words.join(" "))
}

/// Markdown headings in the prose (not in code blocks), each a section running to the next
/// heading of the same or a higher level, or to the end of the turn or block it is in.
fn headings(cx: &Context<'_>, containers: &[Item]) -> Vec<Item> {
    let source = cx.source();
    let found: Vec<(usize, Span, String)> = cx
        .prose()
        .iter()
        .flat_map(|prose| line_starts(source, prose.span, cx.body().start))
        .filter(|start| !cx.in_code_block(*start))
        .filter_map(|start| heading_at(source, start))
        .take(MAX_ITEMS)
        .collect();
    let peer_ends = next_peer_starts(&found);
    found
        .into_iter()
        .zip(peer_ends)
        .map(|((_, line, title), next_peer)| {
            // The innermost turn or block holding the heading bounds its section.
            let container_end = containers
                .iter()
                .filter(|c| c.range.start <= line.start && line.end <= c.range.end)
                .map(|c| c.range.end)
                .min()
                .unwrap_or(cx.body().end);
            let end = next_peer.min(container_end).max(line.end);
            Item {
                name: title,
                kind: SymbolKind::STRING,
                range: trim_end(Span::new(line.start, end), source),
                selection: line,
                rank: 1,
            }
        })
        .collect()
}

/// For each heading, where the next heading of the same or a higher level starts
/// (`usize::MAX` when none does), in one pass with a stack of the headings still open.
fn next_peer_starts(headings: &[(usize, Span, String)]) -> Vec<usize> {
    let mut ends = vec![usize::MAX; headings.len()];
    let mut open: Vec<(usize, usize)> = Vec::new();
    for (i, (level, line, _)) in headings.iter().enumerate() {
        while let Some(&(open_level, index)) = open.last() {
            if open_level < *level {
                break;
            }
            if let Some(end) = ends.get_mut(index) {
                *end = line.start;
            }
            open.pop();
        }
        open.push((*level, i));
    }
    ends
}

/// The offsets in `span` where a source line starts.
fn line_starts(source: &str, span: Span, body_start: usize) -> Vec<usize> {
    let text = span.text(source);
    let first = (span.start == body_start
        || span.start == 0
        || source.as_bytes().get(span.start - 1) == Some(&b'\n'))
    .then_some(span.start);
    let rest = text
        .match_indices('\n')
        .map(|(i, _)| span.start + i + 1)
        .filter(|at| *at < span.end);
    first.into_iter().chain(rest).collect()
}

/// A Markdown ATX heading (`## Title`) on the line starting at `start`: its level, the line's
/// span and its title.
fn heading_at(source: &str, start: usize) -> Option<(usize, Span, String)> {
    let rest = source.get(start..)?;
    let line = rest
        .split('\n')
        .next()
        .unwrap_or(rest)
        .trim_end_matches('\r');
    let indent = line.len() - line.trim_start_matches(' ').len();
    if indent > 3 {
        return None;
    }
    let marks = line.get(indent..)?;
    let level = marks.len() - marks.trim_start_matches('#').len();
    let after = marks.get(level..)?;
    if !(1..=6).contains(&level) || !after.starts_with([' ', '\t']) {
        return None;
    }
    let title = after.trim().trim_end_matches('#').trim_end();
    if title.is_empty() {
        return None;
    }
    Some((level, Span::new(start, start + line.len()), truncate(title)))
}

/// Nests items by containment: each goes under the innermost earlier item that contains it.
fn nest(mut items: Vec<Item>, lines: &Lines<'_>) -> Vec<DocumentSymbol> {
    items.sort_by_key(|item| (item.range.start, Reverse(item.range.end), item.rank));
    let mut roots = Vec::new();
    let mut open: Vec<(Span, DocumentSymbol)> = Vec::new();
    for item in items {
        while open.last().is_some_and(|(range, _)| {
            !(range.start <= item.range.start && item.range.end <= range.end)
        }) {
            close_innermost(&mut open, &mut roots);
        }
        open.push((item.range, symbol(item, lines)));
    }
    while !open.is_empty() {
        close_innermost(&mut open, &mut roots);
    }
    roots
}

fn close_innermost(open: &mut Vec<(Span, DocumentSymbol)>, roots: &mut Vec<DocumentSymbol>) {
    let Some((_, done)) = open.pop() else {
        return;
    };
    match open.last_mut() {
        Some((_, parent)) => parent.children.get_or_insert_with(Vec::new).push(done),
        None => roots.push(done),
    }
}

#[allow(deprecated)] // `deprecated` must be written out; `tags` replaces it.
fn symbol(item: Item, lines: &Lines<'_>) -> DocumentSymbol {
    DocumentSymbol {
        name: item.name,
        detail: None,
        kind: item.kind,
        tags: None,
        deprecated: None,
        range: lines.range(item.range),
        selection_range: lines.range(item.selection),
        children: None,
    }
}

// ---- the front matter ---------------------------------------------------------------------

fn front_matter(cx: &Context<'_>, lines: &Lines<'_>) -> Option<DocumentSymbol> {
    let (split, spans): (&Split, Option<&SpanMap>) = match cx.file {
        ParsedFile::Dotprompt(document) => (
            document.front_matter.split()?,
            document.front_matter.spans(),
        ),
        ParsedFile::Prompty(document) => (
            document.front_matter.split()?,
            document.front_matter.spans(),
        ),
        ParsedFile::Plain(_) => return None,
    };
    let source = cx.source();
    let range = trim_end(split.block, source);
    let fence = Span::new(range.start, (range.start + 3).min(range.end));
    let children = spans
        .map(|spans| YamlTree::new(spans.nodes()).symbols(None, 0, source, lines))
        .filter(|children| !children.is_empty());
    let mut symbol = symbol(
        Item {
            name: "front matter".into(),
            kind: SymbolKind::MODULE,
            range,
            selection: fence,
            rank: 0,
        },
        lines,
    );
    symbol.children = children;
    Some(symbol)
}

/// The mapping entries of the front matter as a tree, built in one pass over the nodes (a
/// scan per entry would be quadratic in a large front matter).
struct YamlTree<'a> {
    nodes: &'a [YamlNode],
    /// The entries under each node by index; `None` holds the top-level entries.
    children: HashMap<Option<usize>, Vec<usize>>,
}

impl<'a> YamlTree<'a> {
    fn new(nodes: &'a [YamlNode]) -> Self {
        // Nodes come in document order, so a node's parent is the latest node at its
        // parent's path (with a duplicated key, the copy it was written under).
        let mut latest: HashMap<&[String], usize> = HashMap::new();
        let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
        for (i, node) in nodes.iter().enumerate().take(MAX_ITEMS) {
            let Some((_, parent_path)) = node.path.split_last() else {
                continue;
            };
            let parent = if parent_path.is_empty() {
                None
            } else {
                match latest.get(parent_path) {
                    Some(&index) => Some(index),
                    None => continue,
                }
            };
            if node.key.is_some() {
                children.entry(parent).or_default().push(i);
            }
            latest.insert(&node.path, i);
        }
        Self { nodes, children }
    }

    /// The symbols of the entries directly under `parent`, each with its own entries.
    fn symbols(
        &self,
        parent: Option<usize>,
        depth: usize,
        source: &str,
        lines: &Lines<'_>,
    ) -> Vec<DocumentSymbol> {
        if depth >= MAX_YAML_DEPTH {
            return Vec::new();
        }
        self.children
            .get(&parent)
            .into_iter()
            .flatten()
            .filter_map(|&i| Some((i, self.nodes.get(i)?)))
            .filter_map(|(i, node)| Some((i, node, node.key?)))
            .map(|(i, node, key)| {
                let children = self.symbols(Some(i), depth + 1, source, lines);
                yaml_symbol(node, key, children, source, lines)
            })
            .collect()
    }
}

#[allow(deprecated)] // `deprecated` must be written out; `tags` replaces it.
fn yaml_symbol(
    node: &YamlNode,
    key: Span,
    children: Vec<DocumentSymbol>,
    source: &str,
    lines: &Lines<'_>,
) -> DocumentSymbol {
    let written = node.path.last().map_or("", String::as_str);
    let in_schema = node.path.len() > 2
        && matches!(
            node.path.first().map(String::as_str),
            Some("input" | "output")
        )
        && node.path.get(1).is_some_and(|s| s == "schema");
    let value = node.value.text(source);
    let (name, kind) = if in_schema {
        // A picoschema key is a field name with decorations (`tags?(array, …)`).
        let field = FieldKey::parse(written).name;
        let name = if field.is_empty() { written } else { field };
        (name.to_string(), SymbolKind::FIELD)
    } else if !children.is_empty() {
        (written.to_string(), SymbolKind::OBJECT)
    } else if value.starts_with(['[', '-']) {
        (written.to_string(), SymbolKind::ARRAY)
    } else {
        (written.to_string(), SymbolKind::PROPERTY)
    };
    let detail = (children.is_empty() && !value.contains('\n') && !value.is_empty())
        .then(|| truncate(value));
    let range = Span::new(key.start, node.value.end.max(key.end));
    DocumentSymbol {
        name: if name.is_empty() { "\"\"".into() } else { name },
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: lines.range(range),
        selection_range: lines.range(key),
        children: (!children.is_empty()).then_some(children),
    }
}

// ---- helpers ------------------------------------------------------------------------------

fn trim_end(span: Span, source: &str) -> Span {
    let text = span.text(source);
    Span::new(span.start, span.start + text.trim_end().len())
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
