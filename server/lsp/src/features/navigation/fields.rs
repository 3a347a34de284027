//! Input fields as navigation sees them: every place in one document that names or reads a
//! field (template uses and input-schema keys), keyed by the field's path from the input root.
//!
//! The linter's [`Context::uses`] already resolves each use through `#each`/`#with` scopes,
//! block params, `../` and `@root`; what it does not say is which *segment* of a path names
//! which field. That is worked out here by lining the segments up with the end of the
//! resolved path: in `{{#each items}}{{name}}{{/each}}` the use resolves to
//! `items.[].name`, so `name` names `items.name` and nothing in the tag names `items`.

use std::collections::HashMap;

use promptopt_core::lint::{Context, Format, Inputs, Resolved, VariableUse};
use promptopt_core::schema::picoschema::FieldKey;
use promptopt_core::template::{Block, BlockKind, Call, Expr, Node, Path};
use promptopt_core::text::Span;

/// A field's path from the input root without array-element steps: in
/// `{{#each items}}{{name}}{{/each}}` the use reads `["items", "name"]`, which
/// `items(array): {name: string}` declares.
pub type Field = Vec<String>;

/// One variable use in the template.
#[derive(Debug)]
pub struct Use {
    /// The field the whole path reads.
    pub field: Field,
    /// The path as written; for a use inside a partial, the tag including the partial.
    pub span: Span,
    /// The segments that name a field, with the field each one names: `user.name` names
    /// `["user"]` at `user` and `["user", "name"]` at `name`; a block param names none.
    pub named: Vec<(Field, Span)>,
    /// For a use inside a partial: the partial's name and the fields its path names there.
    pub via_partial: Option<(String, Vec<Field>)>,
}

/// A field's key in the input schema.
#[derive(Debug)]
pub struct Declaration {
    pub field: Field,
    /// The whole key as written (`name?(string, …)` in picoschema).
    pub key: Span,
    /// The field's name inside the key: what a rename replaces.
    pub name: Span,
}

/// What the cursor stands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub field: Field,
    /// The name under the cursor, when there is one to rename (`this` has none).
    pub name: Option<Span>,
}

/// Whether a place reads a field or declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Read,
    Declaration,
}

#[derive(Debug, Default)]
pub struct Fields {
    pub uses: Vec<Use>,
    pub declarations: Vec<Declaration>,
}

impl Fields {
    pub fn collect(cx: &Context<'_>) -> Fields {
        let uses = match cx.format() {
            Format::Dotprompt => dotprompt_uses(cx),
            Format::Prompty => prompty_uses(cx),
            Format::Plain => Vec::new(),
        };
        Fields {
            uses,
            declarations: declarations(cx),
        }
    }

    /// The field under the cursor: a segment naming one, a schema key, or a whole path that
    /// reads one without naming it (`{{this}}` inside `{{#each items}}`).
    pub fn at(&self, offset: usize) -> Option<Hit> {
        let named = self
            .uses
            .iter()
            .filter(|u| u.via_partial.is_none())
            .flat_map(|u| u.named.iter());
        let declared = self
            .declarations
            .iter()
            .map(|d| (&d.field, d.name))
            .chain(self.declarations.iter().map(|d| (&d.field, d.key)));
        let names: Vec<(&Field, Span)> = named.map(|(f, s)| (f, *s)).chain(declared).collect();
        if let Some((field, span)) = closest(&names, offset) {
            return Some(Hit {
                field: field.clone(),
                name: Some(span),
            });
        }
        let whole: Vec<(&Field, Span)> = self
            .uses
            .iter()
            .filter(|u| u.via_partial.is_none() && !u.field.is_empty())
            .map(|u| (&u.field, u.span))
            .collect();
        closest(&whole, offset).map(|(field, _)| Hit {
            field: field.clone(),
            name: None,
        })
    }

    /// Every place that reads `field` (or a field inside it) and, if asked, its declaration,
    /// in source order without duplicates. A use that names the field is reported at the
    /// name; one that reads it through its scope, at the whole path.
    pub fn references(&self, field: &Field, include_declaration: bool) -> Vec<(Span, Role)> {
        let mut found: Vec<(Span, Role)> = self
            .uses
            .iter()
            .filter(|u| u.field.starts_with(field))
            .map(|u| {
                let span = u
                    .named
                    .iter()
                    .find(|(named, _)| named == field)
                    .map_or(u.span, |(_, span)| *span);
                (span, Role::Read)
            })
            .collect();
        if include_declaration {
            found.extend(
                self.declarations
                    .iter()
                    .filter(|d| &d.field == field)
                    .map(|d| (d.name, Role::Declaration)),
            );
        }
        found.sort_by_key(|(span, _)| (span.start, span.end));
        found.dedup_by_key(|(span, _)| *span);
        found
    }

    /// The key declaring `field`, else the nearest declared field containing it (an open
    /// object's key, say). With a duplicated key, the last one: YAML keeps its value.
    pub fn declaration(&self, field: &Field) -> Option<&Declaration> {
        (1..=field.len()).rev().find_map(|len| {
            let prefix = field.get(..len)?;
            self.declarations
                .iter()
                .rev()
                .find(|d| d.field.as_slice() == prefix)
        })
    }

    /// The spans a rename of `field` replaces: each name of it in the template and in the
    /// schema. Refused when the new name is taken, or when a partial names the field (a
    /// rename here cannot follow it into the partial without breaking other includers).
    pub fn rename(&self, field: &Field, new_name: &str) -> Result<Vec<Span>, String> {
        let Some((old_name, parent)) = field.split_last() else {
            return Ok(Vec::new());
        };
        if old_name == new_name {
            return Ok(Vec::new());
        }
        let mut sibling = parent.to_vec();
        sibling.push(new_name.to_string());
        let taken = self.declarations.iter().any(|d| d.field == sibling)
            || self.uses.iter().any(|u| u.field.starts_with(&sibling));
        if taken {
            return Err(format!(
                "`{}` is already a field here: pick a name that is not in use",
                sibling.join(".")
            ));
        }
        if let Some((partial, _)) = self
            .uses
            .iter()
            .filter_map(|u| u.via_partial.as_ref())
            .find(|(_, named)| named.contains(field))
        {
            return Err(format!(
                "the partial `{partial}` reads `{}` by name, and a rename does not edit partials: rename it in `_{partial}.prompt` by hand, or pass the value to the partial as an argument",
                field.join(".")
            ));
        }
        let in_template = self
            .uses
            .iter()
            .flat_map(|u| u.named.iter())
            .filter(|(named, _)| named == field)
            .map(|(_, span)| *span);
        let in_schema = self
            .declarations
            .iter()
            .filter(|d| &d.field == field)
            .map(|d| d.name);
        let mut spans: Vec<Span> = in_template.chain(in_schema).collect();
        spans.sort();
        spans.dedup();
        Ok(spans)
    }
}

/// The entry whose span holds the offset; failing that, one ending right at it (the cursor
/// just after a name, where editors often leave it).
fn closest<'f>(entries: &[(&'f Field, Span)], offset: usize) -> Option<(&'f Field, Span)> {
    let inside = entries.iter().find(|(_, span)| span.contains(offset));
    let touching = || entries.iter().find(|(_, span)| span.end == offset);
    inside.or_else(touching).copied()
}

/// A resolved path as a field: array-element steps (`[]`, `0`) dropped.
fn field_of(resolved: &[String]) -> Field {
    resolved
        .iter()
        .filter(|segment| !is_element_step(segment))
        .cloned()
        .collect()
}

fn is_element_step(segment: &str) -> bool {
    segment == "[]" || (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
}

/// The fields a path's segments name. Segment `i` of `n` stands for the resolved path up to
/// `n - 1 - i` steps before its end, and names a field only when that step is its own name
/// (a block param or `@root` stands for a path it does not spell).
fn named_fields<'s>(
    segments: impl ExactSizeIterator<Item = (&'s str, Option<Span>)>,
    resolved: &[String],
    skip_first: bool,
) -> Vec<(Field, Option<Span>)> {
    let count = segments.len();
    segments
        .enumerate()
        .filter(|(i, _)| !(skip_first && *i == 0))
        .filter_map(|(i, (name, span))| {
            let depth = resolved.len().checked_sub(count - 1 - i)?;
            let prefix = resolved.get(..depth)?;
            let names_itself = prefix.last().is_some_and(|last| last == name);
            (names_itself && !is_element_step(name)).then(|| (field_of(prefix), span))
        })
        .collect()
}

// ---- dotprompt ----------------------------------------------------------------------------

fn dotprompt_uses(cx: &Context<'_>) -> Vec<Use> {
    let Some(document) = cx.document() else {
        return Vec::new();
    };
    let mut paths = HashMap::new();
    collect_paths(&document.template.nodes, &mut Vec::new(), &mut paths);
    cx.uses()
        .iter()
        .filter_map(|u| {
            let Resolved::Input(resolved) = &u.resolved else {
                return None;
            };
            match &u.via_partial {
                Some(partial) => Some(partial_use(u, resolved, partial)),
                None => {
                    let (path, bound) = paths.get(&u.span)?;
                    Some(template_use(u, resolved, path, *bound))
                }
            }
        })
        .collect()
}

fn template_use(u: &VariableUse, resolved: &[String], path: &Path, bound: bool) -> Use {
    let segments = path
        .segments
        .iter()
        .map(|s| (s.name.as_str(), Some(s.span)));
    let named = named_fields(segments, resolved, bound)
        .into_iter()
        .filter_map(|(field, span)| Some((field, span?)))
        .collect();
    Use {
        field: field_of(resolved),
        span: u.span,
        named,
        via_partial: None,
    }
}

/// A use inside a partial: its segments are read from the path as written there (their spans
/// point into the partial, so only the names are kept).
fn partial_use(u: &VariableUse, resolved: &[String], partial: &str) -> Use {
    let (data, names) = written_segments(&u.written);
    let segments = names.iter().map(|name| (name.as_str(), None));
    let named = named_fields(segments, resolved, false)
        .into_iter()
        .map(|(field, _)| field)
        .filter(|field| !(data && field.is_empty()))
        .collect();
    Use {
        field: field_of(resolved),
        span: u.span,
        named: Vec::new(),
        via_partial: Some((partial.to_string(), named)),
    }
}

/// The named segments of a Handlebars path as written (`@root.a.b` → `root`, `a`, `b`;
/// `../x` → `x`; `this.y` → `y`), and whether it is a data path.
fn written_segments(written: &str) -> (bool, Vec<String>) {
    let data = written.starts_with('@');
    let mut rest = written.trim_start_matches('@');
    loop {
        let stripped = ["../", "./", "this.", "this/"]
            .iter()
            .find_map(|prefix| rest.strip_prefix(prefix));
        match stripped {
            Some(shorter) => rest = shorter,
            None => break,
        }
    }
    let names = rest
        .split(['.', '/'])
        .filter(|name| !name.is_empty() && *name != "this")
        .map(|name| {
            name.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string()
        })
        .collect();
    (data, names)
}

/// Every path of the template by span, with whether its first segment is a block param of an
/// enclosing `#each`/`#with` (scoped exactly as the linter's analysis scopes them, so a
/// segment named like a field but bound as `as |user|` is never taken for the field).
fn collect_paths<'a>(
    nodes: &'a [Node],
    params: &mut Vec<&'a str>,
    out: &mut HashMap<Span, (&'a Path, bool)>,
) {
    for node in nodes {
        match node {
            Node::Expression(expression) => call_paths(&expression.call, params, out),
            Node::Partial(partial) => {
                let context = partial.context.iter();
                let hash = partial.hash.iter().map(|pair| &pair.value);
                for expr in context.chain(hash) {
                    expr_paths(expr, params, out);
                }
            }
            Node::Block(block) => block_paths(block, params, out),
            Node::Text(_) | Node::Comment(_) | Node::Invalid(_) => {}
        }
    }
}

fn block_paths<'a>(
    block: &'a Block,
    params: &mut Vec<&'a str>,
    out: &mut HashMap<Span, (&'a Path, bool)>,
) {
    if block.kind == BlockKind::Raw {
        return;
    }
    call_paths(&block.call, params, out);
    let scoping = block.kind == BlockKind::Section
        && matches!(block.name(), Some("each" | "with"))
        && !block.call.params.is_empty();
    let before = params.len();
    if scoping {
        params.extend(block.block_params.iter().map(|p| p.name.as_str()));
    }
    collect_paths(&block.body, params, out);
    params.truncate(before);
    for branch in &block.else_branches {
        if let Some(chain) = &branch.chain {
            call_paths(chain, params, out);
        }
        collect_paths(&branch.body, params, out);
    }
}

fn call_paths<'a>(call: &'a Call, params: &[&'a str], out: &mut HashMap<Span, (&'a Path, bool)>) {
    expr_paths(&call.target, params, out);
    for expr in call
        .params
        .iter()
        .chain(call.hash.iter().map(|pair| &pair.value))
    {
        expr_paths(expr, params, out);
    }
}

fn expr_paths<'a>(expr: &'a Expr, params: &[&'a str], out: &mut HashMap<Span, (&'a Path, bool)>) {
    match expr {
        Expr::Path(path) => {
            let plain = !path.data && path.parents == 0 && !path.this;
            let bound = plain
                && path
                    .segments
                    .first()
                    .is_some_and(|first| params.contains(&first.name.as_str()));
            out.insert(path.span, (path, bound));
        }
        Expr::SubExpression(call) => call_paths(call, params, out),
        Expr::Literal(_) => {}
    }
}

// ---- Prompty ------------------------------------------------------------------------------

/// Prompty's uses are free variables (a loop variable is not one), so each element of the
/// path as written is the same step of the resolved path.
fn prompty_uses(cx: &Context<'_>) -> Vec<Use> {
    let source = cx.source();
    cx.uses()
        .iter()
        .filter_map(|u| {
            let Resolved::Input(resolved) = &u.resolved else {
                return None;
            };
            let elements = jinja_elements(source, u.span);
            let named = elements
                .iter()
                .enumerate()
                .filter_map(|(i, span)| {
                    let span = (*span)?;
                    let step = resolved.get(i)?;
                    let names_step = span.text(source) == step && !is_element_step(step);
                    names_step.then(|| (field_of(resolved.get(..=i).unwrap_or_default()), span))
                })
                .collect();
            Some(Use {
                field: field_of(resolved),
                span: u.span,
                named,
                via_partial: None,
            })
        })
        .collect()
}

/// The elements of a Jinja path (`a.b['c'][0]`): the span of each name (a string subscript's
/// text inside its quotes), `None` for other subscripts. Stops at anything else.
fn jinja_elements(source: &str, span: Span) -> Vec<Option<Span>> {
    let text = span.text(source);
    let at_offset =
        |start: usize, len: usize| Span::new(span.start + start, span.start + start + len);
    let mut elements = Vec::new();
    let root = name_len(text);
    if root == 0 {
        return elements;
    }
    elements.push(Some(at_offset(0, root)));
    let mut at = root;
    while let Some(rest) = text.get(at..) {
        if let Some(attribute) = rest.strip_prefix('.') {
            let len = name_len(attribute);
            if len == 0 {
                break;
            }
            elements.push(Some(at_offset(at + 1, len)));
            at += 1 + len;
        } else if let Some(subscript) = rest.strip_prefix('[') {
            let Some(close) = subscript.find(']') else {
                break;
            };
            let inside = subscript.get(..close).unwrap_or("");
            let key = string_key(inside).map(|(start, len)| at_offset(at + 1 + start, len));
            elements.push(key);
            at += close + 2;
        } else {
            break;
        }
    }
    elements
}

/// The length of the identifier `text` starts with.
fn name_len(text: &str) -> usize {
    text.find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
}

/// Where the text of a quoted subscript (`'key'`, `"key"`) is, as (start, length) within it.
fn string_key(inside: &str) -> Option<(usize, usize)> {
    let trimmed = inside.trim();
    let quote = trimmed.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let key = trimmed.strip_prefix(quote)?.strip_suffix(quote)?;
    let start = inside.len() - inside.trim_start().len() + quote.len_utf8();
    Some((start, key.len()))
}

// ---- the input schema ---------------------------------------------------------------------

fn declarations(cx: &Context<'_>) -> Vec<Declaration> {
    let (Some(inputs), Some(front_matter)) = (cx.inputs(), cx.front_matter()) else {
        return Vec::new();
    };
    let source = cx.source();
    front_matter
        .spans
        .nodes()
        .iter()
        .filter_map(|node| {
            let key = node.key?;
            let below = node.path.strip_prefix(inputs.yaml_path.as_slice())?;
            let field = schema_field(inputs, below)?;
            let name = field.last()?;
            let offset = key.text(source).find(name.as_str())?;
            let start = key.start + offset;
            Some(Declaration {
                name: Span::new(start, start + name.len()),
                key,
                field: field.clone(),
            })
        })
        .collect()
}

/// The field a key of the schema declares, from its YAML path below the top-level fields'
/// mapping; `None` for keys that are not fields (`type`, `description`, …).
fn schema_field(inputs: &Inputs, below: &[String]) -> Option<Field> {
    if below.is_empty() {
        return None;
    }
    if inputs.picoschema {
        // Picoschema nests an object's (and an array's elements') fields directly.
        let names: Field = below
            .iter()
            .map(|key| FieldKey::parse(key).name.to_string())
            .collect();
        return names.iter().all(|n| !n.is_empty()).then_some(names);
    }
    // JSON Schema (and Prompty): a field name, then keywords down to the next field name.
    let mut field = Vec::new();
    let mut expect_name = true;
    for key in below {
        if expect_name {
            field.push(key.clone());
            expect_name = false;
        } else {
            match key.as_str() {
                "properties" => expect_name = true,
                "items" => {}
                _ => return None,
            }
        }
    }
    (!expect_name).then_some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_paths_split_into_their_named_segments() {
        assert_eq!(
            written_segments("a.b"),
            (false, vec!["a".into(), "b".into()])
        );
        assert_eq!(written_segments("../../x"), (false, vec!["x".into()]));
        assert_eq!(written_segments("this.y"), (false, vec!["y".into()]));
        assert_eq!(
            written_segments("@root.user"),
            (true, vec!["root".into(), "user".into()])
        );
        assert_eq!(
            written_segments("[odd key]"),
            (false, vec!["odd key".into()])
        );
    }

    #[test]
    fn jinja_paths_split_into_elements_with_spans() {
        let source = "{{ user.name['first'][0].x }}";
        let start = source.find("user").unwrap();
        let span = Span::new(start, source.find(" }}").unwrap());
        let texts: Vec<Option<&str>> = jinja_elements(source, span)
            .into_iter()
            .map(|e| e.map(|s| s.text(source)))
            .collect();
        assert_eq!(
            texts,
            [Some("user"), Some("name"), Some("first"), None, Some("x")]
        );
        let broken = "{{ a.[ }}";
        let span = Span::new(3, 6);
        assert_eq!(jinja_elements(broken, span), [Some(Span::new(3, 4))]);
    }

    #[test]
    fn element_steps_are_dropped_from_fields() {
        let resolved: Vec<String> = ["items", "[]", "tags", "0", "x"].map(String::from).into();
        assert_eq!(field_of(&resolved), ["items", "tags", "x"]);
    }
}
