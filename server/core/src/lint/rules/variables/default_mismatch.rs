//! `default-mismatch`: an `input.default` that does not fit `input.schema`: a default for a
//! field the schema does not declare, or a value of the wrong type.

use serde_json::Value;

use super::common::{self, json_types, types};
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, SchemaLookup, Severity,
};

pub(crate) static RULE: Rule = Rule {
    id: "default-mismatch",
    category: Category::Variables,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::DOTPROMPT,
    summary: "An `input.default` for an undeclared field, or of the wrong type",
    docs: Docs {
        why: "Defaults fill in inputs the caller leaves out. A default for a field the schema does not declare is never read by a checked template and usually marks a renamed field; a default of the wrong type (`count: \"5\"` for an integer, a value outside an enum) fails validation or renders something the schema promised it would not.",
        bad: "---\ninput:\n  schema:\n    count: integer\n    tone(enum): [formal, casual]\n  default:\n    count: \"five\"\n    tone: friendly\n    audiense: everyone\n---\nGive {{count}} tips in a {{tone}} tone.\n",
        good: "---\ninput:\n  schema:\n    count: integer\n    tone(enum): [formal, casual]\n  default:\n    count: 5\n    tone: casual\n---\nGive {{count}} tips in a {{tone}} tone.\n",
        fix: "Rename the default to the declared field (the quick fix offers the closest), or give it a value of the declared type.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    if cx.inputs_unreadable() {
        return;
    }
    let (Some(inputs), Some(front_matter)) = (cx.inputs(), cx.front_matter()) else {
        return;
    };
    let Some(defaults) = front_matter
        .raw
        .get("input")
        .and_then(|input| input.get("default"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, value) in defaults {
        let path = ["input", "default", name.as_str()];
        let Some(node) = front_matter.spans.get(&path) else {
            continue;
        };
        match inputs.lookup(std::slice::from_ref(name)) {
            SchemaLookup::Missing { .. } => {
                let declared: Vec<&str> = inputs.fields().map(|(field, _)| field).collect();
                let suggestion = common::closest(name, declared.iter().copied())
                    .filter(|s| !defaults.contains_key(*s));
                let mut message = format!(
                    "`input.default` sets `{name}`, which input.schema does not declare (declared: {})",
                    common::list(&declared)
                );
                match suggestion {
                    Some(s) => message.push_str(&format!("; did you mean `{s}`?")),
                    None => message.push_str("; remove it or declare the field"),
                }
                let finding = report.add(node.key.unwrap_or(node.value), message);
                if let (Some(s), Some(key)) = (suggestion, node.key) {
                    finding.with_fix(Fix::suggested(
                        format!("Rename to `{s}`"),
                        vec![Edit::replace(key, s)],
                    ));
                }
            }
            SchemaLookup::Found(schema) => {
                if let Some(problem) = mismatch(value, schema, name) {
                    report.add(
                        node.value,
                        format!("default for {problem}: fix the value or the schema"),
                    );
                }
            }
            SchemaLookup::Open | SchemaLookup::NotAContainer { .. } => {}
        }
    }
}

/// What is wrong with `value` against `schema`, naming the place (`count`, `tags[1]`).
fn mismatch(value: &Value, schema: &Value, at: &str) -> Option<String> {
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
            return Some(format!(
                "`{at}` is {value}, not one of {}",
                names.join(", ")
            ));
        }
        return None;
    }
    let declared = types(schema);
    if !declared.is_empty() && !json_types(value).iter().any(|t| declared.contains(t)) {
        return Some(format!(
            "`{at}` is {} ({}) but input.schema declares {}",
            common::describe_type(
                &serde_json::json!({ "type": json_types(value).first().copied().unwrap_or("value") })
            ),
            short(value),
            common::describe_type(schema)
        ));
    }
    match value {
        Value::Array(items) => {
            let item_schema = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, item)| mismatch(item, item_schema, &format!("{at}[{i}]")))
        }
        Value::Object(fields) => {
            let properties = schema.get("properties").and_then(Value::as_object)?;
            let closed = matches!(
                schema.get("additionalProperties"),
                Some(Value::Bool(false)) | None
            );
            fields
                .iter()
                .find_map(|(key, field)| match properties.get(key) {
                    Some(field_schema) => mismatch(field, field_schema, &format!("{at}.{key}")),
                    None if closed => Some(format!(
                        "`{at}` sets field `{key}`, which input.schema does not declare"
                    )),
                    None => None,
                })
        }
        _ => None,
    }
}

/// A value for a message, cut short.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    const SCHEMA: &str = "---\ninput:\n  schema:\n    count: integer\n    ratio?: number\n    tone(enum): [formal, casual]\n    tags(array): string\n    user(object):\n      name: string\n    extra: any\n  default:\n";

    fn defaults(lines: &str) -> String {
        format!("{SCHEMA}{lines}---\n{{{{count}}}}")
    }

    #[test]
    fn wrong_types_enum_values_and_nested_shapes() {
        let source = defaults(
            "    count: \"5\"\n    ratio: high\n    tone: friendly\n    tags: [a, 2]\n    user:\n      nmae: Ada\n",
        );
        let found = messages(&RULE, &source);
        assert_eq!(found.len(), 5, "{found:?}");
        assert_eq!(
            found[0],
            "default for `count` is a string (\"5\") but input.schema declares an integer: fix the value or the schema"
        );
        assert!(found[1].contains("`ratio` is a string"), "{found:?}");
        assert!(
            found[2].contains("`tone` is \"friendly\", not one of \"formal\", \"casual\""),
            "{found:?}"
        );
        assert!(found[3].contains("`tags[1]` is an integer"), "{found:?}");
        assert!(found[4].contains("`user` sets field `nmae`"), "{found:?}");
    }

    #[test]
    fn undeclared_defaults_suggest_the_field() {
        let source = defaults("    cuont: 3\n    zzz: 1\n");
        assert_eq!(flagged(&RULE, &source), ["cuont", "zzz"]);
        assert_eq!(
            fixed(&RULE, &source),
            defaults("    count: 3\n    zzz: 1\n")
        );
    }

    #[test]
    fn fitting_defaults_pass() {
        let source = defaults(
            "    count: 3\n    ratio: 0.5\n    tone: casual\n    tags: [a, b]\n    user:\n      name: Ada\n    extra: {any: thing}\n",
        );
        assert_eq!(messages(&RULE, &source), Vec::<String>::new());
        // An integer default where a number is declared, and null for an optional field.
        assert_eq!(
            messages(&RULE, &defaults("    ratio: 2\n")),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(&RULE, &defaults("    ratio: null\n")),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(&RULE, "---\ninput:\n  default:\n    x: 1\n---\n{{x}}"),
            Vec::<String>::new()
        );
    }
}
