//! `undefined-variable`: a variable the template reads that the declared inputs do not have.
//! Dotprompt validates input against `input.schema` (objects are closed), so such a variable
//! can never be passed and always renders as an empty string.

use std::collections::HashSet;

use super::common::{self, Anchor, NewField, anchor, schema_place};
use crate::lint::text::line_ending;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Inputs, Report, Resolved, Rule,
    SchemaLookup, Severity, Usage, VariableUse,
};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "undefined-variable",
    category: Category::Variables,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "A variable the template uses that the input schema does not declare",
    docs: Docs {
        why: "The input is validated against `input.schema` before rendering (Genkit does this, and picoschema objects accept no other fields), so a variable missing from the schema can never be passed: Handlebars renders it as an empty string and the model reads \"Summarize this for .\" with no error anywhere. It is almost always a typo, a renamed field, or a field read in the wrong `{{#each}}` scope. Without a schema nothing checks the variables at all, so the rule then only notes each undeclared name once.",
        bad: "---\ninput:\n  schema:\n    topic: string\n    audience: string\n---\nWrite a short article about {{topic}} for {{audiense}}.\n",
        good: "---\ninput:\n  schema:\n    topic: string\n    audience: string\n---\nWrite a short article about {{topic}} for {{audience}}.\n",
        fix: "Correct the name (the quick fix offers the closest declared field), or declare the field in `input.schema` (the quick fix adds `name: string`; adjust the type). Inside `{{#each items}}` a bare `{{name}}` reads the item's field: write `{{@root.name}}` for a top-level input.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    if cx.inputs_unreadable() {
        return;
    }
    match cx.inputs() {
        Some(inputs) => with_schema(cx, inputs, report),
        None => without_schema(cx, report),
    }
}

fn with_schema(cx: &Context<'_>, inputs: &Inputs, report: &mut Report) {
    let opaque = common::opaque_blocks(cx);
    let mut reported_partials: HashSet<(Span, Vec<String>)> = HashSet::new();
    for found in cx.uses() {
        let Resolved::Input(path) = &found.resolved else {
            continue;
        };
        if opaque.iter().any(|block| block.contains(found.span.start)) {
            continue;
        }
        let anchor = anchor(cx, found, path);
        if anchor.bound {
            continue;
        }
        let at = match inputs.lookup(path) {
            SchemaLookup::Missing { at, .. } | SchemaLookup::NotAContainer { at, .. } => at,
            SchemaLookup::Found(_) | SchemaLookup::Open => continue,
        };
        if at != anchor.k {
            // Deeper misses belong to `schema-path-mismatch`; shallower ones to the use that
            // opened the scope.
            continue;
        }
        if found.via_partial.is_some() && !reported_partials.insert((found.span, path.clone())) {
            continue;
        }
        let Some(name) = path.get(at) else {
            continue;
        };
        if at == 0 {
            undeclared_root(cx, inputs, found, &anchor, name, report);
        } else {
            wrong_scope(inputs, found, &anchor, path, at, report);
        }
    }
}

/// `{{nmae}}` at the top level: not in the schema.
fn undeclared_root(
    cx: &Context<'_>,
    inputs: &Inputs,
    found: &VariableUse,
    anchor: &Anchor,
    name: &str,
    report: &mut Report,
) {
    let declared: Vec<&str> = inputs.fields().map(|(field, _)| field).collect();
    let suggestion = common::closest(name, declared.iter().copied());
    let mut message = format!(
        "`{name}`{} is not declared in {}",
        partial_note(found),
        schema_place(cx)
    );
    if declared.is_empty() {
        message.push_str(", which declares no fields");
    } else {
        message.push_str(&format!(" (declared: {})", common::list(&declared)));
    }
    // JSON Schema objects accept undeclared fields unless they say otherwise.
    let open = !inputs.picoschema
        && cx.format() == Format::Dotprompt
        && inputs.schema.get("additionalProperties").is_none();
    if open {
        message.push_str(": the schema does not close the object (`additionalProperties: false`), so callers may pass it, but nothing asks them to");
    } else {
        message.push_str(renders_empty(cx));
    }
    if let Some(suggestion) = suggestion {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else {
        message.push_str("; declare it or fix the name");
    }
    let finding = report.add(found.span, message);
    if open {
        finding.with_severity(Severity::Warning);
    }
    if let (Some(suggestion), Some(segment)) = (suggestion, first_segment(anchor)) {
        finding.with_fix(Fix::suggested(
            format!("Rename to `{suggestion}`"),
            vec![Edit::replace(segment, suggestion)],
        ));
    }
    if let Some((at, text, summary)) =
        common::add_field_edit(cx, inputs, name, new_field_kind(cx, name))
    {
        finding.with_fix(Fix::suggested(
            format!("Add `{summary}` to {}", schema_place(cx)),
            vec![Edit::insert(at, text)],
        ));
    }
}

/// `{{name}}` inside `{{#each items}}` where the items have no `name`.
fn wrong_scope(
    inputs: &Inputs,
    found: &VariableUse,
    anchor: &Anchor,
    path: &[String],
    at: usize,
    report: &mut Report,
) {
    let Some(name) = path.get(at) else {
        return;
    };
    let context_path = path.get(..at).unwrap_or_default();
    let in_each = context_path.last().is_some_and(|s| s == "[]");
    let scope = found.scope.clone().unwrap_or_else(|| dotted(context_path));
    let what = if in_each {
        format!("the items of `{scope}`")
    } else {
        format!("`{scope}`")
    };
    let fields = inputs.field_names(context_path);
    let mut message = match inputs.lookup(context_path) {
        SchemaLookup::Found(node) if fields.is_empty() => format!(
            "`{name}`{} reads a field of {what}, which {} {}",
            partial_note(found),
            if in_each { "are each" } else { "is" },
            common::describe_type(node)
        ),
        _ => format!(
            "`{name}`{} is not a field of {what} (fields: {})",
            partial_note(found),
            common::list(&fields)
        ),
    };
    let root_field = inputs.fields().any(|(field, _)| field == name);
    let whole = anchor.names.join(".");
    let suggestion = common::closest(name, fields.iter().copied());
    if root_field {
        let owner = if in_each { "item's" } else { "context's" };
        let hint = match (&found.scope, &found.via_partial) {
            (Some(scope), _) => {
                let block = if in_each { "each" } else { "with" };
                // `../` reaches the root only from a block opened at the top level.
                let parent = common::written_names(scope).is_some_and(|mut names| {
                    if in_each {
                        names.push("[]".into());
                    }
                    names == context_path
                });
                let parent = if parent {
                    format!(" or `../{whole}`")
                } else {
                    String::new()
                };
                format!(
                    "; inside {{{{#{block} {scope}}}}} `{name}` refers to the {owner} field; use `@root.{whole}`{parent} for the top-level input"
                )
            }
            (None, Some(partial)) => format!(
                "; partial `{partial}` renders with {what} as its context, so `{name}` refers to the {owner} field; use `@root.{whole}` in the partial for the top-level input"
            ),
            (None, None) => format!(
                "; here `{name}` refers to the {owner} field; use `@root.{whole}` for the top-level input"
            ),
        };
        message.push_str(&hint);
    } else if let Some(suggestion) = suggestion {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    } else {
        message.push_str("; it always renders empty");
    }
    let finding = report.add(found.span, message);
    if found.via_partial.is_some() || anchor.segments.is_none() {
        return;
    }
    if root_field {
        finding.with_fix(Fix::suggested(
            format!("Use `@root.{whole}`"),
            vec![Edit::replace(found.span, format!("@root.{whole}"))],
        ));
    } else if let (Some(suggestion), Some(segment)) = (suggestion, first_segment(anchor)) {
        finding.with_fix(Fix::suggested(
            format!("Rename to `{suggestion}`"),
            vec![Edit::replace(segment, suggestion)],
        ));
    }
}

/// Without a schema nothing is checked: note each top-level name once, at its first use.
fn without_schema(cx: &Context<'_>, report: &mut Report) {
    if cx.is_partial() {
        return;
    }
    let mut names: Vec<(&str, &VariableUse)> = Vec::new();
    for found in cx.uses() {
        let Resolved::Input(path) = &found.resolved else {
            continue;
        };
        let anchor = anchor(cx, found, path);
        if anchor.bound || anchor.k != 0 {
            continue;
        }
        if let Some(name) = path.first()
            && names.iter().all(|(seen, _)| seen != name)
        {
            names.push((name, found));
        }
    }
    if names.is_empty() {
        return;
    }
    let declare = declare_all(cx, &names);
    let (place, how) = match cx.format() {
        Format::Prompty => ("`inputs`", "add an `inputs:` section"),
        _ => ("input.schema", "add `input.schema` to the front matter"),
    };
    for (name, found) in &names {
        let finding = report
            .add(
                found.span,
                format!(
                    "`{name}`{} is not declared: this prompt has no {place}, so nothing checks that callers pass it or catches a misspelt name; {how}",
                    partial_note(found)
                ),
            )
            .with_severity(Severity::Info);
        if let Some(edit) = &declare {
            finding.with_fix(Fix::suggested(
                format!("Declare the {} inputs the template uses", names.len()),
                vec![edit.clone()],
            ));
        }
    }
}

/// One edit declaring every name: a new `input.schema` (or Prompty `inputs`) block.
fn declare_all(cx: &Context<'_>, names: &[(&str, &VariableUse)]) -> Option<Edit> {
    let fields: Vec<String> = names
        .iter()
        .map(|(name, _)| match (cx.format(), new_field_kind(cx, name)) {
            (Format::Prompty, NewField::Array) => format!("  {name}:\n    type: array\n"),
            (Format::Prompty, NewField::Any) => format!("  {name}:\n    type: object\n"),
            (Format::Prompty, NewField::String) => format!("  {name}:\n    type: string\n"),
            (_, NewField::Array) => format!("    {name}(array): string\n"),
            (_, NewField::Any) => format!("    {name}: any\n"),
            (_, NewField::String) => format!("    {name}: string\n"),
        })
        .collect();
    let block = match cx.format() {
        Format::Prompty => format!("inputs:\n{}", fields.concat()),
        _ => format!("input:\n  schema:\n{}", fields.concat()),
    };
    let nl = line_ending(cx.source());
    let block = block.replace('\n', nl);
    match cx.front_matter() {
        Some(front_matter) => {
            let key = if cx.format() == Format::Prompty {
                "inputs"
            } else {
                "input"
            };
            if front_matter.raw.contains_key(key) {
                return None;
            }
            let yaml = front_matter.split.yaml;
            let block = block.trim_end_matches(['\r', '\n']);
            Some(Edit::insert(yaml.end, format!("{nl}{block}")))
        }
        None if cx.format() == Format::Dotprompt
            && cx.document()?.front_matter.split().is_none() =>
        {
            Some(Edit::insert(
                cx.body().start,
                format!("---{nl}{block}---{nl}"),
            ))
        }
        None => None,
    }
}

/// What a new field should be, from how the template uses it at the top level.
fn new_field_kind(cx: &Context<'_>, name: &str) -> NewField {
    let mut kind = NewField::String;
    for found in cx.uses() {
        let Resolved::Input(path) = &found.resolved else {
            continue;
        };
        if path.first().is_none_or(|first| first != name) {
            continue;
        }
        if path.len() > 1 {
            // Read with fields or elements: an object or array of some shape.
            if path.get(1).is_some_and(|s| s == "[]") {
                return NewField::Array;
            }
            kind = NewField::Any;
        } else {
            match found.usage {
                Usage::Iteration => return NewField::Array,
                Usage::Scope => kind = NewField::Any,
                _ => {}
            }
        }
    }
    kind
}

/// What happens to an undeclared variable: dotprompt validates input against the schema, so
/// it can never be passed; Prompty passes undeclared inputs through.
fn renders_empty(cx: &Context<'_>) -> &'static str {
    match cx.format() {
        Format::Prompty => {
            ": callers are not asked for it, and it renders empty unless they pass it anyway"
        }
        _ => ": it always renders empty",
    }
}

fn partial_note(found: &VariableUse) -> String {
    found
        .via_partial
        .as_ref()
        .map(|partial| format!(" (used in partial `{partial}`)"))
        .unwrap_or_default()
}

fn first_segment(anchor: &Anchor) -> Option<Span> {
    anchor.segments.as_ref()?.first().copied()
}

fn dotted(path: &[String]) -> String {
    path.iter()
        .filter(|s| *s != "[]")
        .cloned()
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{Partials, check, check_in, check_with, fixed, flagged, messages};
    use crate::lint::{Format, LintOptions, Severity};

    const SCHEMA: &str = "---\ninput:\n  schema:\n    topic: string\n    audience?: string\n    items(array):\n      title: string\n    user(object):\n      name: string\n---\n";

    fn with_schema(body: &str) -> String {
        format!("{SCHEMA}{body}")
    }

    #[test]
    fn flags_undeclared_names_with_did_you_mean() {
        let source = with_schema("About {{topci}} for {{audience}} and {{missing}}.");
        assert_eq!(flagged(&RULE, &source), ["topci", "missing"]);
        let found = messages(&RULE, &source);
        assert!(found[0].contains("did you mean `topic`?"), "{found:?}");
        assert!(
            found[1].contains("(declared: topic, audience, items, user)"),
            "{found:?}"
        );
        assert!(
            check(&RULE, &source)
                .iter()
                .all(|f| f.severity == Severity::Error)
        );
    }

    #[test]
    fn fixes_rename_and_add_to_the_schema() {
        let source = with_schema("About {{topci}}.");
        assert_eq!(fixed(&RULE, &source), with_schema("About {{topic}}."));
        let source = with_schema("For {{reader}}.");
        let expected = SCHEMA.replace(
            "      name: string\n",
            "      name: string\n    reader: string\n",
        );
        assert_eq!(
            fixed(&RULE, &source),
            format!("{expected}For {{{{reader}}}}.")
        );
        let source = with_schema("{{#each sections}}{{this}}{{/each}}");
        assert!(fixed(&RULE, &source).contains("    sections(array): string\n---"));
    }

    #[test]
    fn fixes_keep_crlf_line_endings() {
        let crlf = |text: &str| text.replace('\n', "\r\n");
        let source = "---\ninput:\n  schema:\n    type: object\n    properties:\n      topic:\n        type: string\n---\n{{topic}} {{tone}}\n";
        assert_eq!(
            fixed(&RULE, &crlf(source)),
            crlf(
                "---\ninput:\n  schema:\n    type: object\n    properties:\n      topic:\n        type: string\n      tone:\n        type: string\n---\n{{topic}} {{tone}}\n"
            )
        );
        let source = "---\nmodel: x\n---\n{{topic}} {{#each items}}{{name}}{{/each}}\n";
        assert_eq!(
            fixed(&RULE, &crlf(source)),
            crlf(
                "---\nmodel: x\ninput:\n  schema:\n    topic: string\n    items(array): string\n---\n{{topic}} {{#each items}}{{name}}{{/each}}\n"
            )
        );
        assert_eq!(
            fixed(&RULE, "Hi {{name}}\r\n"),
            "---\r\ninput:\r\n  schema:\r\n    name: string\r\n---\r\nHi {{name}}\r\n"
        );
    }

    #[test]
    fn add_to_json_schema_uses_its_shape_and_indentation() {
        let source = "---\ninput:\n  schema:\n    type: object\n    properties:\n      topic:\n        type: string\n---\n{{topic}} {{tone}}";
        assert_eq!(
            fixed(&RULE, source),
            "---\ninput:\n  schema:\n    type: object\n    properties:\n      topic:\n        type: string\n      tone:\n        type: string\n---\n{{topic}} {{tone}}"
        );
    }

    #[test]
    fn open_json_schema_objects_are_a_warning() {
        let source = "---\ninput:\n  schema:\n    type: object\n    properties:\n      topic:\n        type: string\n---\n{{topic}} {{tone}}";
        let found = check(&RULE, source);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        assert!(
            found[0].message.contains("callers may pass it"),
            "{}",
            found[0].message
        );
        let closed = source.replace(
            "    properties:",
            "    additionalProperties: false\n    properties:",
        );
        assert_eq!(check(&RULE, &closed)[0].severity, Severity::Error);
    }

    #[test]
    fn understands_scopes_params_and_data() {
        let source = with_schema(
            "{{#each items as |item i|}}{{title}} {{this.title}} {{item.title}} {{i}} {{@index}} {{@first}} {{../topic}} {{@root.topic}}{{/each}}\
             {{#with user}}{{name}}{{/with}}{{@metadata.prompt.name}}{{@state.x}}{{json this}}{{@root}}",
        );
        assert_eq!(messages(&RULE, &source), Vec::<String>::new());
    }

    #[test]
    fn quiet_inside_blocks_whose_context_is_unknown() {
        let source = with_schema(
            "{{#user}}{{name}}{{/user}}{{#usr}}{{name}}{{/usr}}{{#myLoop items}}{{title}}{{/myLoop}}{{#if topic}}{{nope}}{{/if}}",
        );
        assert_eq!(flagged(&RULE, &source), ["usr", "nope"]);
    }

    #[test]
    fn root_field_read_inside_each_gets_the_scope_hint_and_fix() {
        let source = with_schema("{{#each items}}- {{title}} ({{topic}}){{/each}}");
        let found = messages(&RULE, &source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("inside {{#each items}} `topic` refers to the item's field; use `@root.topic` or `../topic`"),
            "{found:?}"
        );
        assert_eq!(
            fixed(&RULE, &source),
            with_schema("{{#each items}}- {{title}} ({{@root.topic}}){{/each}}")
        );
    }

    #[test]
    fn scope_hints_offer_parent_paths_only_where_they_reach_the_root() {
        let source = with_schema("{{#with user}}{{#each @root.items}}{{topic}}{{/each}}{{/with}}");
        let found = messages(&RULE, &source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].ends_with("use `@root.topic` for the top-level input"),
            "{found:?}"
        );
        let partials = Partials(vec![("card", "{{topic}}")]);
        let source = with_schema("{{> card user}}");
        let found = check_in(&RULE, &source, &partials);
        assert!(
            found[0]
                .message
                .contains("partial `card` renders with `user` as its context"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn field_missing_on_the_items_suggests_the_closest() {
        let source =
            with_schema("{{#each items}}{{titel}}{{/each}}{{#with user}}{{nmae}}{{/with}}");
        let found = messages(&RULE, &source);
        assert!(
            found[0].contains(
                "not a field of the items of `items` (fields: title); did you mean `title`?"
            ),
            "{found:?}"
        );
        assert!(found[1].contains("not a field of `user`"), "{found:?}");
        assert_eq!(
            fixed(&RULE, &source),
            with_schema("{{#each items}}{{title}}{{/each}}{{#with user}}{{name}}{{/with}}")
        );
    }

    #[test]
    fn deeper_misses_are_left_to_schema_path_mismatch() {
        let source =
            with_schema("{{user.nmae}} {{topic.first}} {{#each items as |it|}}{{it.x}}{{/each}}");
        assert_eq!(messages(&RULE, &source), Vec::<String>::new());
    }

    #[test]
    fn optional_fields_are_declared() {
        // promptly reads picoschema keys verbatim and calls `{{audience}}` undefined here.
        assert_eq!(
            messages(&RULE, &with_schema("{{audience}}")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn partial_uses_are_reported_once_at_the_tag() {
        let partials = Partials(vec![("card", "{{title}} {{subtitle}} {{subtitle}}")]);
        let source = with_schema("{{#each items}}{{> card}}{{/each}}");
        let found = check_in(&RULE, &source, &partials);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.text(&source), "{{> card}}");
        assert!(
            found[0]
                .message
                .contains("`subtitle` (used in partial `card`)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn without_a_schema_each_name_is_noted_once_as_info() {
        let source =
            "---\nmodel: x\n---\n{{topic}} {{topic}} {{audience}} {{#each items}}{{name}}{{/each}}";
        let found = check(&RULE, source);
        let flagged: Vec<&str> = found.iter().map(|f| f.span.text(source)).collect();
        assert_eq!(flagged, ["topic", "audience", "items"]);
        assert!(found.iter().all(|f| f.severity == Severity::Info));
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: x\ninput:\n  schema:\n    topic: string\n    audience: string\n    items(array): string\n---\n{{topic}} {{topic}} {{audience}} {{#each items}}{{name}}{{/each}}"
        );
        assert_eq!(
            fixed(&RULE, "Hi {{name}}"),
            "---\ninput:\n  schema:\n    name: string\n---\nHi {{name}}"
        );
    }

    #[test]
    fn partial_files_without_a_schema_are_checked_where_included() {
        let file = crate::lint::ParsedFile::parse("{{agent}}", Format::Dotprompt);
        let options = crate::lint::testing::only(&RULE);
        assert_eq!(
            crate::lint::lint(
                "prompts/_signature.prompt",
                &file,
                &options,
                &crate::lint::NoWorkspace
            ),
            []
        );
        assert_eq!(
            crate::lint::lint(
                "prompts/signature.prompt",
                &file,
                &options,
                &crate::lint::NoWorkspace
            )
            .len(),
            1
        );
    }

    #[test]
    fn quiet_when_the_schema_cannot_be_read() {
        assert_eq!(
            messages(&RULE, "---\ninput:\n  schema: Customer\n---\n{{y}}"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_field_with_a_broken_type_is_still_declared() {
        let found = messages(
            &RULE,
            "---\ninput:\n  schema:\n    x: str\n---\n{{x}} {{y}}",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("`y` is not declared"), "{found:?}");
    }

    #[test]
    fn helpers_and_configured_helpers_are_not_variables() {
        let source = with_schema("{{role \"system\"}}{{history}}{{json topic}}{{today}}");
        assert_eq!(flagged(&RULE, &source), ["today"]);
        let options = LintOptions {
            extra_helpers: vec!["today".into()],
            ..LintOptions::default()
        };
        let found = check_with(
            &RULE,
            Format::Dotprompt,
            &source,
            options,
            &crate::lint::NoWorkspace,
        );
        assert_eq!(found, []);
    }

    #[test]
    fn renders_empty_as_the_message_says() {
        let source = "---\ninput:\n  schema:\n    name: string\n---\nHi {{nmae}}!";
        let rendered = super::common::rendered(source, serde_json::json!({"name": "Ada"}));
        assert_eq!(rendered, "Hi !");
    }
}
