//! `schema-path-mismatch`: a path that goes where the declared schema says there is nothing:
//! a field an object does not have (`{{user.nmae}}`), a field of a scalar (`{{name.first}}`
//! when `name` is a string), `{{#each}}` over a scalar. Each renders empty. The first name a
//! path writes is `undefined-variable`'s business; this rule owns what comes after it.

use std::collections::HashSet;

use super::common::{self, anchor, types};
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Resolved, Rule, SchemaLookup,
    Severity, Usage, VariableUse,
};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "schema-path-mismatch",
    category: Category::Variables,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "A path the input schema rules out: a missing field of an object, a field of a scalar, `#each` over a scalar",
    docs: Docs {
        why: "The input schema says what shape each value has. A path that reads a field the object does not declare (`{{user.nmae}}`), a field of a string (`{{name.first}}`), or iterates a scalar with `{{#each}}` always renders empty: the model reads a gap where the value should be, and nothing fails at run time.",
        bad: "---\ninput:\n  schema:\n    user(object):\n      name: string\n      email: string\n---\nWrite to {{user.nmae}} at {{user.email}}.\n",
        good: "---\ninput:\n  schema:\n    user(object):\n      name: string\n      email: string\n---\nWrite to {{user.name}} at {{user.email}}.\n",
        fix: "Correct the field name (the quick fix offers the closest declared field), read the scalar itself (`{{name}}`), or change the schema if the value really has that shape.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    if cx.inputs_unreadable() {
        return;
    }
    let Some(inputs) = cx.inputs() else {
        return;
    };
    let mut reported_partials: HashSet<(Span, Vec<String>)> = HashSet::new();
    let opaque = common::opaque_blocks(cx);
    for found in cx.uses() {
        let Resolved::Input(path) = &found.resolved else {
            continue;
        };
        if opaque.iter().any(|block| block.contains(found.span.start)) {
            continue;
        }
        let anchor = anchor(cx, found, path);
        let lookup = inputs.lookup(path);
        let problem = match lookup {
            SchemaLookup::Missing { at, .. } | SchemaLookup::NotAContainer { at, .. }
                if at > anchor.k =>
            {
                Some(at)
            }
            SchemaLookup::Found(node) if found.usage == Usage::Iteration => {
                let kinds: Vec<&str> = types(node).into_iter().filter(|t| *t != "null").collect();
                let iterable =
                    kinds.is_empty() || kinds.iter().any(|t| *t == "array" || *t == "object");
                if iterable {
                    None
                } else {
                    if found.via_partial.is_none()
                        || reported_partials.insert((found.span, path.clone()))
                    {
                        report.add(
                            found.span,
                            format!(
                                "`{{{{#each {}}}}}`{} iterates `{}`, which is {}: `#each` needs an array or an object, so its body never renders; iterate a list field or declare `{}(array)`",
                                found.written,
                                partial_note(found),
                                found.written,
                                common::describe_type(node),
                                path.last().map_or("", String::as_str),
                            ),
                        );
                    }
                    None
                }
            }
            _ => None,
        };
        let Some(at) = problem else {
            continue;
        };
        if found.via_partial.is_some() && !reported_partials.insert((found.span, path.clone())) {
            continue;
        }
        let written_at = at - anchor.k;
        let Some(segment) = anchor.names.get(written_at) else {
            continue;
        };
        let prefix = anchor.names.get(..written_at).unwrap_or_default().join(".");
        let whole = anchor.names.join(".");
        let container = path.get(..at).unwrap_or_default();
        match lookup {
            SchemaLookup::Missing { .. } => {
                let fields = inputs.field_names(container);
                let suggestion = common::closest(segment, fields.iter().copied());
                let mut message = format!(
                    "`{prefix}` has no field `{segment}`{} (fields: {}): `{whole}` always renders empty",
                    partial_note(found),
                    common::list(&fields)
                );
                match suggestion {
                    Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
                    None => message.push_str("; fix the name or declare the field"),
                }
                let finding = report.add(found.span, message);
                let span = anchor.segments.as_ref().and_then(|s| s.get(written_at));
                if let (Some(suggestion), Some(span)) = (suggestion, span) {
                    finding.with_fix(Fix::suggested(
                        format!("Rename to `{suggestion}`"),
                        vec![Edit::replace(*span, suggestion)],
                    ));
                }
            }
            SchemaLookup::NotAContainer { found: node, .. } => {
                // `name.0` and the like index into a string's characters: legal, if odd.
                if segment.parse::<usize>().is_ok() {
                    continue;
                }
                report.add(
                    found.span,
                    format!(
                        "`{prefix}` is {}{}: `{whole}` reads a field of it and always renders empty; use `{prefix}` itself or declare `{prefix}` as an object",
                        common::describe_type(node),
                        partial_note(found),
                    ),
                );
            }
            _ => {}
        }
    }
}

fn partial_note(found: &VariableUse) -> String {
    found
        .via_partial
        .as_ref()
        .map(|partial| format!(" (in partial `{partial}`)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::variables::common::rendered;
    use crate::lint::testing::{Partials, check_with, fixed, flagged, messages};
    use crate::lint::{Format, LintOptions};
    use serde_json::json;

    const SCHEMA: &str = "---\ninput:\n  schema:\n    name: string\n    count?: integer\n    user(object):\n      email: string\n      address(object):\n        city: string\n    tags(array): string\n    posts(array):\n      title: string\n    meta: any\n---\n";

    fn with_schema(body: &str) -> String {
        format!("{SCHEMA}{body}")
    }

    #[test]
    fn missing_fields_of_declared_objects() {
        let source = with_schema("{{user.emial}} {{user.address.cty}} {{user.phone}}");
        assert_eq!(
            flagged(&RULE, &source),
            ["user.emial", "user.address.cty", "user.phone"]
        );
        let found = messages(&RULE, &source);
        assert!(
            found[0].starts_with("`user` has no field `emial` (fields: email, address)"),
            "{found:?}"
        );
        assert!(found[0].ends_with("did you mean `email`?"), "{found:?}");
        assert!(
            found[1].starts_with("`user.address` has no field `cty`"),
            "{found:?}"
        );
        assert_eq!(
            fixed(&RULE, &source),
            with_schema("{{user.email}} {{user.address.city}} {{user.phone}}")
        );
    }

    #[test]
    fn fields_of_items_and_block_params() {
        let source = with_schema(
            "{{#each posts as |post|}}{{post.titel}}{{/each}}{{#each posts}}{{this.title}}{{/each}}{{#with user}}{{address.cty}}{{/with}}",
        );
        assert_eq!(flagged(&RULE, &source), ["post.titel", "address.cty"]);
        assert_eq!(
            fixed(&RULE, &source),
            with_schema(
                "{{#each posts as |post|}}{{post.title}}{{/each}}{{#each posts}}{{this.title}}{{/each}}{{#with user}}{{address.city}}{{/with}}"
            )
        );
    }

    #[test]
    fn fields_of_scalars() {
        let source =
            with_schema("{{name.first}} {{count.value}} {{#each tags}}{{this.x}}{{/each}}");
        let found = messages(&RULE, &source);
        // `this.x` on a string item is the item's first name: undefined-variable's.
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("`name` is a string: `name.first` reads a field of it"),
            "{found:?}"
        );
        assert!(found[1].starts_with("`count` is an integer"), "{found:?}");
    }

    #[test]
    fn each_over_a_scalar_renders_nothing() {
        let source = with_schema("{{#each name}}- {{this}}{{/each}}");
        assert_eq!(flagged(&RULE, &source), ["name"]);
        let found = messages(&RULE, &source);
        assert!(
            found[0].contains("iterates `name`, which is a string"),
            "{found:?}"
        );
        assert_eq!(rendered(&source, json!({"name": "Ada"})), "");
    }

    #[test]
    fn near_misses() {
        let source = with_schema(
            "{{name}} {{name.length}} {{tags.length}} {{tags.0}} {{name.0}} {{meta.anything.deep}} {{user.address.city}}\
             {{#each tags}}{{this}}{{/each}}{{#each user}}{{@key}}{{/each}}{{#each count}}{{/each}}",
        );
        // `#each` over an optional integer is flagged; everything else is fine.
        assert_eq!(flagged(&RULE, &source), ["count"]);
        // First-segment misses are undefined-variable's.
        assert_eq!(
            messages(
                &RULE,
                &with_schema("{{nmae.first}} {{#each posts}}{{titel}}{{/each}}")
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn partial_uses_are_reported_at_the_tag() {
        let partials = Partials(vec![("card", "{{email}} {{address.cty}} {{address.cty}}")]);
        let source = with_schema("{{> card user}}");
        let found = check_with(
            &RULE,
            Format::Dotprompt,
            &source,
            LintOptions::default(),
            &partials,
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].span.text(&source), "{{> card user}}");
        assert!(
            found[0]
                .message
                .contains("`address` has no field `cty` (in partial `card`)"),
            "{}",
            found[0].message
        );
    }
}
