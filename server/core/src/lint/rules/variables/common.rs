//! Helpers the variable rules (and the safety rules on untrusted inputs) share: where the
//! path an author wrote sits inside the resolved input path, and the front-matter edits their
//! fixes make (insert a field into the schema, delete a field's lines).

use serde_json::Value;

use crate::lint::text::{line_end, line_ending, line_start};
use crate::lint::{Context, Format, Inputs, VariableUse};
use crate::template::{Expr, Node, parse_template};
use crate::text::Span;

/// How a use's path, as written, lines up with the path it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Anchor {
    /// Index in the resolved path of the first segment the author wrote; the segments
    /// before it come from the context (`#each`/`#with`, a partial's context, a block param).
    /// Resolved segment `i` (for `i >= k`) was written as segment `i - k`.
    pub k: usize,
    /// The first written segment is a block param or partial argument (`item` in
    /// `{{#each items as |item|}}`), not a field of the context: it is always defined.
    pub bound: bool,
    /// The file spans of the written segments (after `@root`, `this` and `../`), when the
    /// use is in this file and its path could be read.
    pub segments: Option<Vec<Span>>,
    /// The written segment names (after `@root`, `this` and `../`).
    pub names: Vec<String>,
}

/// Lines a use up with its resolved path (`path` is the use's `Resolved::Input`).
pub(crate) fn anchor(cx: &Context<'_>, found: &VariableUse, path: &[String]) -> Anchor {
    let Some((names, spans)) = written_segments(&found.written) else {
        // Jinja syntax we cannot read as a path: the path is taken from the root.
        return Anchor {
            k: 0,
            bound: false,
            segments: None,
            names: path.to_vec(),
        };
    };
    let k = path.len().saturating_sub(names.len());
    let bound = path.get(k..).is_none_or(|tail| tail != names.as_slice());
    let segments =
        (found.via_partial.is_none() && cx.text(found.span) == found.written).then(|| {
            spans
                .iter()
                .map(|s| s.shift(found.span.start))
                .collect::<Vec<_>>()
        });
    Anchor {
        k,
        bound,
        segments,
        names,
    }
}

/// The names a plain path is written with (`items`, `user.posts`); `None` for `@` and `../`
/// paths and text that is not a path.
pub(crate) fn written_names(written: &str) -> Option<Vec<String>> {
    let trimmed = written.trim();
    if trimmed.starts_with('@') || trimmed.starts_with("..") {
        return None;
    }
    written_segments(trimmed).map(|(names, _)| names)
}

/// The named segments of a path as written, with spans relative to the path's start.
fn written_segments(written: &str) -> Option<(Vec<String>, Vec<Span>)> {
    let source = format!("{{{{{written}}}}}");
    let template = parse_template(&source, 0);
    if !template.errors.is_empty() {
        return None;
    }
    let [Node::Expression(expression)] = template.nodes.as_slice() else {
        return None;
    };
    if expression.call.has_arguments() {
        return None;
    }
    let Expr::Path(path) = &expression.call.target else {
        return None;
    };
    let mut segments = path.segments.as_slice();
    if path.data {
        // `@root.x`: the names after `root`; other data variables have no input path.
        match segments.split_first() {
            Some((first, rest)) if first.name == "root" => segments = rest,
            _ => return None,
        }
    }
    let names = segments.iter().map(|s| s.name.clone()).collect();
    // The template started two bytes (`{{`) before the path.
    let spans = segments
        .iter()
        .map(|s| Span::new(s.span.start.saturating_sub(2), s.span.end.saturating_sub(2)))
        .collect();
    Some((names, spans))
}

/// The candidate closest to `word` within a distance that still reads as a typo. Like
/// [`crate::lint::text::did_you_mean`], but a swap of two neighbouring letters (`nmae`,
/// `titel`, the commonest field-name typo) costs one edit, not two.
pub(crate) fn closest<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1);
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(&word, &c.to_lowercase()), c))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

/// Blocks whose body's context the variable analysis cannot follow: custom block helpers and
/// mustache-style sections (`{{#user}}…{{/user}}` iterates or enters `user` at run time).
/// Rules that judge a path's resolution stay quiet inside them.
pub(crate) fn opaque_blocks(cx: &Context<'_>) -> Vec<Span> {
    let Some(document) = cx.document() else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    crate::template::walk(&document.template.nodes, &mut |node| {
        if let Node::Block(block) = node
            && block.kind == crate::template::BlockKind::Section
            && !matches!(
                block.name(),
                Some("if" | "unless" | "each" | "with" | "ifEquals" | "unlessEquals")
            )
        {
            spans.push(Span::new(block.open.span.end, block.span.end));
        }
    });
    spans
}

/// Where the declared inputs live, for messages: `input.schema` or `inputs`.
pub(crate) fn schema_place(cx: &Context<'_>) -> &'static str {
    match cx.format() {
        Format::Prompty => "`inputs`",
        _ => "input.schema",
    }
}

/// A readable list of names for a message, shortened after a few.
pub(crate) fn list(names: &[&str]) -> String {
    const SHOWN: usize = 8;
    let mut out: Vec<String> = names.iter().take(SHOWN).map(|n| n.to_string()).collect();
    if names.len() > SHOWN {
        out.push(format!("… {} more", names.len() - SHOWN));
    }
    out.join(", ")
}

/// What kind of value a new field should declare, from how the template uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewField {
    String,
    Array,
    Any,
}

/// The YAML lines declaring a new top-level field `name` in `inputs`, indented by `indent`.
pub(crate) fn field_declaration(
    inputs: &Inputs,
    name: &str,
    kind: NewField,
    indent: &str,
) -> String {
    if inputs.picoschema {
        match kind {
            NewField::String => format!("{name}: string"),
            NewField::Array => format!("{name}(array): string"),
            NewField::Any => format!("{name}: any"),
        }
    } else {
        let inner = format!("{indent}  ");
        match kind {
            NewField::String => format!("{name}:\n{inner}type: string"),
            NewField::Array => {
                format!("{name}:\n{inner}type: array\n{inner}items:\n{inner}  type: string")
            }
            NewField::Any => format!("{name}: {{}}"),
        }
    }
}

/// Where to insert a new top-level field into the declared inputs: the end of the mapping's
/// last line, and the indentation its fields use. `None` for flow-style or empty mappings.
pub(crate) fn schema_insertion(cx: &Context<'_>, inputs: &Inputs) -> Option<(usize, String)> {
    let spans = cx.front_matter()?.spans;
    let base = &inputs.yaml_path;
    let source = cx.source();
    let mut indent = None;
    let mut end = 0;
    for node in spans.nodes() {
        if node.path.len() <= base.len() || !node.path.starts_with(base) {
            continue;
        }
        if node.path.len() == base.len() + 1 && indent.is_none() {
            let key = node.key?;
            let line_start = line_start(source, key.start);
            let prefix = source.get(line_start..key.start)?;
            if !prefix.chars().all(|c| c == ' ' || c == '\t') {
                return None;
            }
            indent = Some(prefix.to_string());
        }
        end = end.max(node.value.end).max(node.key.map_or(0, |k| k.end));
    }
    let indent = indent?;
    let at = line_end(source, end.saturating_sub(1).max(line_start(source, end)));
    Some((at, indent))
}

/// The edit text and position adding field `name` to the declared inputs.
pub(crate) fn add_field_edit(
    cx: &Context<'_>,
    inputs: &Inputs,
    name: &str,
    kind: NewField,
) -> Option<(usize, String, String)> {
    let (at, indent) = schema_insertion(cx, inputs)?;
    let source = cx.source();
    // Before the line's `\r` in a CRLF file, so the new lines end like the others.
    let at = if source.get(..at).is_some_and(|s| s.ends_with('\r')) {
        at - 1
    } else {
        at
    };
    let nl = line_ending(source);
    let declaration = field_declaration(inputs, name, kind, &indent);
    let summary = declaration.lines().next().unwrap_or_default().to_string();
    let declaration = declaration.replace('\n', nl);
    Some((at, format!("{nl}{indent}{declaration}"), summary))
}

/// The JSON type names a value satisfies (`3` is both an integer and a number).
pub(crate) fn json_types(value: &Value) -> &'static [&'static str] {
    match value {
        Value::Null => &["null"],
        Value::Bool(_) => &["boolean"],
        Value::Number(n) if n.is_i64() || n.is_u64() => &["integer", "number"],
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => &["integer", "number"],
        Value::Number(_) => &["number"],
        Value::String(_) => &["string"],
        Value::Array(_) => &["array"],
        Value::Object(_) => &["object"],
    }
}

/// Describes a schema node's type for messages: `a string`, `an array`, `a value`.
pub(crate) fn describe_type(node: &Value) -> String {
    let types: Vec<&str> = types(node).into_iter().filter(|t| *t != "null").collect();
    match types.as_slice() {
        [] if node.get("enum").is_some() => "an enum value".into(),
        [] => "a value".into(),
        [one] => with_article(one),
        many => many.join(" or "),
    }
}

/// The JSON Schema type names of a node (`type: [string, null]` gives both).
pub(crate) fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn with_article(word: &str) -> String {
    let article = if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}

/// The line of a dotprompt template that holds a tag, when that line holds nothing but text,
/// comments and plain `{{…}}` tags from the same block (so it can be wrapped or moved whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InlineLine {
    /// The line without its line break.
    pub line: Span,
    /// The line's text without the leading and trailing whitespace.
    pub content: Span,
    /// The `{{…}}` tag holding the offset.
    pub tag: Span,
    /// The line is at the template's top level, outside any block.
    pub top_level: bool,
}

/// The `{{…}}` tag around `offset` in a dotprompt template, and its line when the line can be
/// treated as a unit.
pub(crate) fn tag_line(cx: &Context<'_>, offset: usize) -> Option<(Span, Option<InlineLine>)> {
    let document = cx.document()?;
    let (siblings, index, depth) = find_expression(&document.template.nodes, offset, 0)?;
    let Some(Node::Expression(expression)) = siblings.get(index) else {
        return None;
    };
    let tag = expression.tag.span;
    let source = cx.source();
    let line = Span::new(line_start(source, tag.start), line_end(source, tag.end));
    let text = line.text(source);
    let lead = text.len() - text.trim_start().len();
    let content = Span::new(line.start + lead, line.start + text.trim_end().len());
    let overlapping: Vec<&Node> = siblings
        .iter()
        .filter(|node| {
            let span = node.span();
            span.start < content.end && content.start < span.end
        })
        .collect();
    let inline = overlapping.iter().all(|node| match node {
        Node::Text(_) | Node::Comment(_) => true,
        Node::Expression(e) => !matches!(
            e.call.simple_name(),
            Some("role" | "history" | "section" | "media")
        ),
        _ => false,
    });
    let covered = overlapping
        .first()
        .is_some_and(|n| n.span().start <= content.start)
        && overlapping
            .last()
            .is_some_and(|n| n.span().end >= content.end);
    let whole = (inline && covered).then_some(InlineLine {
        line,
        content,
        tag,
        top_level: depth == 0,
    });
    Some((tag, whole))
}

/// The node list and index of the expression whose tag contains `offset`, and its depth.
fn find_expression(nodes: &[Node], offset: usize, depth: usize) -> Option<(&[Node], usize, usize)> {
    for (index, node) in nodes.iter().enumerate() {
        if !node.span().contains(offset) {
            continue;
        }
        match node {
            Node::Expression(e) if e.tag.span.contains(offset) => {
                return Some((nodes, index, depth));
            }
            Node::Block(block) => {
                if let Some(found) = find_expression(&block.body, offset, depth + 1) {
                    return Some(found);
                }
                for branch in &block.else_branches {
                    if let Some(found) = find_expression(&branch.body, offset, depth + 1) {
                        return Some(found);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The text a dotprompt source renders to with `input` (the first message's text parts), for
/// tests that check a rule's verdict against the renderer.
#[cfg(test)]
pub(crate) fn rendered(source: &str, input: Value) -> String {
    use crate::render::{DataArgument, RenderEnv, render};
    let document = crate::document::Document::parse(source);
    let data = DataArgument {
        input: input.as_object().cloned().unwrap_or_default(),
        ..DataArgument::default()
    };
    let no_partials = |_: &str| None;
    let env = RenderEnv {
        partials: &no_partials,
        schemas: &crate::schema::NoSchemas,
    };
    let Ok(out) = render(&document, &data, &serde_json::Map::new(), &env) else {
        return "<render error>".into();
    };
    let mut text = String::new();
    for message in out["messages"].as_array().into_iter().flatten() {
        for part in message["content"].as_array().into_iter().flatten() {
            text.push_str(part["text"].as_str().unwrap_or_default());
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{LintOptions, NoWorkspace, ParsedFile, Resolved};

    fn anchors(source: &str) -> Vec<(String, usize, bool)> {
        let file = ParsedFile::parse(source, Format::Dotprompt);
        let options = LintOptions::default();
        let cx = Context::new("p.prompt", &file, &options, &NoWorkspace);
        cx.uses()
            .iter()
            .filter_map(|u| match &u.resolved {
                Resolved::Input(path) => {
                    let a = anchor(&cx, u, path);
                    Some((u.written.clone(), a.k, a.bound))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn anchors_follow_scopes_and_bindings() {
        let got = anchors(
            "{{a.b}}{{#each items as |item|}}{{name}}{{item.id}}{{this.x}}{{../t}}{{@root.u.v}}{{/each}}",
        );
        let expect = [
            ("a.b", 0, false),
            ("items", 0, false),
            ("name", 2, false),
            ("item.id", 1, true),
            ("this.x", 2, false),
            ("../t", 0, false),
            ("@root.u.v", 0, false),
        ];
        let expect: Vec<(String, usize, bool)> = expect
            .iter()
            .map(|(a, b, c)| (a.to_string(), *b, *c))
            .collect();
        assert_eq!(got, expect);
    }
}
