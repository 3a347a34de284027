//! Stand-in input data built from a prompt's input schema: what a variant is rendered with to
//! check that it still renders, and what a dry run can show without real data.

use serde_json::{Map, Value, json};

use crate::document::Document;
use crate::render::DataArgument;
use crate::schema::{NoSchemas, compile};

/// Deeper schemas get `null` below this depth: enough for any real prompt, and a bound on
/// the work a hostile schema can cause.
const MAX_DEPTH: usize = 16;

/// Render data for `document`: every declared input field (optional ones included) with a
/// value of its type: strings `"x"`, numbers `1`, booleans `true`, one-element arrays, the
/// first value of an enum. Empty when the prompt declares no (valid) input schema.
pub fn sample_data(document: &Document) -> DataArgument {
    let schema = document
        .metadata()
        .and_then(|meta| meta.input.as_ref())
        .and_then(|input| input.schema.as_ref())
        .and_then(|schema| compile(schema, &NoSchemas).ok().flatten());
    let input = match schema.as_ref().map(sample_value) {
        Some(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    DataArgument {
        input,
        ..DataArgument::default()
    }
}

/// A value that satisfies a JSON Schema node, as far as types, enums and properties go.
pub fn sample_value(schema: &Value) -> Value {
    value_at(schema, 0)
}

fn value_at(schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return first.clone();
    }
    if let Some(value) = schema.get("const") {
        return value.clone();
    }
    match first_type(schema).as_deref() {
        Some("string") => json!("x"),
        Some("number" | "integer") => json!(1),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        Some("array") => {
            let item = schema
                .get("items")
                .map_or(json!("x"), |items| value_at(items, depth + 1));
            Value::Array(vec![item])
        }
        Some("object") => object(schema, depth),
        _ if schema.get("properties").is_some() => object(schema, depth),
        _ => json!("x"),
    }
}

fn object(schema: &Value, depth: usize) -> Value {
    let mut fields = Map::new();
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, field) in properties {
            fields.insert(name.clone(), value_at(field, depth + 1));
        }
    }
    Value::Object(fields)
}

/// The type a value is built for: the first non-null one of a type list.
fn first_type(schema: &Value) -> Option<String> {
    match schema.get("type")? {
        Value::String(name) => Some(name.clone()),
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .find(|name| *name != "null")
            .or_else(|| names.iter().find_map(Value::as_str))
            .map(str::to_string),
        _ => None,
    }
}
