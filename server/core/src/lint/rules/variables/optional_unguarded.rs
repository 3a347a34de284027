//! `optional-unguarded`: an optional input rendered outside `{{#if}}`. When the caller leaves
//! it out, the text around it still renders: "Topic: ." reaches the model.

use std::collections::HashSet;

use serde_json::Value;

use super::common::{self, tag_line};
use crate::lint::text::line_ending;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Inputs, Report, Resolved, Rule,
    Severity, Usage,
};

pub(crate) static RULE: Rule = Rule {
    id: "optional-unguarded",
    category: Category::Variables,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "An optional input rendered outside `{{#if}}`: its label still renders when it is absent",
    docs: Docs {
        why: "An optional field (`name?` in picoschema, absent from `required`, or nullable) renders as an empty string when the caller leaves it out, but the text around it stays: the model reads \"Audience: .\" and may guess at the missing value. Guarding the line with `{{#if}}` drops it entirely.",
        bad: "---\ninput:\n  schema:\n    topic: string\n    audience?: string\n---\nWrite about {{topic}}.\nAudience: {{audience}}.\n",
        good: "---\ninput:\n  schema:\n    topic: string\n    audience?: string\n---\nWrite about {{topic}}.\n{{#if audience}}\nAudience: {{audience}}.\n{{/if}}\n",
        fix: "Wrap the line that renders the field in `{{#if field}}` … `{{/if}}` (the quick fix does this, on lines of their own so that nothing, not even a blank line, is left when the field is absent), give the field a default in `input.default`, or make it required.",
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
    let defaulted = defaulted_fields(cx);
    let mut reported_partials = HashSet::new();
    for found in cx.uses() {
        if found.usage != Usage::Output || found.guarded {
            continue;
        }
        let Resolved::Input(path) = &found.resolved else {
            continue;
        };
        if path.is_empty() || !optional(inputs, path) {
            continue;
        }
        if path.first().is_some_and(|first| defaulted.contains(first)) {
            continue;
        }
        if found.via_partial.is_some() && !reported_partials.insert((found.span, path.clone())) {
            continue;
        }
        // Name the first field along the path that may be absent.
        let optional_len = (1..=path.len())
            .find(|&n| optional(inputs, path.get(..n).unwrap_or_default()))
            .unwrap_or(path.len());
        let optional: Vec<&str> = path
            .iter()
            .take(optional_len)
            .filter(|s| *s != "[]")
            .map(String::as_str)
            .collect();
        let optional = optional.join(".");
        let partial = found
            .via_partial
            .as_ref()
            .map(|p| format!(" (in partial `{p}`)"))
            .unwrap_or_default();
        let finding = report.add(
            found.span,
            format!(
                "optional input `{optional}` is rendered{partial} outside `{{{{#if}}}}`: when it is absent the text around it still reaches the model with a gap; wrap the line in `{{{{#if {}}}}}…{{{{/if}}}}` or give it a default",
                found.written
            ),
        );
        if found.via_partial.is_some() || cx.format() != Format::Dotprompt {
            continue;
        }
        let guard = &found.written;
        let source = cx.source();
        let Some((tag, line)) = tag_line(cx, found.span.start) else {
            continue;
        };
        let edits = match line {
            Some(line) => {
                let indent = source
                    .get(line.line.start..line.content.start)
                    .unwrap_or_default();
                let nl = line_ending(source);
                vec![
                    Edit::insert(line.line.start, format!("{indent}{{{{#if {guard}}}}}{nl}")),
                    Edit::insert(line.content.end, format!("{nl}{indent}{{{{/if}}}}")),
                ]
            }
            None => vec![
                Edit::insert(tag.start, format!("{{{{#if {guard}}}}}")),
                Edit::insert(tag.end, "{{/if}}"),
            ],
        };
        finding.with_fix(Fix::suggested(
            format!("Wrap in `{{{{#if {guard}}}}}`"),
            edits,
        ));
    }
}

/// True when a field along `path` may be absent. Picoschema marks optional fields (`name?`);
/// in JSON Schema every field is optional unless listed in `required`, but objects with no
/// `required` list at all are read as unconsidered rather than optional (authors rarely
/// write `required` on nested objects), except for nullable fields.
fn optional(inputs: &Inputs, path: &[String]) -> bool {
    if inputs.picoschema {
        return inputs.is_optional(path);
    }
    let mut node = &inputs.schema;
    for segment in path {
        if segment == "[]" {
            match node.get("items") {
                Some(items) => node = items,
                None => return false,
            }
            continue;
        }
        let Some(field) = node.get("properties").and_then(|p| p.get(segment)) else {
            return false;
        };
        let required = node.get("required").and_then(Value::as_array);
        let listed = required.is_some_and(|r| r.iter().any(|n| n.as_str() == Some(segment)));
        if (required.is_some() && !listed) || common::types(field).contains(&"null") {
            return true;
        }
        node = field;
    }
    false
}

/// Top-level fields with a default value (`input.default` in dotprompt, `default` in a
/// Prompty input): never absent at render time.
fn defaulted_fields(cx: &Context<'_>) -> Vec<String> {
    let Some(front_matter) = cx.front_matter() else {
        return Vec::new();
    };
    match cx.format() {
        Format::Prompty => front_matter
            .raw
            .get("inputs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, spec)| spec.get("default").is_some_and(|d| !d.is_null()))
            .map(|(name, _)| name.clone())
            .collect(),
        _ => front_matter
            .raw
            .get("input")
            .and_then(|input| input.get("default"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, _)| name.clone())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::Severity;
    use crate::lint::rules::variables::common::rendered;
    use crate::lint::testing::{Partials, check, check_in, fixed, flagged, messages};
    use serde_json::json;

    const SCHEMA: &str = "---\ninput:\n  schema:\n    topic: string\n    audience?: string\n    user?(object):\n      name: string\n    author(object):\n      bio?: string\n---\n";

    fn with_schema(body: &str) -> String {
        format!("{SCHEMA}{body}")
    }

    #[test]
    fn flags_optional_fields_rendered_unguarded() {
        let source = with_schema(
            "About {{topic}}.\nAudience: {{audience}}.\nHi {{user.name}}, {{author.bio}}",
        );
        assert_eq!(
            flagged(&RULE, &source),
            ["audience", "user.name", "author.bio"]
        );
        let found = messages(&RULE, &source);
        assert!(
            found[1].starts_with("optional input `user` is rendered outside `{{#if}}`"),
            "{found:?}"
        );
        assert!(
            check(&RULE, &source)
                .iter()
                .all(|f| f.severity == Severity::Info)
        );
        // What the rule warns about: the label renders with a gap.
        assert_eq!(
            rendered(
                &with_schema("Audience: {{audience}}."),
                json!({"topic": "x"})
            ),
            "Audience: ."
        );
    }

    #[test]
    fn guarded_defaulted_or_not_rendered_is_fine() {
        let source = with_schema(
            "{{#if audience}}For {{audience}}.{{/if}}{{#with user}}{{name}}{{/with}}{{#if user}}{{user.name}}{{/if}}\
             {{#unless audience}}x{{else}}{{audience}}{{/unless}}{{json audience}}{{#if audience}}y{{/if}}",
        );
        assert_eq!(messages(&RULE, &source), Vec::<String>::new());
        let defaulted = "---\ninput:\n  schema:\n    audience?: string\n  default:\n    audience: everyone\n---\nFor {{audience}}.";
        assert_eq!(messages(&RULE, defaulted), Vec::<String>::new());
    }

    #[test]
    fn json_schema_optional_means_left_out_of_a_required_list() {
        let source = "---\ninput:\n  schema:\n    type: object\n    properties:\n      a: {type: string}\n      b: {type: string}\n      c: {type: [string, \"null\"]}\n      user:\n        type: object\n        properties:\n          name: {type: string}\n    required: [a, user]\n---\n{{a}} {{b}} {{c}} {{user.name}}";
        assert_eq!(flagged(&RULE, source), ["b", "c"]);
    }

    #[test]
    fn fix_wraps_the_line_so_it_vanishes() {
        let source = with_schema("Write about {{topic}}.\n  Audience: {{audience}}.\nBe brief.");
        let fixed_source = fixed(&RULE, &source);
        assert_eq!(
            fixed_source,
            with_schema(
                "Write about {{topic}}.\n  {{#if audience}}\n  Audience: {{audience}}.\n  {{/if}}\nBe brief."
            )
        );
        assert_eq!(
            rendered(&fixed_source, json!({"topic": "cats"})),
            "Write about cats.\nBe brief."
        );
        assert_eq!(
            rendered(&fixed_source, json!({"topic": "cats", "audience": "kids"})),
            "Write about cats.\n  Audience: kids.\nBe brief."
        );
    }

    #[test]
    fn fix_keeps_crlf_line_endings() {
        let source = with_schema("Write about {{topic}}.\n  Audience: {{audience}}.\nBe brief.")
            .replace('\n', "\r\n");
        assert_eq!(
            fixed(&RULE, &source),
            with_schema(
                "Write about {{topic}}.\n  {{#if audience}}\n  Audience: {{audience}}.\n  {{/if}}\nBe brief."
            )
            .replace('\n', "\r\n")
        );
    }

    #[test]
    fn fix_wraps_only_the_tag_when_the_line_holds_a_block() {
        let source = with_schema("{{#if topic}}On {{topic}}{{/if}} for {{audience}}.");
        assert_eq!(
            fixed(&RULE, &source),
            with_schema(
                "{{#if topic}}On {{topic}}{{/if}} for {{#if audience}}{{audience}}{{/if}}."
            )
        );
    }

    #[test]
    fn partial_uses_are_reported_at_the_tag_without_a_fix() {
        let partials = Partials(vec![("who", "{{audience}} {{audience}}")]);
        let source = with_schema("{{> who}}");
        let found = check_in(&RULE, &source, &partials);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("(in partial `who`)"));
        assert!(found[0].fixes.is_empty());
    }
}
