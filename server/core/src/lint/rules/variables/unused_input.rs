//! `unused-input`: a declared input the template (and its partials) never reads. Callers must
//! still pass it, reviewers assume it shapes the prompt, and it is often the sign of a field
//! renamed on one side only.

use serde_json::Value;

use super::common::schema_place;
use crate::lint::text::entry_lines;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Formats, Inputs, Report, Resolved, Rule, Severity,
};
use crate::template::{Node, walk};

pub(crate) static RULE: Rule = Rule {
    id: "unused-input",
    category: Category::Variables,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "A declared input field the template and its partials never use",
    docs: Docs {
        why: "A field declared in the input schema but never read by the template does nothing: callers still have to supply it (a required field fails validation when missing), and readers assume the prompt uses it. Most often the template reads it under another name, so the value the caller passes never reaches the model.",
        bad: "---\ninput:\n  schema:\n    topic: string\n    tone: string\n---\nWrite a short article about {{topic}}.\n",
        good: "---\ninput:\n  schema:\n    topic: string\n    tone: string\n---\nWrite a short article about {{topic}} in a {{tone}} tone.\n",
        fix: "Use the field in the template, or remove it from the schema (the quick fix deletes its lines). A `{{json this}}` or `{{> partial this}}` that passes the whole input counts as using every field.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(inputs) = cx.inputs() else {
        return;
    };
    if !uses_are_complete(cx) {
        return;
    }
    let mut used: Vec<&str> = Vec::new();
    for found in cx.uses() {
        match &found.resolved {
            // The whole input (`{{json this}}`, `{{> card this}}`, `{{@root}}`): every field.
            Resolved::Input(path) if path.is_empty() => return,
            Resolved::Input(path) => used.extend(path.first().map(String::as_str)),
            Resolved::Data(_) | Resolved::Unknown => {}
        }
    }
    let Some(front_matter) = cx.front_matter() else {
        return;
    };
    let defaults = default_keys(cx);
    for (name, _) in inputs.fields() {
        if used.contains(&name) {
            continue;
        }
        let Some((key, value)) = inputs.field_spans(front_matter.spans, &[name]) else {
            continue;
        };
        let finding = report.add(
            key,
            format!(
                "input `{name}` is declared in {} but the template never uses it, so its value never reaches the model; use it or remove it",
                schema_place(cx)
            ),
        );
        if let Some(lines) = removable(cx, inputs, name, key, value, &defaults) {
            finding.with_fix(Fix::suggested(
                format!("Remove `{name}` from {}", schema_place(cx)),
                lines,
            ));
        }
    }
}

/// False when some of the template's reads cannot be seen: a partial that was not found or
/// whose name is computed, a cycle. The rule then cannot tell which fields are unused.
fn uses_are_complete(cx: &Context<'_>) -> bool {
    if cx.partials().iter().any(|p| !p.found || p.cycle.is_some()) {
        return false;
    }
    let Some(document) = cx.document() else {
        return true;
    };
    let mut dynamic = false;
    walk(&document.template.nodes, &mut |node| {
        if let Node::Partial(partial) = node
            && partial.static_name(document.source()).is_none()
        {
            dynamic = true;
        }
    });
    !dynamic
}

/// The edits deleting field `name`'s lines, plus its `input.default` entry; `None` when the
/// field shares lines with others (flow style) or is listed in a JSON Schema `required`.
fn removable(
    cx: &Context<'_>,
    inputs: &Inputs,
    name: &str,
    key: crate::text::Span,
    value: crate::text::Span,
    defaults: &[(String, crate::text::Span, crate::text::Span)],
) -> Option<Vec<Edit>> {
    // A JSON Schema `required` list would still name the field.
    let json_schema = !inputs.picoschema && inputs.yaml_path.first().is_some_and(|k| k == "input");
    if json_schema
        && inputs
            .schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)))
    {
        return None;
    }
    let mut edits = vec![Edit::delete(entry_lines(cx.source(), key, value)?)];
    if let Some((_, key, value)) = defaults.iter().find(|(n, _, _)| n == name)
        && let Some(lines) = entry_lines(cx.source(), *key, *value)
    {
        edits.push(Edit::delete(lines));
    }
    Some(edits)
}

/// `input.default` entries: name, key span, value span.
fn default_keys(cx: &Context<'_>) -> Vec<(String, crate::text::Span, crate::text::Span)> {
    let Some(front_matter) = cx.front_matter() else {
        return Vec::new();
    };
    front_matter
        .spans
        .nodes()
        .iter()
        .filter(|node| {
            node.path.len() == 3 && node.path.starts_with(&["input".into(), "default".into()])
        })
        .filter_map(|node| Some((node.path.last()?.clone(), node.key?, node.value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{Partials, check_in, fixed, flagged, messages};

    const SCHEMA: &str = "---\ninput:\n  schema:\n    topic: string\n    tone?: string, the voice\n    items(array):\n      title: string\n---\n";

    fn with_schema(body: &str) -> String {
        format!("{SCHEMA}{body}")
    }

    #[test]
    fn flags_fields_never_read_at_their_key() {
        assert_eq!(
            flagged(&RULE, &with_schema("About {{topic}}.")),
            ["tone?", "items(array)"]
        );
        let found = messages(&RULE, &with_schema("About {{topic}}."));
        assert!(
            found[0].starts_with(
                "input `tone` is declared in input.schema but the template never uses it"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn any_use_counts() {
        for body in [
            "{{#if tone}}x{{/if}}{{#each items}}{{title}}{{/each}}{{topic}}",
            "{{json this}}",
            "{{@root}}",
            "{{> card this}}",
            "{{#with this}}{{topic}}{{/with}}",
            "{{#each items}}{{../tone}} {{@root.topic}}{{/each}}",
            "{{ifEquals topic tone}}{{items.length}}",
        ] {
            let partials = Partials(vec![("card", "{{topic}}")]);
            let found = check_in(&RULE, &with_schema(body), &partials);
            assert_eq!(found, [], "{body}");
        }
    }

    #[test]
    fn partials_uses_count() {
        let partials = Partials(vec![(
            "footer",
            "{{tone}} {{#each items}}{{title}}{{/each}}",
        )]);
        let found = check_in(&RULE, &with_schema("{{topic}}{{> footer}}"), &partials);
        assert_eq!(found, []);
    }

    #[test]
    fn quiet_when_a_partial_cannot_be_read() {
        assert_eq!(
            messages(&RULE, &with_schema("{{topic}}{{> missing}}")),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(&RULE, &with_schema("{{topic}}{{> (which) }}")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn no_schema_no_finding() {
        assert_eq!(
            messages(&RULE, "---\nmodel: x\n---\nHello"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn fix_removes_the_field_lines_and_its_default() {
        let source = "---\ninput:\n  schema:\n    topic: string\n    tone?: string\n  default:\n    tone: formal\n    topic: cats\n---\n{{topic}}";
        assert_eq!(
            fixed(&RULE, source),
            "---\ninput:\n  schema:\n    topic: string\n  default:\n    topic: cats\n---\n{{topic}}"
        );
        // A nested object goes with all its lines.
        assert_eq!(
            fixed(&RULE, &with_schema("{{topic}} {{tone}}")),
            "---\ninput:\n  schema:\n    topic: string\n    tone?: string, the voice\n---\n{{topic}} {{tone}}"
        );
    }

    #[test]
    fn json_schema_required_fields_get_no_fix() {
        let source = "---\ninput:\n  schema:\n    type: object\n    properties:\n      a:\n        type: string\n      b:\n        type: string\n    required: [a, b]\n---\n{{a}}";
        assert_eq!(flagged(&RULE, source), ["b"]);
        assert_eq!(fixed(&RULE, source), source);
    }
}
