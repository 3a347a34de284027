//! `output-schema-undocumented`: output schema fields with no description. With structured
//! output the schema is part of the prompt: field descriptions are the model's only
//! instructions for what goes in each field.

use serde_json::{Map, Value};

use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::schema::picoschema::{self, FieldKey, NoSchemas, split_description};

pub(crate) static RULE: Rule = Rule {
    id: "output-schema-undocumented",
    category: Category::Variables,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::DOTPROMPT,
    summary: "Output schema fields with no description",
    docs: Docs {
        why: "With `output.schema` the model is sent the schema, and fills each field from its name and its description alone. A field called `score` says nothing about the scale, `summary` nothing about length or audience. Providers' structured-output guides recommend a description on every field; it is the cheapest place to put per-field instructions.",
        bad: "---\noutput:\n  format: json\n  schema:\n    title: string, a headline under 10 words\n    score: number\n---\nReview the article.\n",
        good: "---\noutput:\n  format: json\n  schema:\n    title: string, a headline under 10 words\n    score: number, quality from 0 (unusable) to 10 (publish as is)\n---\nReview the article.\n",
        fix: "Add a description after the type: `score: number, quality from 0 to 10` in picoschema (`items(array, what each item is):` for parentheticals), or a `description:` key in JSON Schema.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(front_matter) = cx.front_matter() else {
        return;
    };
    let Some(schema) = front_matter.raw.get("output").and_then(|o| o.get("schema")) else {
        return;
    };
    if !matches!(picoschema::compile(schema, &NoSchemas), Ok(Some(_))) {
        return;
    }
    let Value::Object(map) = schema else {
        return;
    };
    let mut undocumented = Vec::new();
    let base = vec!["output".to_string(), "schema".to_string()];
    if picoschema::is_json_schema(map) || map.contains_key("properties") {
        json_schema(map, &base, &mut undocumented);
    } else {
        picoschema_fields(map, &base, &mut undocumented);
    }
    for (path, name, json) in undocumented {
        let Some(node) = front_matter.spans.get(&path) else {
            continue;
        };
        let how = if json {
            format!("add `description:` under `{name}`")
        } else {
            format!("write `{name}: <type>, <what it holds>`")
        };
        report.add(
            node.key.unwrap_or(node.value),
            format!(
                "output field `{name}` has no description: the model fills it from its name alone; {how}"
            ),
        );
    }
}

/// Picoschema fields without a description: `name: type` with no `, description`, and
/// parentheticals with none (`tags(array): string` counts its items' description).
fn picoschema_fields(
    map: &Map<String, Value>,
    path: &[String],
    out: &mut Vec<(Vec<String>, String, bool)>,
) {
    for (key, value) in map {
        let mut here = path.to_vec();
        here.push(key.clone());
        if key != "(*)" {
            let field = FieldKey::parse(key);
            let value_described = value
                .as_str()
                .is_some_and(|text| split_description(text).1.is_some());
            let documented = match field.parenthetical {
                Some(inner) => {
                    let (kind, description) = split_description(inner);
                    description.is_some() || (kind == "array" && value_described)
                }
                None => value_described,
            };
            if !documented {
                out.push((here.clone(), field.name.to_string(), false));
            }
        }
        if let Value::Object(nested) = value {
            picoschema_fields(nested, &here, out);
        }
    }
}

/// JSON Schema properties without a non-empty `description`, at any depth.
fn json_schema(
    node: &Map<String, Value>,
    path: &[String],
    out: &mut Vec<(Vec<String>, String, bool)>,
) {
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let mut here = path.to_vec();
            here.extend(["properties".to_string(), name.clone()]);
            let documented = property
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty());
            if !documented {
                out.push((here.clone(), name.clone(), true));
            }
            if let Value::Object(inner) = property {
                json_schema(inner, &here, out);
            }
        }
    }
    if let Some(Value::Object(items)) = node.get("items") {
        let mut here = path.to_vec();
        here.push("items".into());
        json_schema(items, &here, out);
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::Severity;
    use crate::lint::testing::{check, flagged, messages};

    #[test]
    fn flags_each_undocumented_field_at_its_key() {
        let source = "---\noutput:\n  schema:\n    title: string\n    score: number, 0 to 10\n    tags(array): string\n    notes(array): string, one line each\n    author(object):\n      name: string, full name\n      url?: string\n    kind(enum, what was reviewed): [book, film]\n    mood(enum): [up, down]\n---\nHi";
        assert_eq!(
            flagged(&RULE, source),
            [
                "title",
                "tags(array)",
                "author(object)",
                "url?",
                "mood(enum)"
            ]
        );
        let found = messages(&RULE, source);
        assert_eq!(
            found[0],
            "output field `title` has no description: the model fills it from its name alone; write `title: <type>, <what it holds>`"
        );
        assert!(
            check(&RULE, source)
                .iter()
                .all(|f| f.severity == Severity::Info)
        );
    }

    #[test]
    fn json_schema_descriptions() {
        let source = "---\noutput:\n  schema:\n    type: object\n    properties:\n      a:\n        type: string\n        description: the a\n      b:\n        type: array\n        items:\n          type: object\n          properties:\n            c:\n              type: string\n---\nHi";
        assert_eq!(flagged(&RULE, source), ["b", "c"]);
        assert!(messages(&RULE, source)[0].ends_with("add `description:` under `b`"));
    }

    #[test]
    fn nothing_to_say_without_an_output_schema() {
        for source in [
            "---\noutput:\n  format: json\n---\nHi",
            "---\ninput:\n  schema:\n    a: string\n---\n{{a}}",
            "---\noutput:\n  schema: string\n---\nHi",
            "---\noutput:\n  schema:\n    a: str\n---\nHi",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
