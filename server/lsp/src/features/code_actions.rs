//! Code actions: every quick fix in the catalog, "fix all of this rule", the `fixAll` source
//! action, "disable this rule here", extracting a selection into a partial, and the engine's
//! Generate / Evaluate / Refine.

use std::collections::HashMap;

use promptopt_core::lint::text::{line_ending, line_start};
use promptopt_core::lint::{self, Edit, Finding, Fix, Format, ParsedFile};
use promptopt_core::text::Span;
use serde_json::json;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, Command,
    CreateFile, CreateFileOptions, DocumentChangeOperation, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, ResourceOp, TextDocumentEdit, TextEdit, Uri,
    WorkspaceEdit,
};

use super::World;
use super::at::in_front_matter;
use crate::commands;
use crate::diagnostics::{LintResult, to_diagnostic};
use crate::documents::Kind;

/// `source.fixAll.promptopt`: what editors run on save when asked to fix all.
pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.promptopt")
}

/// The kinds advertised: engine actions are `source.promptopt.*`, fix-all is
/// `source.fixAll.promptopt`.
pub const KINDS: [CodeActionKind; 5] = [
    CodeActionKind::QUICKFIX,
    CodeActionKind::SOURCE_FIX_ALL,
    CodeActionKind::REFACTOR_EXTRACT,
    CodeActionKind::REFACTOR_REWRITE,
    CodeActionKind::SOURCE,
];

pub fn code_actions(
    world: &World,
    result: &LintResult,
    params: &CodeActionParams,
) -> Option<CodeActionResponse> {
    let Kind::Prompt(format) = world.snapshot.kind else {
        return None;
    };
    let wanted = |kind: &CodeActionKind| match &params.context.only {
        None => true,
        Some(only) => only.iter().any(|o| {
            kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str()))
        }),
    };
    let lines = world.snapshot.lines();
    let selection = lines.span(params.range);
    let mut actions = Vec::new();

    if wanted(&CodeActionKind::QUICKFIX) {
        let here: Vec<&Finding> = result
            .findings
            .iter()
            .filter(|f| touches(f.span, selection))
            .collect();
        for finding in &here {
            quick_fixes(world, finding, &mut actions);
        }
        for finding in dedup_by_rule(&here) {
            fix_all_of_rule(world, result, finding.rule, &mut actions);
        }
        for finding in dedup_by_rule(&here) {
            actions.push(disable_here(world, format, finding));
        }
    }
    if wanted(&fix_all_kind())
        && result
            .findings
            .iter()
            .any(|f| f.fixes.iter().any(Fix::is_safe))
    {
        if let Some(action) = fix_all(world) {
            actions.push(action);
        }
    }
    if wanted(&CodeActionKind::REFACTOR_EXTRACT) {
        if let Some(action) = extract_partial(world, selection) {
            actions.push(action);
        }
    }
    let wrap_offered_as_fix = actions.iter().any(|a| match a {
        CodeActionOrCommand::CodeAction(action) => action.title.starts_with("Wrap in <"),
        CodeActionOrCommand::Command(_) => false,
    });
    if wanted(&CodeActionKind::REFACTOR_REWRITE) && !wrap_offered_as_fix {
        if let Some(action) = wrap_in_tags(world, selection) {
            actions.push(action);
        }
    }
    for (command, title) in [
        (commands::GENERATE, "PromptOpt: Generate variants"),
        (commands::EVALUATE, "PromptOpt: Evaluate"),
        (commands::REFINE, "PromptOpt: Refine"),
    ] {
        let kind = CodeActionKind::new(engine_kind(command));
        if params.context.only.is_some() && !wanted(&kind) {
            continue;
        }
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: title.to_string(),
            kind: Some(kind),
            command: Some(Command {
                title: title.to_string(),
                command: command.to_string(),
                arguments: Some(vec![json!({ "uri": world.snapshot.uri })]),
            }),
            ..CodeAction::default()
        }));
    }
    Some(actions)
}

fn engine_kind(command: &str) -> &'static str {
    match command {
        commands::GENERATE => "source.promptopt.generate",
        commands::EVALUATE => "source.promptopt.evaluate",
        _ => "source.promptopt.refine",
    }
}

/// Whether a finding sits under the cursor or the selection (a caret at either end counts).
fn touches(span: Span, selection: Span) -> bool {
    span.start <= selection.end && selection.start <= span.end
}

fn dedup_by_rule<'a>(findings: &[&'a Finding]) -> Vec<&'a Finding> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for finding in findings {
        if !seen.contains(&finding.rule) {
            seen.push(finding.rule);
            out.push(*finding);
        }
    }
    out
}

fn quick_fixes(world: &World, finding: &Finding, actions: &mut Vec<CodeActionOrCommand>) {
    let lines = world.snapshot.lines();
    let diagnostic = to_diagnostic(finding, &lines, &world.snapshot.uri);
    let preferred = finding.fixes.iter().position(Fix::is_safe);
    for (i, fix) in finding.fixes.iter().enumerate() {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(edit_document(world, &fix.edits)),
            is_preferred: Some(
                preferred == Some(i) || (preferred.is_none() && i == 0 && finding.fixes.len() == 1),
            ),
            ..CodeAction::default()
        }));
    }
}

/// One action applying every safe fix of `rule` in the file, when there are several.
fn fix_all_of_rule(
    world: &World,
    result: &LintResult,
    rule: &'static str,
    actions: &mut Vec<CodeActionOrCommand>,
) {
    let fixes: Vec<&Fix> = result
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .filter_map(|f| f.fixes.iter().find(|fix| fix.is_safe()))
        .collect();
    if fixes.len() < 2 {
        return;
    }
    let (_, taken) = lint::apply_fixes(&world.snapshot.text, &fixes);
    let edits: Vec<Edit> = taken
        .iter()
        .filter_map(|&i| fixes.get(i))
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Fix all `{rule}` problems in this file ({})", taken.len()),
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(edit_document(world, &edits)),
        ..CodeAction::default()
    }));
}

/// Every safe fix, re-linting until none is left, as `promptopt lint --fix` does.
fn fix_all(world: &World) -> Option<CodeActionOrCommand> {
    let options = world.options.as_ref()?;
    let path = world.snapshot.lint_path();
    let format = world.snapshot.format();
    let fixed = lint::fix_until_stable(&world.snapshot.text, |text| {
        lint::lint(
            &path,
            &ParsedFile::parse(text, format),
            options,
            &world.overlay,
        )
    });
    if fixed.applied.is_empty() {
        return None;
    }
    let edit = minimal_edit(&world.snapshot.text, &fixed.source);
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!(
            "Fix all auto-fixable PromptOpt problems ({})",
            fixed.applied.len()
        ),
        kind: Some(fix_all_kind()),
        edit: Some(edit_document(world, &[edit])),
        ..CodeAction::default()
    }))
}

/// The one edit turning `old` into `new`: the differing middle, so the editor keeps the
/// cursor and the undo step small.
fn minimal_edit(old: &str, new: &str) -> Edit {
    let prefix = common_prefix(old, new);
    let old_rest = &old[prefix..];
    let new_rest = &new[prefix..];
    let suffix = common_suffix(old_rest, new_rest);
    Edit::replace(
        Span::new(prefix, old.len() - suffix),
        &new[prefix..new.len() - suffix],
    )
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i)
}

fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum()
}

/// "Disable `rule` for this line": a suppression comment on its own line above, in the
/// comment syntax of the place the finding sits in (YAML or template).
fn disable_here(world: &World, format: Format, finding: &Finding) -> CodeActionOrCommand {
    let text = &world.snapshot.text;
    let line_start = line_start(text, finding.span.start);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let directive = format!("promptopt-disable-next-line {}", finding.rule);
    let newline = line_ending(text);
    let comment = if in_front_matter(world.snapshot.file(), finding.span.start) {
        format!("# {directive}")
    } else {
        match format {
            Format::Dotprompt => format!("{{{{!-- {directive} --}}}}"),
            Format::Prompty => format!("{{# {directive} #}}"),
            Format::Plain => format!("<!-- {directive} -->"),
        }
    };
    let edit = Edit::insert(line_start, format!("{indent}{comment}{newline}"));
    CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Disable `{}` for this line", finding.rule),
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(edit_document(world, &[edit])),
        ..CodeAction::default()
    })
}

/// "Wrap in tags": marks the input under the cursor as data, whether or not a rule flagged it.
fn wrap_in_tags(world: &World, selection: Span) -> Option<CodeActionOrCommand> {
    let fix = world.with_context(|cx| {
        let found = cx
            .uses()
            .iter()
            .find(|u| u.span.start <= selection.start && selection.end <= u.span.end)?;
        lint::assists::wrap_in_tags(cx, found)
    })?;
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: fix.title.clone(),
        kind: Some(CodeActionKind::REFACTOR_REWRITE),
        edit: Some(edit_document(world, &fix.edits)),
        ..CodeAction::default()
    }))
}

/// Moves the selected template text into a new partial `_extracted.prompt` beside the file
/// and puts `{{> extracted}}` in its place.
fn extract_partial(world: &World, selection: Span) -> Option<CodeActionOrCommand> {
    if selection.is_empty()
        || world.snapshot.kind != Kind::Prompt(Format::Dotprompt)
        || !world.support.create_files
        || !world.support.document_changes
        || in_front_matter(world.snapshot.file(), selection.start)
    {
        return None;
    }
    let selected = world.snapshot.text.get(selection.start..selection.end)?;
    if selected.trim().is_empty() {
        return None;
    }
    let folder = world.snapshot.path.as_deref()?.parent()?;
    let name = (1..100)
        .map(|n| {
            if n == 1 {
                "extracted".to_string()
            } else {
                format!("extracted-{n}")
            }
        })
        .find(|name| {
            let path = folder.join(format!("_{name}.prompt"));
            !path.exists()
        })?;
    let partial_uri = Uri::from_file_path(folder.join(format!("_{name}.prompt")))?;
    let lines = world.snapshot.lines();
    let operations = vec![
        DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
            uri: partial_uri.clone(),
            options: Some(CreateFileOptions {
                overwrite: Some(false),
                ignore_if_exists: Some(false),
            }),
            annotation_id: None,
        })),
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: partial_uri,
                version: None,
            },
            edits: vec![OneOf::Left(TextEdit::new(
                Default::default(),
                selected.to_string(),
            ))],
        }),
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: world.snapshot.uri.clone(),
                version: Some(world.snapshot.version),
            },
            edits: vec![OneOf::Left(TextEdit::new(
                lines.range(selection),
                format!("{{{{> {name}}}}}"),
            ))],
        }),
    ];
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: format!("Extract selection into partial `_{name}.prompt`"),
        kind: Some(CodeActionKind::REFACTOR_EXTRACT),
        edit: Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(operations)),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    }))
}

/// Edits to this document, versioned when the client takes versioned edits (so a stale
/// action is refused rather than applied to different text).
pub fn edit_document(world: &World, edits: &[Edit]) -> WorkspaceEdit {
    let lines = world.snapshot.lines();
    let text_edits: Vec<TextEdit> = edits
        .iter()
        .map(|edit| TextEdit::new(lines.range(edit.span), edit.text.clone()))
        .collect();
    if world.support.document_changes {
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: world.snapshot.uri.clone(),
                    version: Some(world.snapshot.version),
                },
                edits: text_edits.into_iter().map(OneOf::Left).collect(),
            }])),
            ..WorkspaceEdit::default()
        }
    } else {
        WorkspaceEdit {
            changes: Some(HashMap::from([(world.snapshot.uri.clone(), text_edits)])),
            ..WorkspaceEdit::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics;
    use crate::features::testing::world;
    use tower_lsp_server::ls_types::{
        CodeActionContext, PartialResultParams, Range, TextDocumentIdentifier,
        WorkDoneProgressParams,
    };

    fn actions(name: &str, text: &str, only: Option<Vec<CodeActionKind>>) -> Vec<CodeAction> {
        let (world, cursor) = world(name, text);
        let result = diagnostics::lint(&world.snapshot, world.options.as_ref(), &world.overlay);
        let params = CodeActionParams {
            text_document: TextDocumentIdentifier::new(world.snapshot.uri.clone()),
            range: Range::new(cursor, cursor),
            context: CodeActionContext {
                diagnostics: Vec::new(),
                only,
                trigger_kind: None,
            },
            work_done_progress_params: WorkDoneProgressParams::default(),
            partial_result_params: PartialResultParams::default(),
        };
        code_actions(&world, &result, &params)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|a| match a {
                CodeActionOrCommand::CodeAction(action) => Some(action),
                CodeActionOrCommand::Command(_) => None,
            })
            .collect()
    }

    fn new_text(action: &CodeAction) -> Vec<String> {
        match action
            .edit
            .as_ref()
            .and_then(|e| e.document_changes.as_ref())
        {
            Some(DocumentChanges::Edits(edits)) => edits
                .iter()
                .flat_map(|e| e.edits.iter())
                .map(|e| match e {
                    OneOf::Left(edit) => edit.new_text.clone(),
                    OneOf::Right(edit) => edit.text_edit.new_text.clone(),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    const UNDECLARED: &str = "---\ninput:\n  schema:\n    name: string\n---\nHello {{name}}, your order {{ord|er_id}} shipped.\n";

    #[test]
    fn a_finding_under_the_cursor_offers_its_fixes_and_a_suppression() {
        let found = actions("a.prompt", UNDECLARED, None);
        let titles: Vec<&str> = found.iter().map(|a| a.title.as_str()).collect();
        assert!(
            titles.iter().any(|t| t.starts_with("Add `order_id")),
            "{titles:?}"
        );
        let disable = found
            .iter()
            .find(|a| a.title == "Disable `undefined-variable` for this line")
            .expect("a suppression action");
        assert_eq!(
            new_text(disable),
            ["{{!-- promptopt-disable-next-line undefined-variable --}}\n"]
        );
        // The quick fix carries its diagnostic, so the editor links the two.
        let fix = found
            .iter()
            .find(|a| a.title.starts_with("Add `order_id"))
            .unwrap();
        let diagnostic = &fix.diagnostics.as_ref().unwrap()[0];
        assert_eq!(
            diagnostic.code,
            Some(tower_lsp_server::ls_types::NumberOrString::String(
                "undefined-variable".into()
            ))
        );
    }

    #[test]
    fn the_fix_all_source_action_applies_every_safe_fix_as_one_minimal_edit() {
        let text = "---\nmodel: gpt-4o\n---\nSummarize the text.   \nBe brief.  \n|";
        let found = actions("a.prompt", text, Some(vec![CodeActionKind::SOURCE_FIX_ALL]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, Some(fix_all_kind()));
        let (world, _) = world("a.prompt", text);
        let edit = match found[0]
            .edit
            .as_ref()
            .unwrap()
            .document_changes
            .as_ref()
            .unwrap()
        {
            DocumentChanges::Edits(edits) => edits[0].edits[0].clone(),
            DocumentChanges::Operations(_) => panic!("expected plain edits"),
        };
        let OneOf::Left(edit) = edit else {
            panic!("a plain edit")
        };
        let span = world.snapshot.lines().span(edit.range);
        let mut fixed = world.snapshot.text.to_string();
        fixed.replace_range(span.start..span.end, &edit.new_text);
        assert_eq!(
            fixed,
            "---\nmodel: gpt-4o\n---\nSummarize the text.\nBe brief.\n"
        );
    }

    #[test]
    fn a_suppression_in_front_matter_is_a_yaml_comment() {
        let text = "---\nmodel: gpt-4o\nmod|le: x\n---\nHi.\n";
        let found = actions("a.prompt", text, Some(vec![CodeActionKind::QUICKFIX]));
        let disable = found
            .iter()
            .find(|a| a.title.starts_with("Disable `frontmatter-unknown-key`"))
            .expect("a suppression");
        assert_eq!(
            new_text(disable),
            ["# promptopt-disable-next-line frontmatter-unknown-key\n"]
        );
    }

    #[test]
    fn a_selection_can_be_extracted_into_a_new_partial() {
        let (world, _) = world(
            "a.prompt",
            "---\nmodel: gpt-4o\n---\nYou are a support agent.\nBe kind.\n",
        );
        let text = &world.snapshot.text;
        let start = text.find("You are").unwrap();
        let end = text.find("Be kind.").unwrap() + "Be kind.".len();
        let action = extract_partial(&world, Span::new(start, end)).expect("an extract action");
        let CodeActionOrCommand::CodeAction(action) = action else {
            panic!()
        };
        let Some(DocumentChanges::Operations(ops)) = action.edit.unwrap().document_changes else {
            panic!("expected resource operations")
        };
        assert!(
            matches!(&ops[0], DocumentChangeOperation::Op(ResourceOp::Create(c)) if c.uri.as_str().ends_with("/w/_extracted.prompt"))
        );
        let texts: Vec<&str> = ops
            .iter()
            .filter_map(|op| match op {
                DocumentChangeOperation::Edit(edit) => match &edit.edits[0] {
                    OneOf::Left(e) => Some(e.new_text.as_str()),
                    OneOf::Right(_) => None,
                },
                DocumentChangeOperation::Op(_) => None,
            })
            .collect();
        assert_eq!(
            texts,
            ["You are a support agent.\nBe kind.", "{{> extracted}}"]
        );
        // Nothing to extract from an empty selection or the front matter.
        assert!(extract_partial(&world, Span::empty(start)).is_none());
        assert!(extract_partial(&world, Span::new(4, 10)).is_none());
    }

    #[test]
    fn engine_actions_run_their_commands_and_respect_only() {
        let found = actions("a.prompt", "Hello.|", None);
        let generate = found
            .iter()
            .find(|a| a.title == "PromptOpt: Generate variants")
            .expect("a generate action");
        assert_eq!(
            generate.command.as_ref().unwrap().command,
            commands::GENERATE
        );
        let only_fixes = actions("a.prompt", "Hello.|", Some(vec![CodeActionKind::QUICKFIX]));
        assert!(
            only_fixes
                .iter()
                .all(|a| a.kind == Some(CodeActionKind::QUICKFIX))
        );
    }

    #[test]
    fn any_rendered_input_can_be_wrapped_in_tags_once() {
        let wraps = |text: &str| -> Vec<Option<CodeActionKind>> {
            actions("a.prompt", text, None)
                .into_iter()
                .filter(|a| a.title.starts_with("Wrap in <"))
                .map(|a| a.kind)
                .collect()
        };
        assert_eq!(
            wraps("{{role \"user\"}}\nStyle: {{summary_st|yle}}\n"),
            [Some(CodeActionKind::REFACTOR_REWRITE)]
        );
        // Where undelimited-input fires, its quick fix is the one offered, not a second copy.
        assert_eq!(
            wraps("{{role \"user\"}}\nSummarize: {{docu|ment}}\n"),
            [Some(CodeActionKind::QUICKFIX)]
        );
    }

    #[test]
    fn minimal_edits_cover_only_the_changed_middle() {
        let edit = minimal_edit("abc😀def", "abc😀xdef");
        assert_eq!(edit.span, Span::new(7, 7));
        assert_eq!(edit.text, "x");
        let edit = minimal_edit("aaa", "a");
        assert_eq!(edit.span.len(), 2);
        assert_eq!(edit.text, "");
    }
}
