//! `picoschema-invalid`: an `input.schema` or `output.schema` that dotprompt cannot compile:
//! unknown type names (`str`, `int`, `list`), parentheticals other than `(array)`,
//! `(object)` and `(enum)`, an `(enum)` that is not a list, values that are neither a type
//! nor a mapping. Dotprompt refuses to render such a prompt.

use serde_json::{Map, Value};

use super::common;
use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::schema::picoschema::{
    self, FieldKey, NoSchemas, PicoschemaError, PicoschemaErrorKind, scalar_types,
    split_description,
};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "picoschema-invalid",
    category: Category::Variables,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::DOTPROMPT,
    summary: "A picoschema in `input.schema` or `output.schema` that does not compile",
    docs: Docs {
        why: "Dotprompt compiles picoschema to JSON Schema before every render and throws on an unknown type (`str`, `int`, `bool`, `list` are the usual suspects), on a parenthetical other than `(array)`, `(object)` or `(enum)`, and on an `(enum)` that is not a list: the prompt cannot be used at all. Named types (`Recipe`) resolve only to schemas registered in code, which a linter cannot see.",
        bad: "---\ninput:\n  schema:\n    topic: str\n    count: int, how many ideas\n    tags(list): string\n---\nGive {{count}} ideas about {{topic}}.\n",
        good: "---\ninput:\n  schema:\n    topic: string\n    count: integer, how many ideas\n    tags(array): string\n---\nGive {{count}} ideas about {{topic}}, each labelled with one of these tags: {{#each tags}}{{this}} {{/each}}\n",
        fix: "Use picoschema's types: `string`, `number`, `integer`, `boolean`, `null`, `any`; `field(array): item-type`, `field(object):` with nested fields, `field(enum): [a, b]`; `field?:` for optional. The quick fix renames the usual mistakes (`str`→`string`, `int`→`integer`, `bool`→`boolean`, `float`/`double`→`number`, `list`→`(array)`).",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(front_matter) = cx.front_matter() else {
        return;
    };
    for section in ["input", "output"] {
        let Some(schema) = front_matter.raw.get(section).and_then(|s| s.get("schema")) else {
            continue;
        };
        let base = [section.to_string(), "schema".to_string()];
        for error in errors(schema) {
            report_error(cx, &base, schema, &error, report);
        }
    }
}

/// Every field's first error: a top-level picoschema mapping is compiled one field at a time
/// so that one mistake does not hide the next.
fn errors(schema: &Value) -> Vec<PicoschemaError> {
    let Value::Object(map) = schema else {
        return picoschema::compile(schema, &NoSchemas)
            .err()
            .into_iter()
            .collect();
    };
    if picoschema::is_json_schema(map) || map.contains_key("properties") {
        return Vec::new();
    }
    map.iter()
        .filter_map(|(key, value)| {
            let mut one = Map::new();
            one.insert(key.clone(), value.clone());
            picoschema::compile(&Value::Object(one), &NoSchemas).err()
        })
        .collect()
}

fn report_error(
    cx: &Context<'_>,
    base: &[String],
    schema: &Value,
    error: &PicoschemaError,
    report: &mut Report,
) {
    let Some(front_matter) = cx.front_matter() else {
        return;
    };
    let mut yaml_path = base.to_vec();
    yaml_path.extend(error.path.iter().cloned());
    let node = front_matter.spans.get(&yaml_path);
    let where_ = format!("{}.{}", base.join("."), error.path.join("."));
    let where_ = where_.trim_end_matches('.');
    let raw = value_at(schema, &error.path);
    let key = error.path.last().map(|k| FieldKey::parse(k));
    let value_span = node.map(|n| n.value);
    let key_span = node.and_then(|n| n.key);
    let fallback = value_span.or(key_span).unwrap_or(front_matter.split.yaml);
    match error.kind {
        PicoschemaErrorKind::UnknownType => {
            let text = raw.and_then(Value::as_str).unwrap_or_default();
            let (type_name, description) = split_description(text);
            let located = value_span.and_then(|v| locate(cx.source(), v, type_name));
            let span = located.unwrap_or(fallback);
            if nested_json_schema(schema, &error.path) {
                report.add(
                    key_span.unwrap_or(span),
                    format!(
                        "`{where_}` looks like JSON Schema nested inside picoschema: dotprompt reads only the top level of a schema as JSON Schema, so here `type` is a field whose type `{type_name}` does not exist; write the field in picoschema (`name(object):` with its fields) or make the whole schema JSON Schema"
                    ),
                );
                return;
            }
            match replacement(type_name) {
                Replacement::Scalar(scalar, note) => {
                    let finding = report.add(
                        span,
                        format!(
                            "unknown picoschema type `{type_name}` at `{where_}`{note}: dotprompt refuses to render this prompt; use `{scalar}`"
                        ),
                    );
                    if located.is_some() {
                        finding.with_fix(Fix::suggested(
                            format!("Replace `{type_name}` with `{scalar}`"),
                            vec![Edit::replace(span, scalar)],
                        ));
                    }
                }
                Replacement::Array => {
                    let finding = report.add(
                        span,
                        format!(
                            "`{type_name}` is not a picoschema type (at `{where_}`): declare a list as `{}(array): item-type`",
                            key.map_or("field", |k| k.name)
                        ),
                    );
                    if let (Some(k), Some(key_span), Some(value_span)) = (key, key_span, value_span)
                        && k.parenthetical.is_none()
                    {
                        let optional = if k.optional { "?" } else { "" };
                        let new_key = match description {
                            Some(d) => format!("{}{optional}(array, {d})", k.name),
                            None => format!("{}{optional}(array)", k.name),
                        };
                        finding.with_fix(Fix::suggested(
                            format!("Declare `{new_key}: any`"),
                            vec![
                                Edit::replace(key_span, new_key),
                                Edit::replace(value_span, "any"),
                            ],
                        ));
                    }
                }
                Replacement::Object => {
                    let finding = report.add(
                        span,
                        format!(
                            "`{type_name}` is not a picoschema type (at `{where_}`): declare an object as `{}(object):` with its fields nested below, or use `any`",
                            key.map_or("field", |k| k.name)
                        ),
                    );
                    if located.is_some() {
                        finding.with_fix(Fix::suggested(
                            "Use `any`",
                            vec![Edit::replace(span, "any")],
                        ));
                    }
                }
                Replacement::Named => {
                    report.add(
                        span,
                        format!(
                            "unknown schema name `{type_name}` at `{where_}`: dotprompt resolves named types only from schemas registered in code (`defineSchema`), which the linter cannot see, and refuses to render when the name is not registered; register it or use a scalar type ({})",
                            scalar_types().join(", ")
                        ),
                    );
                }
                Replacement::Unknown => {
                    report.add(
                        span,
                        format!(
                            "unknown picoschema type `{type_name}` at `{where_}`: dotprompt refuses to render this prompt; use one of {}",
                            scalar_types().join(", ")
                        ),
                    );
                }
            }
        }
        PicoschemaErrorKind::BadParenthetical => {
            let Some(k) = key else {
                return;
            };
            let inner = k.parenthetical.unwrap_or_default();
            let (kind, _) = split_description(inner);
            let span = key_span
                .and_then(|ks| locate(cx.source(), ks, &format!("({kind}")))
                .map(|s| Span::new(s.start + 1, s.end));
            let fixed = match kind.trim().to_lowercase().as_str() {
                "list" | "arr" | "array[]" | "[]" | "vec" | "sequence" | "seq" | "arrays" => {
                    Some("array")
                }
                "obj" | "dict" | "map" | "record" | "struct" | "objects" => Some("object"),
                "choice" | "choices" | "oneof" | "one_of" | "literal" | "enums" => Some("enum"),
                other => ["array", "object", "enum"]
                    .into_iter()
                    .find(|k| k.eq_ignore_ascii_case(other.trim()))
                    .or_else(|| common::closest(other.trim(), ["array", "object", "enum"])),
            };
            let mut message = format!(
                "`({kind})` is not a picoschema parenthetical (at `{where_}`): only `(array)`, `(object)` and `(enum)` exist"
            );
            if let Some(fixed) = fixed {
                message.push_str(&format!("; use `({fixed})`"));
            }
            let finding = report.add(span.or(key_span).unwrap_or(fallback), message);
            if let (Some(fixed), Some(span)) = (fixed, span) {
                finding.with_fix(Fix::suggested(
                    format!("Replace with `({fixed})`"),
                    vec![Edit::replace(span, fixed)],
                ));
            }
        }
        PicoschemaErrorKind::EnumNotAList => {
            let finding = report.add(
                fallback,
                format!("`{where_}` is an `(enum)` but its value is not a list: write the values as `[a, b, c]`"),
            );
            if let (Some(Value::String(text)), Some(span)) = (raw, value_span) {
                let values: Vec<&str> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .collect();
                if values.len() > 1 {
                    let list = format!("[{}]", values.join(", "));
                    finding.with_fix(Fix::suggested(
                        format!("Write `{list}`"),
                        vec![Edit::replace(span, list)],
                    ));
                }
            }
        }
        PicoschemaErrorKind::NotObjectOrString => {
            let name = key.map_or("field", |k| k.name);
            match raw {
                Some(Value::Null) | None
                    if value_span
                        .is_some_and(|v| matches!(cx.text(v), "null" | "Null" | "NULL" | "~")) =>
                {
                    let finding = report.add(
                        fallback,
                        format!("`{where_}`: YAML reads `{}` as no value at all, not as picoschema's `null` type; quote it", cx.text(fallback)),
                    );
                    finding.with_fix(Fix::suggested(
                        "Quote `\"null\"`",
                        vec![Edit::replace(fallback, "\"null\"")],
                    ));
                }
                Some(Value::Null) | None => {
                    report.add(
                        key_span.unwrap_or(fallback),
                        format!("`{where_}` has no type: write `{name}: string` (or another type), or nest its fields below it"),
                    );
                }
                Some(Value::Array(_)) => {
                    let finding = report.add(
                        fallback,
                        format!("`{where_}` is a list, which picoschema reads only after `(enum)`: write `{name}(enum): [...]` for a choice of values"),
                    );
                    if let (Some(k), Some(key_span)) = (key, key_span)
                        && k.parenthetical.is_none()
                        && cx.text(key_span) == error.path.last().map_or("", String::as_str)
                    {
                        let optional = if k.optional { "?" } else { "" };
                        finding.with_fix(Fix::suggested(
                            format!("Declare `{name}{optional}(enum)`"),
                            vec![Edit::replace(key_span, format!("{name}{optional}(enum)"))],
                        ));
                    }
                }
                Some(other) => {
                    let kind = common::json_types(other)
                        .first()
                        .copied()
                        .unwrap_or("value");
                    report.add(
                        fallback,
                        format!("`{where_}` is the {kind} `{other}`, not a type: write a type such as `{name}: {kind}`; put default values in `input.default`"),
                    );
                }
            }
        }
    }
}

enum Replacement {
    Scalar(&'static str, &'static str),
    Array,
    Object,
    Named,
    Unknown,
}

/// What an unknown type name most likely meant.
fn replacement(name: &str) -> Replacement {
    let lower = name.trim().to_lowercase();
    let scalar = match lower.as_str() {
        "str" | "text" | "char" | "varchar" | "chars" | "strings" => "string",
        "int" | "long" | "short" | "int32" | "int64" | "uint" | "bigint" | "integers" => "integer",
        "bool" | "booleans" => "boolean",
        "float" | "double" | "decimal" | "num" | "numeric" | "real" | "float32" | "float64"
        | "numbers" => "number",
        "none" | "nil" | "nothing" => "null",
        "date" | "datetime" | "timestamp" | "time" | "uuid" | "url" | "uri" | "email" => {
            return Replacement::Scalar(
                "string",
                " (picoschema has no format types: say the format in the description)",
            );
        }
        "list" | "array" | "arr" | "[]" | "vec" => return Replacement::Array,
        "object" | "obj" | "dict" | "map" | "record" | "json" | "struct" => {
            return Replacement::Object;
        }
        other => match scalar_types().iter().find(|t| **t == other) {
            // `String`, `Boolean`: a scalar with the wrong case.
            Some(found) => found,
            None => match common::closest(other, scalar_types().iter().copied()) {
                Some(found) if !starts_upper(name) => found,
                _ if is_identifier(name) && starts_upper(name) => return Replacement::Named,
                _ => return Replacement::Unknown,
            },
        },
    };
    Replacement::Scalar(scalar, "")
}

fn starts_upper(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// The value at a picoschema error path.
fn value_at<'v>(schema: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut node = schema;
    for key in path {
        node = node.get(key)?;
    }
    Some(node)
}

/// The error is a `type:` key inside a nested mapping that reads as JSON Schema.
fn nested_json_schema(schema: &Value, path: &[String]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    last == "type"
        && value_at(schema, parent)
            .and_then(Value::as_object)
            .is_some_and(|m| m.contains_key("properties") || m.contains_key("items"))
}

/// The first occurrence of `needle` at the start of `within` (after an opening quote).
fn locate(source: &str, within: Span, needle: &str) -> Option<Span> {
    if needle.is_empty() {
        return None;
    }
    let text = within.text(source);
    let offset = text.find(needle)?;
    let before = text.get(..offset)?;
    before
        .chars()
        .all(|c| {
            c == '"'
                || c == '\''
                || c.is_whitespace()
                || c.is_alphanumeric()
                || c == '?'
                || c == '_'
        })
        .then(|| Span::new(within.start + offset, within.start + offset + needle.len()))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    fn schema(fields: &str) -> String {
        format!("---\ninput:\n  schema:\n{fields}---\nHi\n")
    }

    #[test]
    fn reports_every_bad_field_at_its_type() {
        let source = schema(
            "    a: str\n    b: int, how many\n    c?: bool\n    d: float\n    e: string\n    f: \"double\"\n",
        );
        assert_eq!(
            flagged(&RULE, &source),
            ["str", "int", "bool", "float", "double"]
        );
        let found = messages(&RULE, &source);
        assert!(
            found[0].starts_with("unknown picoschema type `str` at `input.schema.a`"),
            "{found:?}"
        );
        assert!(found[0].ends_with("use `string`"), "{found:?}");
        assert_eq!(
            fixed(&RULE, &source),
            schema(
                "    a: string\n    b: integer, how many\n    c?: boolean\n    d: number\n    e: string\n    f: \"number\"\n"
            )
        );
    }

    #[test]
    fn wrong_case_and_typos() {
        let source = schema("    a: String\n    b: strng\n    c: zzzqqq\n");
        assert_eq!(
            fixed(&RULE, &source),
            schema("    a: string\n    b: string\n    c: zzzqqq\n")
        );
        assert!(messages(&RULE, &source)[2].contains("use one of any, boolean"));
    }

    #[test]
    fn lists_and_objects_as_types() {
        let source = schema("    tags: list, the tags\n    meta: dict\n");
        assert_eq!(
            fixed(&RULE, &source),
            schema("    tags(array, the tags): any\n    meta: any\n")
        );
    }

    #[test]
    fn bad_parentheticals() {
        let source =
            schema("    tags(list): string\n    kind?(choice): [a, b]\n    x(thing): string\n");
        assert_eq!(flagged(&RULE, &source), ["list", "choice", "thing"]);
        assert_eq!(
            fixed(&RULE, &source),
            schema("    tags(array): string\n    kind?(enum): [a, b]\n    x(thing): string\n")
        );
    }

    #[test]
    fn enums_and_values_that_are_not_types() {
        let source = schema(
            "    color(enum): red, green\n    tone: [formal, casual]\n    n: 5\n    empty:\n    none: null\n",
        );
        let found = messages(&RULE, &source);
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(
            found[2].contains("is the integer `5`, not a type"),
            "{found:?}"
        );
        assert!(found[3].contains("has no type"), "{found:?}");
        assert_eq!(
            fixed(&RULE, &source),
            schema(
                "    color(enum): [red, green]\n    tone(enum): [formal, casual]\n    n: 5\n    empty:\n    none: \"null\"\n"
            )
        );
    }

    #[test]
    fn named_types_need_registration() {
        let source = "---\noutput:\n  schema: Recipe\n---\nHi";
        assert_eq!(flagged(&RULE, source), ["Recipe"]);
        assert!(messages(&RULE, source)[0].contains("register it or use a scalar type"));
        let nested = schema("    recipe(array): Recipe\n");
        assert_eq!(flagged(&RULE, &nested), ["Recipe"]);
    }

    #[test]
    fn nested_objects_and_output_schema() {
        let source = "---\noutput:\n  schema:\n    user(object):\n      name: str\n      tags(array):\n        label: text\n---\nHi";
        assert_eq!(flagged(&RULE, source), ["str"]);
        // One error per top-level field: fixing it reveals the next.
        let once = fixed(&RULE, source);
        assert_eq!(flagged(&RULE, &once), ["text"]);
    }

    #[test]
    fn nested_json_schema_is_explained() {
        let source = schema(
            "    address:\n      type: object\n      properties:\n        city:\n          type: string\n",
        );
        let found = messages(&RULE, &source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("looks like JSON Schema nested inside picoschema"),
            "{found:?}"
        );
    }

    #[test]
    fn valid_schemas_pass() {
        for fields in [
            "    a: string\n    b?: integer, count\n    c(array): number\n    d(object, the d):\n      x: boolean\n    e(enum): [a, b]\n    f: any\n    g: \"null\"\n    (*): string\n",
            "    type: object\n    properties:\n      a:\n        type: strng\n",
        ] {
            assert_eq!(
                messages(&RULE, &schema(fields)),
                Vec::<String>::new(),
                "{fields}"
            );
        }
        assert_eq!(
            messages(
                &RULE,
                "---\noutput:\n  format: json\n  schema: string\n---\nHi"
            ),
            Vec::<String>::new()
        );
    }
}
