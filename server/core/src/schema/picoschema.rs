//! Picoschema, dotprompt's compact schema language, compiled to JSON Schema.
//!
//! The semantics follow dotprompt's reference implementation (`js/src/picoschema.ts`) and its
//! spec suite, quirks included, because a prompt must mean the same thing here as in every
//! dotprompt runtime:
//! - only the top level is sniffed for plain JSON Schema (a scalar `type` or a `properties` map);
//! - every generated object is closed (`additionalProperties: false`) unless it has `(*)`;
//! - an optional field is also nullable when its type is a single name;
//! - keys and type strings are not trimmed; only spaces after the first comma are skipped.
//!
//! Deviations, each because the reference gives a result that is not JSON Schema or is an
//! accident of JavaScript: a top-level `any` compiles to `{}` (as the refactored reference
//! does), and a field with an empty value is an error (as the refactored reference and the
//! Python port do) instead of an empty object.

use serde_json::{Map, Value, json};

const SCALAR_TYPES: [&str; 6] = ["any", "boolean", "integer", "null", "number", "string"];
const WILDCARD: &str = "(*)";

/// Looks up a named schema (dotprompt's registered schemas). `None` when no such name exists.
pub trait SchemaResolver {
    fn resolve(&self, name: &str) -> Option<Value>;
}

impl<F: Fn(&str) -> Option<Value>> SchemaResolver for F {
    fn resolve(&self, name: &str) -> Option<Value> {
        self(name)
    }
}

/// A resolver that knows no names: every named type is an error.
pub struct NoSchemas;

impl SchemaResolver for NoSchemas {
    fn resolve(&self, _name: &str) -> Option<Value> {
        None
    }
}

/// Why a picoschema could not be compiled, and where: `path` is the chain of mapping keys
/// (as written, `name?(array)` included) from the schema root to the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PicoschemaError {
    pub message: String,
    pub path: Vec<String>,
    pub kind: PicoschemaErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PicoschemaErrorKind {
    /// A value that is neither a mapping nor a type string.
    NotObjectOrString,
    /// `field(kind)` where kind is not `array`, `object` or `enum`.
    BadParenthetical,
    /// A type name that is neither a scalar type nor a known named schema.
    UnknownType,
    /// `(enum)` whose value is not a list.
    EnumNotAList,
}

/// Compiles a schema as dotprompt does: `None` for an absent/empty schema, the input itself
/// for plain JSON Schema, the compiled JSON Schema for picoschema.
pub fn compile(
    schema: &Value,
    resolver: &dyn SchemaResolver,
) -> Result<Option<Value>, PicoschemaError> {
    match schema {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::Bool(false) => Ok(None),
        Value::String(text) => compile_top_level_type(text, resolver).map(Some),
        Value::Object(map) if is_json_schema(map) => Ok(Some(schema.clone())),
        Value::Object(map) if map.get("properties").is_some_and(Value::is_object) => {
            let mut out = map.clone();
            out.insert("type".into(), json!("object"));
            Ok(Some(Value::Object(out)))
        }
        _ => Compiler { resolver }
            .value(schema, &mut Vec::new())
            .map(Some),
    }
}

/// True when a mapping is plain JSON Schema rather than picoschema: its `type` names a JSON
/// Schema type. (A picoschema field literally named `type` is therefore read as JSON Schema,
/// exactly as the reference does.)
pub fn is_json_schema(map: &Map<String, Value>) -> bool {
    map.get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| SCALAR_TYPES.contains(&t) || t == "object" || t == "array")
}

/// The scalar type names picoschema knows.
pub fn scalar_types() -> &'static [&'static str] {
    &SCALAR_TYPES
}

fn compile_top_level_type(
    text: &str,
    resolver: &dyn SchemaResolver,
) -> Result<Value, PicoschemaError> {
    Compiler { resolver }.type_string(text, &[])
}

struct Compiler<'r> {
    resolver: &'r dyn SchemaResolver,
}

impl Compiler<'_> {
    fn value(&self, value: &Value, path: &mut Vec<String>) -> Result<Value, PicoschemaError> {
        match value {
            Value::String(text) => self.type_string(text, path),
            Value::Object(map) => self.object(map, path),
            other => Err(PicoschemaError {
                message: format!("Picoschema: only consists of objects and strings. Got: {other}"),
                path: path.clone(),
                kind: PicoschemaErrorKind::NotObjectOrString,
            }),
        }
    }

    fn type_string(&self, text: &str, path: &[String]) -> Result<Value, PicoschemaError> {
        let (type_name, description) = split_description(text);
        let mut schema = if type_name == "any" {
            Map::new()
        } else if SCALAR_TYPES.contains(&type_name) {
            let mut m = Map::new();
            m.insert("type".into(), json!(type_name));
            m
        } else {
            match self.resolver.resolve(type_name) {
                Some(Value::Object(resolved)) => resolved,
                Some(other) => return Ok(other),
                None => {
                    return Err(PicoschemaError {
                        message: format!(
                            "Picoschema: could not find schema with name '{type_name}'"
                        ),
                        path: path.to_vec(),
                        kind: PicoschemaErrorKind::UnknownType,
                    });
                }
            }
        };
        if let Some(description) = description {
            schema.insert("description".into(), json!(description));
        }
        Ok(Value::Object(schema))
    }

    fn object(
        &self,
        fields: &Map<String, Value>,
        path: &mut Vec<String>,
    ) -> Result<Value, PicoschemaError> {
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut additional = json!(false);

        for (key, value) in fields {
            path.push(key.clone());
            if key == WILDCARD {
                additional = self.value(value, path)?;
                path.pop();
                continue;
            }
            let field = FieldKey::parse(key);
            if !field.optional {
                required.push(json!(field.name));
            }
            let property = self.field(&field, value, path)?;
            properties.insert(field.name.to_string(), property);
            path.pop();
        }

        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
        schema.insert("additionalProperties".into(), additional);
        Ok(Value::Object(schema))
    }

    fn field(
        &self,
        field: &FieldKey<'_>,
        value: &Value,
        path: &mut Vec<String>,
    ) -> Result<Value, PicoschemaError> {
        let Some(type_info) = field.parenthetical else {
            let mut property = self.value(value, path)?;
            if field.optional {
                make_single_type_nullable(&mut property);
            }
            return Ok(property);
        };
        let (kind, description) = split_description(type_info);
        let mut property = match kind {
            "array" => {
                let items = self.value(value, path)?;
                let array_type = if field.optional {
                    json!(["array", "null"])
                } else {
                    json!("array")
                };
                json!({ "type": array_type, "items": items })
            }
            "object" => {
                let mut object = self.value(value, path)?;
                if field.optional {
                    make_single_type_nullable(&mut object);
                }
                object
            }
            "enum" => {
                let Value::Array(values) = value else {
                    return Err(PicoschemaError {
                        message: format!("Picoschema: (enum) takes a list of values, got: {value}"),
                        path: path.clone(),
                        kind: PicoschemaErrorKind::EnumNotAList,
                    });
                };
                let mut values = values.clone();
                if field.optional && !values.contains(&Value::Null) {
                    values.push(Value::Null);
                }
                json!({ "enum": values })
            }
            other => {
                return Err(PicoschemaError {
                    message: format!(
                        "Picoschema: parenthetical types must be 'object' or 'array', got: {other}"
                    ),
                    path: path.clone(),
                    kind: PicoschemaErrorKind::BadParenthetical,
                });
            }
        };
        if let (Some(description), Value::Object(map)) = (description, &mut property) {
            map.insert("description".into(), json!(description));
        }
        Ok(property)
    }
}

/// A picoschema mapping key: `name`, `name?`, `name(kind)`, `name?(kind, description)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldKey<'a> {
    pub name: &'a str,
    pub optional: bool,
    /// The text between the parentheses, without the closing one: `array, the tags`.
    pub parenthetical: Option<&'a str>,
}

impl<'a> FieldKey<'a> {
    /// Splits a key as the reference does: at the first `(`, dropping the last character of
    /// the rest (assumed to be `)`), with no trimming.
    pub fn parse(key: &'a str) -> Self {
        let mut parts = key.split('(');
        let head = parts.next().unwrap_or(key);
        // The reference keeps only the text up to a second `(`, then drops its last character.
        let parenthetical = parts.next().map(|inner| match inner.char_indices().last() {
            Some((last, _)) => &inner[..last],
            None => inner,
        });
        match head.strip_suffix('?') {
            Some(name) => Self {
                name,
                optional: true,
                parenthetical,
            },
            None => Self {
                name: head,
                optional: false,
                parenthetical,
            },
        }
    }
}

/// Splits `type, description` at the first comma; spaces after the comma are skipped and an
/// empty description counts as none. A newline before the comma defeats the reference's
/// regex, so such text is all type name.
pub fn split_description(text: &str) -> (&str, Option<&str>) {
    let Some((type_name, rest)) = text.split_once(',') else {
        return (text, None);
    };
    if type_name.contains('\n') || rest.contains('\n') {
        return (text, None);
    }
    let description = rest.trim_start_matches(' ');
    (type_name, (!description.is_empty()).then_some(description))
}

fn make_single_type_nullable(schema: &mut Value) {
    if let Some(type_value) = schema.get_mut("type")
        && let Value::String(name) = type_value
    {
        *type_value = json!([name.clone(), "null"]);
    }
}

#[cfg(test)]
mod tests;
