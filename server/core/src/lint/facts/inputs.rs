//! The declared inputs of a prompt as JSON Schema, and path lookups into them.

use serde_json::Value;

use crate::document::SpanMap;
use crate::schema::picoschema::FieldKey;
use crate::text::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// The inputs as JSON Schema (picoschema compiled; Prompty `inputs` converted).
    pub schema: Value,
    /// The declaration's value in the front matter.
    pub span: Span,
    /// The front-matter path of the mapping that lists the top-level fields:
    /// `["input", "schema"]` (picoschema), `["input", "schema", "properties"]` (JSON Schema)
    /// or `["inputs"]` (Prompty).
    pub yaml_path: Vec<String>,
    /// Field keys are written in picoschema (`name?`, `items(array)`).
    pub picoschema: bool,
}

/// Where a variable path leads in the input schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SchemaLookup<'a> {
    Found(&'a Value),
    /// The schema allows anything here (`any`, an open object, a `$ref`): nothing to check.
    Open,
    /// Segment `at` names a field the object before it does not declare.
    Missing {
        at: usize,
        object: &'a Value,
    },
    /// Segment `at` reaches into a value that has no fields or elements (a string, say).
    NotAContainer {
        at: usize,
        found: &'a Value,
    },
}

impl Inputs {
    /// Follows `path` (segments from the input root, `[]` for array elements).
    pub fn lookup(&self, path: &[String]) -> SchemaLookup<'_> {
        let mut node = &self.schema;
        for (at, segment) in path.iter().enumerate() {
            if is_open(node) {
                return SchemaLookup::Open;
            }
            let types = types(node);
            let is = |t: &str| types.contains(&t);
            let next = if segment == "[]" || segment.parse::<usize>().is_ok() {
                if is("array") {
                    node.get("items")
                } else if is("object") {
                    match node.get("additionalProperties") {
                        Some(Value::Object(schema)) if !schema.is_empty() => {
                            node.get("additionalProperties")
                        }
                        _ => return SchemaLookup::Open,
                    }
                } else {
                    return SchemaLookup::NotAContainer { at, found: node };
                }
            } else if segment == "length" && (is("array") || is("string")) {
                return SchemaLookup::Open;
            } else if is("object") || node.get("properties").is_some() {
                match node.get("properties").and_then(|p| p.get(segment)) {
                    Some(field) => Some(field),
                    None => match node.get("additionalProperties") {
                        Some(Value::Bool(false)) | None if node.get("properties").is_some() => {
                            return SchemaLookup::Missing { at, object: node };
                        }
                        Some(Value::Object(schema)) if !schema.is_empty() => {
                            node.get("additionalProperties")
                        }
                        _ => return SchemaLookup::Open,
                    },
                }
            } else {
                return SchemaLookup::NotAContainer { at, found: node };
            };
            let Some(next) = next else {
                return SchemaLookup::Open;
            };
            node = next;
        }
        SchemaLookup::Found(node)
    }

    /// True when some field along `path` may be absent (not `required`, or nullable).
    pub fn is_optional(&self, path: &[String]) -> bool {
        let mut node = &self.schema;
        for segment in path {
            if segment == "[]" {
                match node.get("items") {
                    Some(items) => node = items,
                    None => return false,
                }
                continue;
            }
            let required = node
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|name| name.as_str() == Some(segment)));
            let Some(field) = node.get("properties").and_then(|p| p.get(segment)) else {
                return false;
            };
            if !required || types(field).contains(&"null") {
                return true;
            }
            node = field;
        }
        false
    }

    /// The top-level fields, in declaration order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, schema)| (name.as_str(), schema))
    }

    /// The field names declared on the object reached by `path`.
    pub fn field_names(&self, path: &[String]) -> Vec<&str> {
        let object = match self.lookup(path) {
            SchemaLookup::Found(node) => node,
            _ => return Vec::new(),
        };
        object
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// The front-matter node declaring the field at `path` (names without picoschema
    /// decorations): its key span and its whole value span.
    pub fn field_spans(&self, spans: &SpanMap, path: &[&str]) -> Option<(Span, Span)> {
        let mut yaml_path: Vec<String> = self.yaml_path.clone();
        for (i, name) in path.iter().enumerate() {
            let node = spans.nodes().iter().find(|node| {
                node.path.len() == yaml_path.len() + 1
                    && node.path.starts_with(&yaml_path)
                    && node
                        .path
                        .last()
                        .is_some_and(|key| self.key_name(key) == *name)
            })?;
            yaml_path = node.path.clone();
            // Picoschema nests an object's fields directly; JSON Schema and Prompty under
            // `properties`.
            if !self.picoschema && i + 1 < path.len() {
                yaml_path.push("properties".into());
            }
        }
        let node = spans.get(&yaml_path)?;
        Some((node.key.unwrap_or(node.value), node.value))
    }

    fn key_name<'k>(&self, key: &'k str) -> &'k str {
        if self.picoschema {
            FieldKey::parse(key).name
        } else {
            key
        }
    }
}

/// The JSON Schema type names of a node (`type: [string, null]` gives both).
pub fn types(node: &Value) -> Vec<&str> {
    match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// A schema that accepts anything: `{}`, `any`, or one built from combinators we do not follow.
fn is_open(node: &Value) -> bool {
    let Some(map) = node.as_object() else {
        return true;
    };
    if ["$ref", "anyOf", "oneOf", "allOf"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        return true;
    }
    !map.contains_key("type") && !map.contains_key("properties") && !map.contains_key("items")
}
