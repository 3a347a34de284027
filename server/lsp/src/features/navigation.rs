//! Go to definition, find references, rename and document highlight, for variables (across
//! the input schema and the template) and partials (across the workspace).
//!
//! A variable is an input field, identified by its path from the input root (see
//! [`fields`]); a partial is identified by the file its name resolves to (see [`partials`]).
//! Variables stay within the document; partials are found in every prompt under the
//! workspace roots.

mod fields;
mod partials;

use std::collections::HashMap;

use promptopt_core::lint::{Format, ParsedFile};
use promptopt_core::render::known_helpers;
use promptopt_core::template::{self, BlockKind, Node};
use promptopt_core::text::{LineIndex, Span};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{
    DocumentChangeOperation, DocumentChanges, DocumentHighlight, DocumentHighlightKind,
    GotoDefinitionResponse, Location, OneOf, OptionalVersionedTextDocumentIdentifier, Position,
    PrepareRenameResponse, Range, RenameFile, ResourceOp, TextDocumentEdit, TextEdit, Uri,
    WorkspaceEdit,
};

use self::fields::{Fields, Hit as FieldHit, Role};
use self::partials::Hit as PartialHit;
use super::World;
use crate::convert::Lines;

/// What the cursor stands on.
enum Target {
    Field(FieldHit),
    Partial(PartialHit),
    /// A block's close tag (`{{/each}}`), with its open tag.
    Close {
        open: Span,
        names: [Span; 2],
    },
}

fn target_at(world: &World, fields: &Fields, offset: usize) -> Option<Target> {
    if let Some(target) = close_tag_at(world, offset) {
        return Some(target);
    }
    if let Some(hit) = fields.at(offset) {
        return Some(Target::Field(hit));
    }
    partials::at(world, offset).map(Target::Partial)
}

fn close_tag_at(world: &World, offset: usize) -> Option<Target> {
    let ParsedFile::Dotprompt(document) = world.snapshot.file() else {
        return None;
    };
    let mut found = None;
    template::walk(&document.template.nodes, &mut |node| {
        // A partial block's close tag names the partial: that is what it navigates to.
        if let Node::Block(block) = node
            && block.kind != BlockKind::PartialBlock
            && let Some(close) = &block.close
            && close.tag.span.contains(offset)
        {
            found = Some(Target::Close {
                open: block.open.span,
                names: [block.call.target.span(), close.name.span],
            });
        }
    });
    found
}

pub fn definition(world: &World, position: Position) -> Option<GotoDefinitionResponse> {
    let fields = world.with_context(Fields::collect);
    let offset = world.snapshot.lines().offset(position);
    let location = match target_at(world, &fields, offset)? {
        Target::Field(hit) => here(world, fields.declaration(&hit.field)?.key),
        Target::Partial(hit) => {
            let file = hit.file.filter(|_| hit.exists)?;
            Location::new(Uri::from_file_path(file)?, Range::default())
        }
        Target::Close { open, .. } => here(world, open),
    };
    Some(GotoDefinitionResponse::Scalar(location))
}

pub fn references(
    world: &World,
    position: Position,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let fields = world.with_context(Fields::collect);
    let offset = world.snapshot.lines().offset(position);
    match target_at(world, &fields, offset)? {
        Target::Field(hit) => Some(
            fields
                .references(&hit.field, include_declaration)
                .into_iter()
                .map(|(span, _)| here(world, span))
                .collect(),
        ),
        Target::Partial(hit) => {
            let file = hit.file?;
            let mut locations = Vec::new();
            if include_declaration && hit.exists {
                locations.extend(Uri::from_file_path(&file).map(|uri| Location {
                    uri,
                    range: Range::default(),
                }));
            }
            for includer in partials::includers(world, &file) {
                let Some(uri) = Uri::from_file_path(&includer.path) else {
                    continue;
                };
                let index = LineIndex::new(&includer.text);
                let lines = Lines::new(&includer.text, &index);
                locations.extend(
                    includer
                        .spans
                        .iter()
                        .map(|span| Location::new(uri.clone(), lines.range(*span))),
                );
            }
            Some(locations)
        }
        Target::Close { .. } => None,
    }
}

pub fn prepare_rename(world: &World, position: Position) -> Option<PrepareRenameResponse> {
    let fields = world.with_context(Fields::collect);
    let offset = world.snapshot.lines().offset(position);
    let span = match target_at(world, &fields, offset)? {
        Target::Field(hit) => hit.name?,
        Target::Partial(hit) => hit.file.is_some().then_some(hit.span)?,
        Target::Close { .. } => return None,
    };
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: world.snapshot.lines().range(span),
        placeholder: span.text(&world.snapshot.text).to_string(),
    })
}

pub fn rename(
    world: &World,
    position: Position,
    new_name: &str,
) -> jsonrpc::Result<Option<WorkspaceEdit>> {
    let fields = world.with_context(Fields::collect);
    let offset = world.snapshot.lines().offset(position);
    match target_at(world, &fields, offset) {
        Some(Target::Field(hit)) => rename_field(world, &fields, &hit, new_name),
        Some(Target::Partial(hit)) => rename_partial(world, &hit, new_name),
        Some(Target::Close { .. }) | None => Ok(None),
    }
}

pub fn highlight(world: &World, position: Position) -> Option<Vec<DocumentHighlight>> {
    let fields = world.with_context(Fields::collect);
    let offset = world.snapshot.lines().offset(position);
    let lines = world.snapshot.lines();
    let highlight = |span: Span, kind| DocumentHighlight {
        range: lines.range(span),
        kind: Some(kind),
    };
    let highlights = match target_at(world, &fields, offset)? {
        Target::Field(hit) => fields
            .references(&hit.field, true)
            .into_iter()
            .map(|(span, role)| match role {
                Role::Read => highlight(span, DocumentHighlightKind::READ),
                Role::Declaration => highlight(span, DocumentHighlightKind::WRITE),
            })
            .collect(),
        Target::Partial(hit) => {
            let ParsedFile::Dotprompt(document) = world.snapshot.file() else {
                return None;
            };
            let from = world.snapshot.lint_path();
            partials::tags(document)
                .into_iter()
                .filter(|tag| partials::resolve(&world.overlay, &from, &tag.name) == hit.file)
                .flat_map(|tag| tag.spans)
                .map(|span| highlight(span, DocumentHighlightKind::READ))
                .collect()
        }
        Target::Close { names, .. } => names
            .into_iter()
            .map(|span| highlight(span, DocumentHighlightKind::TEXT))
            .collect(),
    };
    Some(highlights)
}

fn here(world: &World, span: Span) -> Location {
    Location::new(
        world.snapshot.uri.clone(),
        world.snapshot.lines().range(span),
    )
}

// ---- rename -------------------------------------------------------------------------------

fn rename_field(
    world: &World,
    fields: &Fields,
    hit: &FieldHit,
    new_name: &str,
) -> jsonrpc::Result<Option<WorkspaceEdit>> {
    check_variable_name(world, new_name).map_err(jsonrpc::Error::invalid_params)?;
    let spans = fields
        .rename(&hit.field, new_name)
        .map_err(jsonrpc::Error::invalid_params)?;
    if spans.is_empty() {
        return Ok(None);
    }
    let lines = world.snapshot.lines();
    let edits = spans
        .into_iter()
        .map(|span| TextEdit::new(lines.range(span), new_name.to_string()))
        .collect();
    let file = FileEdits {
        uri: world.snapshot.uri.clone(),
        version: Some(world.snapshot.version),
        edits,
    };
    workspace_edit(world, vec![file], None).map(Some)
}

/// Names that read back as the same variable in both template languages: ASCII letters,
/// digits and `_`, not starting with a digit, and not a word the language keeps for itself.
fn check_variable_name(world: &World, name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "`{name}` is not a valid variable name: use ASCII letters, digits and `_`, starting with a letter or `_`"
        ));
    }
    match world.snapshot.format() {
        Format::Prompty => {
            if promptopt_core::prompty::is_reserved(name) {
                return Err(format!(
                    "`{name}` means something to Jinja: pick a name that is not a keyword or a global"
                ));
            }
        }
        _ => {
            const RESERVED: [&str; 7] =
                ["this", "true", "false", "null", "undefined", "else", "as"];
            if RESERVED.contains(&name) {
                return Err(format!(
                    "`{name}` means something to Handlebars: pick a name that is not a keyword"
                ));
            }
            let extra = world.options().extra_helpers;
            if known_helpers().any(|h| h.name == name) || extra.iter().any(|h| h == name) {
                return Err(format!(
                    "`{name}` is a helper: `{{{{{name}}}}}` would call it instead of reading the variable; pick another name"
                ));
            }
        }
    }
    Ok(())
}

fn rename_partial(
    world: &World,
    hit: &PartialHit,
    new_name: &str,
) -> jsonrpc::Result<Option<WorkspaceEdit>> {
    let invalid = jsonrpc::Error::invalid_params;
    let (old_folder, old_base) = split_folder(&hit.name);
    let (new_folder, new_base) = split_folder(new_name);
    if new_folder != old_folder {
        let keep = old_folder.map_or(String::new(), |f| format!("{f}/"));
        return Err(invalid(format!(
            "a rename keeps the partial in its folder: the new name must start with `{keep}` and have no other `/` (move the file to change folders)"
        )));
    }
    check_partial_name(new_base).map_err(invalid)?;
    if new_base == old_base {
        return Ok(None);
    }
    let Some(file) = hit.file.as_deref() else {
        return Err(invalid(format!(
            "`{}` does not name a partial file, so there is nothing to rename",
            hit.name
        )));
    };
    let new_file = file.with_file_name(format!("_{new_base}.prompt"));
    if new_file.exists() {
        return Err(invalid(format!(
            "{} already exists: pick another name, or merge the partials by hand",
            new_file.display()
        )));
    }
    let files = partials::includers(world, file)
        .into_iter()
        .filter_map(|includer| {
            let uri = Uri::from_file_path(&includer.path)?;
            let index = LineIndex::new(&includer.text);
            let lines = Lines::new(&includer.text, &index);
            let edits = includer
                .spans
                .iter()
                .map(|span| {
                    let base = base_span(*span, &includer.text);
                    TextEdit::new(lines.range(base), new_base.to_string())
                })
                .collect();
            Some(FileEdits {
                uri,
                version: includer.version,
                edits,
            })
        })
        .collect();
    // A partial that does not exist yet has only its tags renamed.
    let moved = if hit.exists {
        let old_uri = Uri::from_file_path(file);
        let new_uri = Uri::from_file_path(&new_file);
        let both = old_uri.zip(new_uri);
        Some(both.ok_or_else(|| {
            invalid("the partial's path cannot be written as a file URI".to_string())
        })?)
    } else {
        None
    };
    workspace_edit(world, files, moved).map(Some)
}

/// `dir/name` → (`Some("dir")`, `name`).
fn split_folder(name: &str) -> (Option<&str>, &str) {
    match name.rsplit_once('/') {
        Some((folder, base)) => (Some(folder), base),
        None => (None, name),
    }
}

/// The last segment of a partial name as written: what a rename replaces, so each includer
/// keeps the folder it spelled (`dir/old` and, from inside `dir`, `old`).
fn base_span(span: Span, text: &str) -> Span {
    let written = span.text(text);
    let start = written
        .rfind('/')
        .map_or(span.start, |i| span.start + i + 1);
    Span::new(start, span.end)
}

fn check_partial_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid partial name: use ASCII letters, digits, `_`, `-` and `.`, starting with a letter, digit or `_`"
        ))
    }
}

/// The edits of one file.
struct FileEdits {
    uri: Uri,
    /// The version the edits were computed against; `None` for a file read from disk.
    version: Option<i32>,
    edits: Vec<TextEdit>,
}

/// Edits (and a file rename) in the shape the client supports: `documentChanges` when it
/// can, else the plain `changes` map, which cannot rename files.
fn workspace_edit(
    world: &World,
    files: Vec<FileEdits>,
    rename: Option<(Uri, Uri)>,
) -> jsonrpc::Result<WorkspaceEdit> {
    let support = world.support;
    if rename.is_some() && !(support.document_changes && support.rename_files) {
        return Err(jsonrpc::Error::invalid_params(
            "renaming this partial renames its file, which this editor does not allow from a rename: rename the file yourself, then the tags",
        ));
    }
    if !support.document_changes {
        let changes: HashMap<Uri, Vec<TextEdit>> =
            files.into_iter().map(|f| (f.uri, f.edits)).collect();
        return Ok(WorkspaceEdit::new(changes));
    }
    let text_edits = files.into_iter().map(|f| TextDocumentEdit {
        text_document: OptionalVersionedTextDocumentIdentifier {
            uri: f.uri,
            version: f.version,
        },
        edits: f.edits.into_iter().map(OneOf::Left).collect(),
    });
    let document_changes = match rename {
        // Text edits first: they address the partial by its old name.
        Some((old_uri, new_uri)) => DocumentChanges::Operations(
            text_edits
                .map(DocumentChangeOperation::Edit)
                .chain(std::iter::once(DocumentChangeOperation::Op(
                    ResourceOp::Rename(RenameFile {
                        old_uri,
                        new_uri,
                        options: None,
                        annotation_id: None,
                    }),
                )))
                .collect(),
        ),
        None => DocumentChanges::Edits(text_edits.collect()),
    };
    Ok(WorkspaceEdit {
        document_changes: Some(document_changes),
        ..WorkspaceEdit::default()
    })
}

#[cfg(test)]
mod tests;
