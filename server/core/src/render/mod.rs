//! Rendering a document to dotprompt's `RenderedPrompt`: resolved metadata plus messages.
//!
//! The handlebars crate does the template work (no HTML escaping, not strict, dotprompt's
//! helpers registered). What it cannot do is done around it: `@state`-style data variables
//! are rewritten to lookups under `@root` using the syntax tree's exact spans, partials are
//! found through a resolver the caller supplies (this crate does no I/O), and the output text
//! is split into messages as dotprompt does.

mod chunks;
mod helpers;
mod messages;
mod metadata;
mod rewrite;

pub use helpers::{BUILTIN_HELPERS, DOTPROMPT_HELPERS, HelperInfo, known_helpers};

use std::collections::BTreeSet;

use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::document::{Document, DocumentErrorKind};
use crate::schema::SchemaResolver;
use crate::template::{BlockKind, Node, parse_template, walk};
use crate::text::Span;

/// Looks up a partial's template text by name (`{{> header}}` → the text of `_header.prompt`).
pub trait PartialResolver {
    fn resolve(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> PartialResolver for F {
    fn resolve(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// dotprompt's `DataArgument`: what a render is given at run time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataArgument {
    /// The template's variables.
    pub input: Map<String, Value>,
    /// Each key `k` becomes the data variable `@k` (`@state`, `@auth`, ...).
    pub context: Map<String, Value>,
    /// The conversation so far, for `{{history}}`.
    pub messages: Option<Vec<Value>>,
    /// Retrieved documents, as `@metadata.docs`.
    pub docs: Option<Vec<Value>>,
}

/// Where partials and named schemas come from.
pub struct RenderEnv<'a> {
    pub partials: &'a dyn PartialResolver,
    pub schemas: &'a dyn SchemaResolver,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    pub kind: RenderErrorKind,
    pub message: String,
    /// Where in the document, when known.
    pub span: Option<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderErrorKind {
    /// The template does not parse.
    Template,
    /// A `{{> name}}` whose partial cannot be found.
    MissingPartial,
    /// A schema in the front matter or the options does not compile.
    Schema,
    /// The render options are not metadata.
    Options,
    /// The template engine failed while rendering (an unknown helper, a helper misused).
    Render,
}

/// Partials nested deeper than this are refused (a partial may include itself through others).
const MAX_PARTIAL_DEPTH: usize = 32;

/// Renders `document` with `data`, `options` overriding its front matter, as dotprompt's
/// `render(source, data, options)` does. Returns the `RenderedPrompt` JSON object.
pub fn render(
    document: &Document,
    data: &DataArgument,
    options: &Map<String, Value>,
    env: &RenderEnv<'_>,
) -> Result<Value, RenderError> {
    refuse_unrenderable(document)?;
    let resolved = metadata::resolve(document, options, env.schemas)?;

    let mut registry = Handlebars::new();
    registry.register_escape_fn(handlebars::no_escape);
    registry.set_strict_mode(false);
    helpers::register(&mut registry);
    register_partials(document, &mut registry, env.partials)?;

    let root = render_root(document, data, options, &resolved);
    let rendered = render_text(&registry, document, &root, chunks::CHUNK_BYTES)?;

    let mut out = resolved;
    let messages = messages::to_messages(&rendered, data.messages.as_deref());
    out.insert("messages".into(), Value::Array(messages));
    Ok(Value::Object(out))
}

/// Renders the template text, in stretches of about `chunk_bytes` (see `chunks`).
fn render_text(
    registry: &Handlebars<'_>,
    document: &Document,
    root: &Value,
    chunk_bytes: usize,
) -> Result<String, RenderError> {
    let mut rendered = String::new();
    for chunk in chunks::split(document, chunk_bytes) {
        let template = rewrite::data_variables(document.source(), &document.template, chunk);
        let text = registry
            .render_template(&template, root)
            .map_err(|e| engine_error(&e))?;
        rendered.push_str(&text);
    }
    Ok(rendered)
}

/// Template errors the engine would also reject, reported with their position. Recoverable
/// oddities the engine accepts are the linter's business, not a reason to refuse.
fn refuse_unrenderable(document: &Document) -> Result<(), RenderError> {
    // Every template error is one handlebars would also reject (or, for TooDeep, overflow on).
    let fatal = document
        .errors
        .iter()
        .find(|e| matches!(e.kind, DocumentErrorKind::Template(_)));
    match fatal {
        None => Ok(()),
        Some(error) => {
            let at = document
                .line_index()
                .to_human(document.source(), error.span.start);
            Err(RenderError {
                kind: RenderErrorKind::Template,
                message: format!(
                    "template error at line {}, column {}: {}",
                    at.line, at.column, error.message
                ),
                span: Some(error.span),
            })
        }
    }
}

/// The template's root context: defaults (front matter, then options), then the input, key
/// by key, plus the hidden object the rewritten `@variables` read.
fn render_root(
    document: &Document,
    data: &DataArgument,
    options: &Map<String, Value>,
    resolved: &Map<String, Value>,
) -> Value {
    let mut root = Map::new();
    let front_matter_defaults = document
        .metadata()
        .and_then(|m| m.input.as_ref())
        .and_then(|input| input.default.clone());
    let option_defaults = options
        .get("input")
        .and_then(|input| input.get("default"))
        .and_then(Value::as_object)
        .cloned();
    for defaults in [front_matter_defaults, option_defaults]
        .into_iter()
        .flatten()
    {
        root.extend(defaults);
    }
    root.extend(data.input.clone());
    let mut prompt = resolved.clone();
    prompt.remove("input");
    let mut variables = Map::new();
    variables.insert(
        "metadata".into(),
        serde_json::json!({
            "prompt": prompt,
            "docs": data.docs,
            "messages": data.messages,
        }),
    );
    variables.extend(data.context.clone());
    root.insert(rewrite::DATA_KEY.into(), Value::Object(variables));
    normalize_numbers(Value::Object(root))
}

/// JSON numbers like `1.0` print as `1` in JavaScript; make them integers so they do here.
fn normalize_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Finds every partial the template uses, transitively, and registers it.
fn register_partials(
    document: &Document,
    registry: &mut Handlebars<'_>,
    resolver: &dyn PartialResolver,
) -> Result<(), RenderError> {
    let mut seen = BTreeSet::new();
    let mut queue: Vec<(PartialUse, usize)> =
        partial_uses(document.source(), &document.template.nodes)
            .into_iter()
            .map(|u| (u, 0))
            .collect();
    while let Some((used, depth)) = queue.pop() {
        if !seen.insert(used.name.clone()) {
            continue;
        }
        if depth > MAX_PARTIAL_DEPTH {
            return Err(RenderError {
                kind: RenderErrorKind::MissingPartial,
                message: format!(
                    "partials are nested more than {MAX_PARTIAL_DEPTH} deep at '{}': does a partial include itself?",
                    used.name
                ),
                span: used.span,
            });
        }
        let Some(text) = resolver.resolve(&used.name) else {
            if used.has_fallback {
                continue; // `{{#> name}}fallback{{/name}}` renders its fallback
            }
            return Err(RenderError {
                kind: RenderErrorKind::MissingPartial,
                message: format!(
                    "partial '{0}' not found: create `_{0}.prompt` beside the prompt, or pass its folder with --partials-dir",
                    used.name
                ),
                span: used.span,
            });
        };
        let parsed = parse_template(&text, 0);
        if let Some(error) = parsed.errors.first() {
            return Err(RenderError {
                kind: RenderErrorKind::Template,
                message: format!("in partial '{}': {}", used.name, error.message),
                span: used.span,
            });
        }
        let rewritten = rewrite::data_variables(&text, &parsed, Span::new(0, text.len()));
        registry
            .register_partial(&used.name, rewritten)
            .map_err(|e| RenderError {
                kind: RenderErrorKind::Template,
                message: format!("in partial '{}': {}", used.name, e.reason()),
                span: used.span,
            })?;
        queue.extend(partial_uses(&text, &parsed.nodes).into_iter().map(|mut u| {
            u.span = used.span; // positions inside a partial mean nothing in the prompt
            (u, depth + 1)
        }));
    }
    Ok(())
}

struct PartialUse {
    name: String,
    span: Option<Span>,
    has_fallback: bool,
}

fn partial_uses(source: &str, nodes: &[Node]) -> Vec<PartialUse> {
    let mut uses = Vec::new();
    walk(nodes, &mut |node| match node {
        Node::Partial(partial) => {
            if let Some(name) = partial.static_name(source) {
                uses.push(PartialUse {
                    name,
                    span: Some(partial.tag.span),
                    has_fallback: false,
                });
            }
        }
        Node::Block(block) if block.kind == BlockKind::PartialBlock => {
            if let Some(name) = crate::template::syntax::partial_name(&block.call.target, source) {
                uses.push(PartialUse {
                    name,
                    span: Some(block.open.span),
                    has_fallback: true,
                });
            }
        }
        _ => {}
    });
    uses
}

fn engine_error(error: &handlebars::RenderError) -> RenderError {
    use handlebars::RenderErrorReason as Reason;
    let message = match error.reason() {
        Reason::HelperNotFound(name) => format!(
            "unknown helper '{name}': dotprompt knows {}; register it in your runtime or fix the name",
            known_helpers()
                .map(|h| h.name)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Reason::PartialNotFound(name) => format!(
            "partial '{name}' not found: create `_{name}.prompt` beside the prompt, or pass its folder with --partials-dir"
        ),
        other => format!("render failed: {other}"),
    };
    let kind = match error.reason() {
        Reason::PartialNotFound(_) => RenderErrorKind::MissingPartial,
        _ => RenderErrorKind::Render,
    };
    RenderError {
        kind,
        message,
        span: None,
    }
}

#[cfg(test)]
mod tests;
