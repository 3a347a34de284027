//! Typed front matter, read field by field so one wrong field is one error, not a lost file.

use serde_json::{Map, Value};

/// Keys dotprompt gives meaning to. Other plain keys stay only in `raw`; dotted keys
/// (`myext.flag`) are gathered into `ext`.
pub const RESERVED_KEYS: [&str; 13] = [
    "config",
    "description",
    "ext",
    "input",
    "metadata",
    "model",
    "name",
    "output",
    "raw",
    "toolDefs",
    "tools",
    "variant",
    "version",
];

/// The front matter of a `.prompt` file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptMetadata {
    pub name: Option<String>,
    pub variant: Option<String>,
    pub version: Option<String>,
    pub description: Option<String>,
    pub model: Option<String>,
    pub config: Map<String, Value>,
    pub input: Option<InputSpec>,
    pub output: Option<OutputSpec>,
    pub tools: Vec<String>,
    pub tool_defs: Vec<Value>,
    pub metadata: Map<String, Value>,
    /// The front matter exactly as parsed.
    pub raw: Map<String, Value>,
    /// Dotted keys split at their last dot: `a.b.c: 1` → `ext["a.b"]["c"] = 1`.
    pub ext: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputSpec {
    /// The schema as written (picoschema or JSON Schema); compile with [`crate::schema`].
    pub schema: Option<Value>,
    pub default: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutputSpec {
    pub format: Option<String>,
    pub schema: Option<Value>,
}

/// A field whose value has the wrong shape: its path and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: Vec<String>,
    pub message: String,
}

impl PromptMetadata {
    /// Reads typed metadata from the parsed front matter, reporting each mistyped field.
    pub fn from_raw(raw: Map<String, Value>) -> (Self, Vec<FieldError>) {
        let mut reader = Reader::default();
        let mut meta = PromptMetadata {
            name: reader.string(&raw, "name"),
            variant: reader.string(&raw, "variant"),
            version: reader.version(&raw),
            description: reader.string(&raw, "description"),
            model: reader.string(&raw, "model"),
            config: reader.object(&raw, &["config"]).unwrap_or_default(),
            input: raw.get("input").and_then(|_| {
                let input = reader.object(&raw, &["input"])?;
                Some(InputSpec {
                    schema: input.get("schema").cloned(),
                    default: reader.object(&input, &["input", "default"]),
                })
            }),
            output: raw.get("output").and_then(|_| {
                let output = reader.object(&raw, &["output"])?;
                Some(OutputSpec {
                    format: reader.string_at(&output, &["output", "format"]),
                    schema: output.get("schema").cloned(),
                })
            }),
            tools: reader.string_list(&raw, "tools"),
            tool_defs: reader.list(&raw, "toolDefs"),
            metadata: reader.object(&raw, &["metadata"]).unwrap_or_default(),
            raw: Map::new(),
            ext: Map::new(),
        };
        for (key, value) in &raw {
            if RESERVED_KEYS.contains(&key.as_str()) {
                continue;
            }
            if let Some((namespace, field)) = key.rsplit_once('.') {
                let entry = meta
                    .ext
                    .entry(namespace.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(fields) = entry {
                    fields.insert(field.to_string(), value.clone());
                }
            }
        }
        meta.raw = raw;
        (meta, reader.errors)
    }
}

#[derive(Default)]
struct Reader {
    errors: Vec<FieldError>,
}

impl Reader {
    fn wrong(&mut self, path: &[&str], expected: &str, found: &Value) {
        self.errors.push(FieldError {
            path: path.iter().map(|s| s.to_string()).collect(),
            message: format!(
                "`{}` must be {expected}, not {}",
                path.join("."),
                describe(found)
            ),
        });
    }

    fn string(&mut self, map: &Map<String, Value>, key: &str) -> Option<String> {
        self.string_at(map, &[key])
    }

    fn string_at(&mut self, map: &Map<String, Value>, path: &[&str]) -> Option<String> {
        let key = path.last()?;
        match map.get(*key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => {
                self.wrong(path, "a string", other);
                None
            }
        }
    }

    /// Versions are often written as numbers (`version: 2`); keep their text.
    fn version(&mut self, map: &Map<String, Value>) -> Option<String> {
        match map.get("version")? {
            Value::Number(n) => Some(n.to_string()),
            _ => self.string(map, "version"),
        }
    }

    fn object(&mut self, map: &Map<String, Value>, path: &[&str]) -> Option<Map<String, Value>> {
        let key = path.last()?;
        match map.get(*key)? {
            Value::Object(m) => Some(m.clone()),
            Value::Null => None,
            other => {
                self.wrong(path, "a mapping of keys to values", other);
                None
            }
        }
    }

    fn list(&mut self, map: &Map<String, Value>, key: &str) -> Vec<Value> {
        match map.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => {
                self.wrong(&[key], "a list", other);
                Vec::new()
            }
        }
    }

    fn string_list(&mut self, map: &Map<String, Value>, key: &str) -> Vec<String> {
        let mut names = Vec::new();
        for (index, item) in self.list(map, key).iter().enumerate() {
            match item {
                Value::String(s) => names.push(s.clone()),
                other => {
                    let index = index.to_string();
                    self.wrong(&[key, &index], "a tool name (a string)", other);
                }
            }
        }
        names
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value) -> (PromptMetadata, Vec<FieldError>) {
        let Value::Object(raw) = value else {
            panic!("fixture must be an object")
        };
        PromptMetadata::from_raw(raw)
    }

    #[test]
    fn reads_every_dotprompt_field() {
        let (meta, errors) = read(json!({
            "name": "summarize", "variant": "short", "version": 3, "description": "d",
            "model": "googleai/gemini-2.5-flash", "config": {"temperature": 0.2},
            "input": {"schema": {"text": "string"}, "default": {"text": "x"}},
            "output": {"format": "json", "schema": {"summary": "string"}},
            "tools": ["search"], "toolDefs": [{"name": "t"}], "metadata": {"owner": "qa"},
            "myext.flag": true, "a.b.c": 1, "custom": "only in raw"
        }));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(meta.version.as_deref(), Some("3"));
        assert_eq!(meta.input.unwrap().default.unwrap()["text"], "x");
        assert_eq!(meta.output.unwrap().format.as_deref(), Some("json"));
        assert_eq!(meta.tools, ["search"]);
        assert_eq!(
            Value::Object(meta.ext),
            json!({"myext": {"flag": true}, "a.b": {"c": 1}})
        );
        assert_eq!(meta.raw["custom"], "only in raw");
        assert_eq!(meta.metadata["owner"], "qa");
    }

    #[test]
    fn mistyped_fields_are_errors_with_paths_and_the_rest_is_kept() {
        let (meta, errors) = read(json!({
            "name": 5, "config": [1], "tools": ["ok", 7], "model": "m",
            "output": {"format": {"x": 1}}
        }));
        let paths: Vec<_> = errors.iter().map(|e| e.path.join(".")).collect();
        assert_eq!(paths, ["name", "config", "output.format", "tools.1"]);
        assert!(
            errors[0]
                .message
                .contains("must be a string, not the number 5")
        );
        assert_eq!(meta.model.as_deref(), Some("m"));
        assert_eq!(meta.tools, ["ok"]);
    }
}
