//! The metadata of a rendered prompt: the front matter's dotprompt keys, overridden by the
//! render options (shallowly, `config` merged one level deeper, as dotprompt's
//! `resolveMetadata` does), with `input.schema` and `output.schema` compiled to JSON Schema.

use serde_json::{Map, Value};

use super::{RenderError, RenderErrorKind};
use crate::document::{Document, RESERVED_KEYS};
use crate::schema::{self, SchemaResolver};

/// The order keys appear in in the output, for people reading it; JSON consumers ignore it.
const OUTPUT_ORDER: [&str; 13] = [
    "name",
    "variant",
    "version",
    "description",
    "model",
    "config",
    "input",
    "output",
    "tools",
    "toolDefs",
    "metadata",
    "ext",
    "raw",
];

pub(super) fn resolve(
    document: &Document,
    options: &Map<String, Value>,
    schemas: &dyn SchemaResolver,
) -> Result<Map<String, Value>, RenderError> {
    let mut merged = Map::new();
    for key in ["ext", "metadata", "config"] {
        merged.insert(key.into(), Value::Object(Map::new()));
    }
    if let Some(meta) = document.metadata() {
        for (key, value) in &meta.raw {
            if RESERVED_KEYS.contains(&key.as_str()) && !matches!(key.as_str(), "raw" | "ext") {
                merged.insert(key.clone(), value.clone());
            }
        }
        merged.insert("ext".into(), Value::Object(meta.ext.clone()));
        merged.insert("raw".into(), Value::Object(meta.raw.clone()));
    }
    let config_before = merged.get("config").cloned();
    for (key, value) in options {
        merged.insert(key.clone(), value.clone());
    }
    let mut config = config_before
        .and_then(|c| c.as_object().cloned())
        .unwrap_or_default();
    if let Some(Value::Object(overrides)) = options.get("config") {
        config.extend(overrides.clone());
    }
    merged.insert("config".into(), Value::Object(config));
    remove_nulls(&mut merged);

    for section in ["input", "output"] {
        compile_schema(document, &mut merged, section, schemas)?;
    }

    let mut ordered = Map::new();
    for key in OUTPUT_ORDER {
        if let Some(value) = merged.remove(key) {
            ordered.insert(key.into(), value);
        }
    }
    ordered.extend(merged);
    Ok(ordered)
}

/// dotprompt drops `undefined` fields; YAML's `~`/empty values are its nearest equivalent.
fn remove_nulls(map: &mut Map<String, Value>) {
    map.retain(|_, value| !value.is_null());
}

fn compile_schema(
    document: &Document,
    metadata: &mut Map<String, Value>,
    section: &str,
    schemas: &dyn SchemaResolver,
) -> Result<(), RenderError> {
    let Some(Value::Object(spec)) = metadata.get_mut(section) else {
        return Ok(());
    };
    let Some(source) = spec.get("schema") else {
        return Ok(());
    };
    match schema::compile(source, schemas) {
        Ok(Some(compiled)) => {
            spec.insert("schema".into(), compiled);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(error) => {
            let mut path = vec![section.to_string(), "schema".to_string()];
            path.extend(error.path.iter().cloned());
            Err(RenderError {
                kind: RenderErrorKind::Schema,
                message: format!("{} (at `{}`)", error.message, path.join(".")),
                span: document
                    .front_matter
                    .spans()
                    .and_then(|spans| spans.get(&path))
                    .map(|node| node.key.unwrap_or(node.value)),
            })
        }
    }
}
