use std::fs;
use std::path::Path;
use std::sync::Arc;

use tower_lsp_server::ls_types::{DocumentChangeOperation, DocumentChanges, ResourceOp};

use super::*;
use crate::documents::Snapshot;
use crate::features::testing::world;

/// Where each range is and what it covers: `(line, text)`.
fn spots(world: &World, ranges: impl IntoIterator<Item = Range>) -> Vec<(u32, String)> {
    let lines = world.snapshot.lines();
    ranges
        .into_iter()
        .map(|range| {
            let span = lines.span(range);
            (
                range.start.line,
                span.text(&world.snapshot.text).to_string(),
            )
        })
        .collect()
}

fn reference_spots(world: &World, position: Position, declaration: bool) -> Vec<(u32, String)> {
    let locations = references(world, position, declaration).unwrap_or_default();
    spots(world, locations.into_iter().map(|l| l.range))
}

/// Applies a single-document rename and returns the new text.
fn renamed(world: &World, position: Position, new_name: &str) -> String {
    let edit = rename(world, position, new_name).unwrap().unwrap();
    let Some(DocumentChanges::Edits(documents)) = edit.document_changes else {
        panic!("expected plain document edits, got {edit:?}");
    };
    assert_eq!(documents.len(), 1);
    let document = &documents[0];
    assert_eq!(document.text_document.version, Some(1));
    let mut edits: Vec<TextEdit> = document
        .edits
        .iter()
        .map(|e| match e {
            OneOf::Left(edit) => edit.clone(),
            OneOf::Right(annotated) => annotated.text_edit.clone(),
        })
        .collect();
    apply(&world.snapshot.text, &mut edits)
}

fn apply(text: &str, edits: &mut [TextEdit]) -> String {
    let index = LineIndex::new(text);
    let lines = Lines::new(text, &index);
    edits.sort_by_key(|e| std::cmp::Reverse(lines.offset(e.range.start)));
    let mut out = text.to_string();
    for edit in edits.iter() {
        let span = lines.span(edit.range);
        out.replace_range(span.start..span.end, &edit.new_text);
    }
    out
}

fn rename_error(world: &World, position: Position, new_name: &str) -> String {
    rename(world, position, new_name)
        .unwrap_err()
        .message
        .to_string()
}

const SCHEMA: &str = "\
---
input:
  schema:
    user(object):
      name?: string, the name
    items(array):
      title: string
    topic: string
---
";

#[test]
fn definition_goes_from_a_use_to_its_picoschema_key() {
    let (w, at) = world("a.prompt", &format!("{SCHEMA}Hello {{{{user.na|me}}}}"));
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(spots(&w, [location.range]), [(4, "name?".to_string())]);

    let text = format!("{SCHEMA}{{{{#each items}}}}{{{{ti|tle}}}}{{{{/each}}}}");
    let (w, at) = world("a.prompt", &text);
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(spots(&w, [location.range]), [(6, "title".to_string())]);
}

#[test]
fn definition_of_an_undeclared_path_falls_back_to_the_nearest_declared_field() {
    let (w, at) = world("a.prompt", &format!("{SCHEMA}{{{{user.address.ci|ty}}}}"));
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(
        spots(&w, [location.range]),
        [(3, "user(object)".to_string())]
    );
    let (w, at) = world("a.prompt", &format!("{SCHEMA}{{{{unknow|n}}}}"));
    assert_eq!(definition(&w, at), None);
}

#[test]
fn json_schema_inputs_are_followed_through_properties_and_items() {
    let text = "\
---
input:
  schema:
    type: object
    properties:
      tags:
        type: array
        items:
          type: object
          properties:
            label: {type: string}
---
{{#each tags}}{{lab|el}}{{/each}}";
    let (w, at) = world("a.prompt", text);
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(spots(&w, [location.range]), [(10, "label".to_string())]);
    let out = renamed(&w, at, "name");
    assert!(out.contains("            name: {type: string}"), "{out}");
    assert!(out.ends_with("{{#each tags}}{{name}}{{/each}}"), "{out}");
}

#[test]
fn definition_on_a_close_tag_goes_to_its_open_tag() {
    let (w, at) = world("a.prompt", "{{#each items}}\n{{#if x}}y{{/if}}\n{{/ea|ch}}");
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(
        spots(&w, [location.range]),
        [(0, "{{#each items}}".to_string())]
    );
}

#[test]
fn references_follow_scopes_and_include_the_declaration_when_asked() {
    let text = format!(
        "{SCHEMA}{{{{us|er.name}}}}\n{{{{#with user}}}}{{{{name}}}}{{{{/with}}}}\n{{{{@root.user.name}}}} {{{{topic}}}}"
    );
    let (w, at) = world("a.prompt", &text);
    assert_eq!(
        reference_spots(&w, at, true),
        [
            (3, "user".to_string()),
            (9, "user".to_string()),
            (10, "user".to_string()),
            // Read through the `#with` scope: reported at the whole path.
            (10, "name".to_string()),
            (11, "user".to_string()),
        ]
    );
    assert_eq!(reference_spots(&w, at, false).len(), 4);
}

#[test]
fn references_start_from_the_schema_key_too() {
    let text = format!(
        "{SCHEMA}{{{{#each items as |item|}}}}{{{{item.title}}}} {{{{this.title}}}} {{{{../topic}}}}{{{{/each}}}}"
    )
    .replacen("title: string", "ti|tle: string", 1);
    let (w, at) = world("a.prompt", &text);
    assert_eq!(
        reference_spots(&w, at, true),
        [
            (6, "title".to_string()),
            (9, "title".to_string()),
            (9, "title".to_string()),
        ]
    );
}

#[test]
fn renaming_a_field_renames_the_schema_key_name_and_every_segment_naming_it() {
    let text = format!(
        "{SCHEMA}{{{{#each ite|ms}}}}{{{{title}}}}{{{{/each}}}} {{{{items.length}}}} {{{{@root.items}}}}"
    );
    let (w, at) = world("a.prompt", &text);
    let out = renamed(&w, at, "entries");
    assert!(
        out.contains("    entries(array):\n      title: string"),
        "{out}"
    );
    assert!(
        out.ends_with("{{#each entries}}{{title}}{{/each}} {{entries.length}} {{@root.entries}}"),
        "{out}"
    );
}

#[test]
fn renaming_keeps_picoschema_decorations_and_follows_this_parents_and_block_params() {
    let text = format!(
        "{SCHEMA}{{{{user.na|me}}}} {{{{#with user}}}}{{{{this.name}}}} {{{{name}}}}{{{{/with}}}} \
         {{{{#each items as |item|}}}}{{{{../user.name}}}}{{{{/each}}}}"
    );
    let (w, at) = world("a.prompt", &text);
    let out = renamed(&w, at, "full_name");
    assert!(
        out.contains("      full_name?: string, the name\n"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "{{user.full_name}} {{#with user}}{{this.full_name}} {{full_name}}{{/with}} {{#each items as |item|}}{{../user.full_name}}{{/each}}"
        ),
        "{out}"
    );
}

#[test]
fn a_block_param_named_like_the_field_is_left_alone() {
    let text = format!("{SCHEMA}{{{{#with us|er as |user|}}}}{{{{user.name}}}}{{{{/with}}}}");
    let (w, at) = world("a.prompt", &text);
    let out = renamed(&w, at, "customer");
    assert!(out.contains("    customer(object):\n"), "{out}");
    assert!(
        out.ends_with("{{#with customer as |user|}}{{user.name}}{{/with}}"),
        "{out}"
    );
}

#[test]
fn invalid_and_taken_names_are_refused_with_what_is_allowed() {
    let (w, at) = world(
        "a.prompt",
        &format!("{SCHEMA}{{{{top|ic}}}} {{{{user.name}}}}"),
    );
    assert!(rename_error(&w, at, "1st").contains("ASCII letters, digits and `_`"));
    assert!(rename_error(&w, at, "a b").contains("not a valid variable name"));
    assert!(rename_error(&w, at, "json").contains("is a helper"));
    assert!(rename_error(&w, at, "this").contains("Handlebars"));
    assert!(rename_error(&w, at, "user").contains("already a field"));
    assert_eq!(rename(&w, at, "topic").unwrap(), None);
}

#[test]
fn prepare_rename_offers_the_name_under_the_cursor() {
    let (w, at) = world("a.prompt", &format!("{SCHEMA}{{{{user.name|}}}}"));
    let Some(PrepareRenameResponse::RangeWithPlaceholder { range, placeholder }) =
        prepare_rename(&w, at)
    else {
        panic!("not renameable");
    };
    assert_eq!(placeholder, "name");
    assert_eq!(spots(&w, [range]), [(9, "name".to_string())]);

    let text = format!("{SCHEMA}x").replacen("name?:", "na|me?:", 1);
    let (w, at) = world("a.prompt", &text);
    let Some(PrepareRenameResponse::RangeWithPlaceholder { placeholder, .. }) =
        prepare_rename(&w, at)
    else {
        panic!("not renameable");
    };
    assert_eq!(placeholder, "name");

    let (w, at) = world(
        "a.prompt",
        &format!("{SCHEMA}{{{{#each items}}}}{{{{th|is}}}}{{{{/each}}}}"),
    );
    assert_eq!(prepare_rename(&w, at), None, "`this` names no field");
    let (w, at) = world("a.prompt", "plain te|xt");
    assert_eq!(prepare_rename(&w, at), None);
}

#[test]
fn highlights_mark_reads_and_the_declaration() {
    let (w, at) = world(
        "a.prompt",
        &format!("{SCHEMA}{{{{top|ic}}}} {{{{#if topic}}}}!{{{{/if}}}}"),
    );
    let highlights = highlight(&w, at).unwrap();
    let kinds: Vec<_> = highlights.iter().map(|h| h.kind).collect();
    assert_eq!(
        kinds,
        [
            Some(DocumentHighlightKind::WRITE),
            Some(DocumentHighlightKind::READ),
            Some(DocumentHighlightKind::READ),
        ]
    );
    let (w, at) = world("a.prompt", "{{#if x}}\ny\n{{/i|f}}");
    let spans = spots(&w, highlight(&w, at).unwrap().into_iter().map(|h| h.range));
    assert_eq!(spans, [(0, "if".to_string()), (2, "if".to_string())]);
}

#[test]
fn prompty_inputs_are_navigated_and_renamed() {
    let text = "\
---
inputs:
  question:
    type: string
  user: {type: object}
---
system:
Answer {{ ques|tion }} for {{ user.name }} {% if question %}ok{% endif %}
";
    let (w, at) = world("chat.prompty", text);
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(spots(&w, [location.range]), [(2, "question".to_string())]);
    let out = renamed(&w, at, "query");
    assert!(out.contains("  query:\n    type: string"), "{out}");
    assert!(
        out.contains("Answer {{ query }} for {{ user.name }} {% if query %}"),
        "{out}"
    );
    assert!(rename_error(&w, at, "loop").contains("Jinja"));
}

#[test]
fn a_field_a_partial_reads_by_name_is_not_renamed_behind_its_back() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("_card.prompt"), "{{user.name}}").unwrap();
    let text = format!("{SCHEMA}{{{{> card}}}} {{{{us|er.name}}}}");
    let (w, at) = world_in(dir.path(), "main.prompt", &text);
    assert!(rename_error(&w, at, "customer").contains("the partial `card` reads `user`"));
    // Passed as the partial's context, the partial reads it relatively: renaming is safe.
    fs::write(dir.path().join("_card.prompt"), "{{name}}").unwrap();
    let text = format!("{SCHEMA}{{{{> card user}}}} {{{{us|er.name}}}}");
    let (w, at) = world_in(dir.path(), "main.prompt", &text);
    let out = renamed(&w, at, "customer");
    assert!(
        out.ends_with("{{> card customer}} {{customer.name}}"),
        "{out}"
    );
}

// ---- partials across the workspace --------------------------------------------------------

/// A world for `dir/name`, with `dir` as the workspace root.
fn world_in(dir: &Path, name: &str, text: &str) -> (World, Position) {
    let (mut w, at) = world(name, text);
    let path = dir.join(name);
    let uri = Uri::from_file_path(&path).unwrap();
    let plain = text.replacen('|', "", 1);
    fs::write(&path, &plain).unwrap();
    w.snapshot = Arc::new(Snapshot::new(uri, 1, w.snapshot.kind, plain.into()));
    w.roots = vec![dir.to_path_buf()];
    (w, at)
}

/// A workspace where `header` means `_header.prompt` at the root for `main` and `other`, but
/// `sub/_header.prompt` for `sub/inner`.
fn partial_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::create_dir_all(root.join("ignored")).unwrap();
    fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
    fs::write(root.join("_header.prompt"), "Welcome").unwrap();
    fs::write(root.join("sub/_header.prompt"), "Other").unwrap();
    fs::write(
        root.join("other.prompt"),
        "A\n{{#> header}}fallback{{/header}} {{> \"header\"}}",
    )
    .unwrap();
    fs::write(root.join("sub/inner.prompt"), "{{> header}}").unwrap();
    fs::write(root.join("sub/up.prompt"), "{{> sub/header}}").unwrap();
    fs::write(root.join("ignored/copy.prompt"), "{{> header}}").unwrap();
    dir
}

fn file_name(uri: &Uri) -> String {
    let path = uri.to_file_path().unwrap();
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn partial_definition_and_references_resolve_by_file_across_the_workspace() {
    let dir = partial_workspace();
    let (w, at) = world_in(dir.path(), "main.prompt", "Hi {{> hea|der}}\n{{> header}}");
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(
        location.uri,
        Uri::from_file_path(dir.path().join("_header.prompt")).unwrap()
    );
    assert_eq!(location.range, Range::default());

    let found: Vec<(String, u32, u32)> = references(&w, at, true)
        .unwrap()
        .into_iter()
        .map(|l| {
            (
                file_name(&l.uri),
                l.range.start.line,
                l.range.start.character,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("_header.prompt".to_string(), 0, 0),
            ("main.prompt".to_string(), 0, 7),
            ("main.prompt".to_string(), 1, 4),
            ("other.prompt".to_string(), 1, 5),
            ("other.prompt".to_string(), 1, 24),
            ("other.prompt".to_string(), 1, 38),
        ]
    );
    let spans = spots(&w, highlight(&w, at).unwrap().into_iter().map(|h| h.range));
    assert_eq!(
        spans,
        [(0, "header".to_string()), (1, "header".to_string())]
    );

    // A partial block's close tag names the partial too.
    let (w, at) = world_in(dir.path(), "main.prompt", "{{#> header}}x{{/hea|der}}");
    let Some(GotoDefinitionResponse::Scalar(location)) = definition(&w, at) else {
        panic!("no definition");
    };
    assert_eq!(
        location.uri,
        Uri::from_file_path(dir.path().join("_header.prompt")).unwrap()
    );
}

#[test]
fn renaming_a_partial_renames_its_tags_everywhere_and_then_its_file() {
    let dir = partial_workspace();
    let (w, at) = world_in(dir.path(), "main.prompt", "Hi {{> hea|der}}");
    let Some(PrepareRenameResponse::RangeWithPlaceholder { placeholder, .. }) =
        prepare_rename(&w, at)
    else {
        panic!("not renameable");
    };
    assert_eq!(placeholder, "header");
    let edit = rename(&w, at, "banner").unwrap().unwrap();
    let Some(DocumentChanges::Operations(operations)) = edit.document_changes else {
        panic!("expected operations: {edit:?}");
    };
    let mut seen = Vec::new();
    for operation in operations {
        match operation {
            DocumentChangeOperation::Edit(document) => {
                let name = file_name(&document.text_document.uri);
                let path = document.text_document.uri.to_file_path().unwrap();
                let text = fs::read_to_string(&path).unwrap();
                let mut edits: Vec<TextEdit> = document
                    .edits
                    .into_iter()
                    .filter_map(|e| match e {
                        OneOf::Left(edit) => Some(edit),
                        OneOf::Right(_) => None,
                    })
                    .collect();
                let version = document.text_document.version;
                seen.push(format!("{name}@{version:?}: {}", apply(&text, &mut edits)));
            }
            DocumentChangeOperation::Op(ResourceOp::Rename(file)) => {
                seen.push(format!(
                    "{} -> {}",
                    file_name(&file.old_uri),
                    file_name(&file.new_uri)
                ));
            }
            DocumentChangeOperation::Op(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        seen,
        [
            "main.prompt@Some(1): Hi {{> banner}}",
            "other.prompt@None: A\n{{#> banner}}fallback{{/banner}} {{> \"banner\"}}",
            "_header.prompt -> _banner.prompt",
        ]
    );
}

#[test]
fn partial_renames_refuse_what_the_client_or_the_disk_cannot_take() {
    let dir = partial_workspace();
    let (mut w, at) = world_in(dir.path(), "main.prompt", "{{> hea|der}}");
    assert!(rename_error(&w, at, "bad name").contains("not a valid partial name"));
    assert!(rename_error(&w, at, "dir/banner").contains("keeps the partial in its folder"));
    fs::write(dir.path().join("_taken.prompt"), "x").unwrap();
    assert!(rename_error(&w, at, "taken").contains("already exists"));
    w.support.rename_files = false;
    assert!(rename_error(&w, at, "banner").contains("rename the file yourself"));
    // A partial that does not exist yet: only its tags change, in the plain `changes` shape.
    let (mut w2, at2) = world_in(dir.path(), "main.prompt", "{{> miss|ing}}");
    w2.support.document_changes = false;
    let edit = rename(&w2, at2, "found").unwrap().unwrap();
    let changes = edit.changes.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes.values().next().unwrap()[0].new_text, "found");
}

#[test]
fn a_partial_in_a_folder_keeps_its_folder_in_every_spelling() {
    let dir = partial_workspace();
    let (w, at) = world_in(dir.path(), "sub/inner.prompt", "{{> hea|der}}");
    let found: Vec<String> = references(&w, at, false)
        .unwrap()
        .into_iter()
        .map(|l| file_name(&l.uri))
        .collect();
    assert_eq!(
        found,
        ["inner.prompt"],
        "sub/up.prompt includes sub/sub/_header.prompt"
    );
    let (w, at) = world_in(dir.path(), "main.prompt", "{{> sub/hea|der}}");
    let edit = rename(&w, at, "sub/banner").unwrap().unwrap();
    let Some(DocumentChanges::Operations(operations)) = edit.document_changes else {
        panic!("expected operations");
    };
    let texts: Vec<String> = operations
        .iter()
        .filter_map(|op| match op {
            DocumentChangeOperation::Edit(doc) => match &doc.edits[0] {
                OneOf::Left(edit) => Some(format!(
                    "{}:{}",
                    file_name(&doc.text_document.uri),
                    edit.new_text
                )),
                OneOf::Right(_) => None,
            },
            DocumentChangeOperation::Op(_) => None,
        })
        .collect();
    assert_eq!(texts, ["main.prompt:banner", "inner.prompt:banner"]);
}

// ---- nothing typed may panic --------------------------------------------------------------

#[test]
fn every_position_of_broken_templates_answers_without_panicking() {
    let texts = [
        "---\ninput:\n  schema:\n    a: [unclosed\n---\n{{a}}",
        "---\r\ninput:\r\n  schema:\r\n    😀x?: string\r\n---\r\n{{😀x}} {{#each 😀x}}{{.}}",
        "{{#each items as |item|}}{{item.}}{{../}}{{@root.}}{{/with}}",
        "{{> }}{{> (dynamic)}}{{#> p}}{{/q}}{{> \"\"}}{{> '}}",
        "{{#with}}{{/with}}{{else}}{{^}}{{#if}}{{else if}}{{/if}}{{{{raw}}}}{{x}}{{{{/raw}}}}",
        "---\ninputs:\n  q: string\n---\nuser:\n{{ q[ }} {{ q['a }} {{ q.😀 }} {% for %}",
    ];
    for (i, text) in texts.iter().enumerate() {
        let name = if i == texts.len() - 1 {
            "a.prompty"
        } else {
            "a.prompt"
        };
        let (w, _) = world(name, text);
        let lines = w.snapshot.lines();
        for offset in (0..=text.len()).filter(|o| text.is_char_boundary(*o)) {
            let at = lines.position(offset);
            let _ = definition(&w, at);
            let _ = references(&w, at, true);
            let _ = prepare_rename(&w, at);
            let _ = rename(&w, at, "renamed");
            let _ = highlight(&w, at);
        }
    }
}
