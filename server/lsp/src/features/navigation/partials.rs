//! Partials across the workspace: which `{{> name}}` tags include which file, resolved the way
//! the linter and dotprompt resolve them (`_name.prompt` beside the including prompt), so two
//! tags with the same name in different folders are two different partials.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use promptopt_core::document::Document;
use promptopt_core::lint::{Format, ParsedFile, Workspace};
use promptopt_core::template::{self, BlockKind, Expr, Literal, LiteralValue, Node};
use promptopt_core::text::Span;
use promptopt_workspace::PartialFiles;

use crate::documents::Overlay;
use crate::features::World;
use crate::features::symbols::prompt_files;

/// One `{{> name}}` or `{{#> name}}…{{/name}}` with a static name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The name as written (`header`, `dir/header`).
    pub name: String,
    /// Where the name is written: once, or twice for a partial block (open and close).
    pub spans: Vec<Span>,
}

/// The partial under the cursor.
#[derive(Debug, Clone)]
pub struct Hit {
    pub name: String,
    /// The name under the cursor.
    pub span: Span,
    /// The file the name means: the one found (open or on disk), else where it would be.
    pub file: Option<PathBuf>,
    pub exists: bool,
}

/// A prompt that includes a partial: its text as the server sees it and the names to edit.
#[derive(Debug)]
pub struct Includer {
    pub path: PathBuf,
    pub text: Arc<str>,
    /// The open document's version, when the includer is the document asked about.
    pub version: Option<i32>,
    pub spans: Vec<Span>,
}

/// The partial tags of a template, in source order.
pub fn tags(document: &Document) -> Vec<Tag> {
    let source = document.source();
    let mut tags = Vec::new();
    template::walk(&document.template.nodes, &mut |node| match node {
        Node::Partial(partial) => {
            tags.extend(name_of(&partial.name, source).map(|(name, span)| Tag {
                name,
                spans: vec![span],
            }))
        }
        Node::Block(block) if block.kind == BlockKind::PartialBlock => {
            if let Some((name, span)) = name_of(&block.call.target, source) {
                let close = block
                    .close
                    .as_ref()
                    .map(|close| close.name.span)
                    .filter(|close| close.text(source) == span.text(source));
                tags.push(Tag {
                    name,
                    spans: std::iter::once(span).chain(close).collect(),
                });
            }
        }
        _ => {}
    });
    tags
}

/// A static partial name and the span of its text (inside the quotes of `{{> "name"}}`).
fn name_of(expr: &Expr, source: &str) -> Option<(String, Span)> {
    match expr {
        Expr::Path(path) if !path.data => Some((path.span.text(source).to_string(), path.span)),
        Expr::Literal(Literal {
            value: LiteralValue::String(name),
            span,
        }) => {
            let inner = Span::new(span.start + 1, span.end.saturating_sub(1));
            let quoted = inner.start <= inner.end && inner.text(source) == name;
            Some((name.clone(), if quoted { inner } else { *span }))
        }
        _ => None,
    }
}

/// The file `{{> name}}` in the prompt at `from` means: the existing one, else the first
/// place it would be looked for. `None` for a name that climbs out of its folder.
pub fn resolve(overlay: &Overlay, from: &str, name: &str) -> Option<PathBuf> {
    overlay.locate(from, name).or_else(|| {
        PartialFiles::new(Path::new(from), &[])
            .candidates(name)
            .into_iter()
            .next()
    })
}

/// The partial whose name is under the cursor.
pub fn at(world: &World, offset: usize) -> Option<Hit> {
    let ParsedFile::Dotprompt(document) = world.snapshot.file() else {
        return None;
    };
    let tags = tags(document);
    let spans = || {
        tags.iter()
            .flat_map(|t| t.spans.iter().map(move |s| (t, *s)))
    };
    let (tag, span) = spans()
        .find(|(_, span)| span.contains(offset))
        .or_else(|| spans().find(|(_, span)| span.end == offset))?;
    let from = world.snapshot.lint_path();
    Some(Hit {
        name: tag.name.clone(),
        span,
        file: resolve(&world.overlay, &from, &tag.name),
        exists: world.overlay.locate(&from, &tag.name).is_some(),
    })
}

/// Every prompt under the workspace roots (the current one included, as currently edited)
/// with the tags in it that include `file`. Without roots, the current prompt's folder.
pub fn includers(world: &World, file: &Path) -> Vec<Includer> {
    let current = world.snapshot.path.as_deref();
    let roots = if world.roots.is_empty() {
        current
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .into_iter()
            .collect()
    } else {
        world.roots.clone()
    };
    let mut paths = prompt_files(&roots);
    if let Some(current) = current
        && world.snapshot.format() == Format::Dotprompt
        && !paths.iter().any(|p| p == current)
    {
        paths.push(current.to_path_buf());
    }
    paths
        .into_iter()
        .filter(|path| Format::from_extension(extension(path)) == Some(Format::Dotprompt))
        .filter_map(|path| includer(world, path, file))
        .collect()
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

fn includer(world: &World, path: PathBuf, file: &Path) -> Option<Includer> {
    let (text, version) = text_of(world, &path)?;
    let from = path.to_string_lossy();
    let spans = if Some(path.as_path()) == world.snapshot.path.as_deref() {
        matching_spans(world.snapshot.file(), &world.overlay, &from, file)
    } else {
        let parsed = ParsedFile::Dotprompt(Document::parse(&text));
        matching_spans(&parsed, &world.overlay, &from, file)
    };
    (!spans.is_empty()).then_some(Includer {
        path,
        text,
        version,
        spans,
    })
}

fn matching_spans(parsed: &ParsedFile, overlay: &Overlay, from: &str, file: &Path) -> Vec<Span> {
    let ParsedFile::Dotprompt(document) = parsed else {
        return Vec::new();
    };
    tags(document)
        .into_iter()
        .filter(|tag| resolve(overlay, from, &tag.name).as_deref() == Some(file))
        .flat_map(|tag| tag.spans)
        .collect()
}

/// A prompt's text as the editor has it: the document asked about, an open partial (the
/// overlay holds those), else the file on disk.
fn text_of(world: &World, path: &Path) -> Option<(Arc<str>, Option<i32>)> {
    if Some(path) == world.snapshot.path.as_deref() {
        return Some((
            Arc::clone(&world.snapshot.text),
            Some(world.snapshot.version),
        ));
    }
    if let Some(open) = world.open.iter().find(|s| s.path.as_deref() == Some(path)) {
        return Some((Arc::clone(&open.text), Some(open.version)));
    }
    let partial_name = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .and_then(|stem| stem.strip_prefix('_'));
    let text = match partial_name {
        // The overlay answers for the partial a prompt beside it would include.
        Some(name) => world.overlay.partial(&path.to_string_lossy(), name)?,
        None => promptopt_workspace::read_prompt(path).ok()?,
    };
    Some((text.into(), None))
}
