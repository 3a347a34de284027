//! Reading prompts, partials and schemas from disk for the library crates, which do no I/O.

use std::fs;
use std::path::{Path, PathBuf};

use promptopt_core::document::{Document, LoadError, MAX_SOURCE_BYTES};
use serde_json::{Map, Value};

use crate::exit::CliError;

pub fn read_document(path: &Path) -> Result<Document, CliError> {
    let bytes = read_limited(path)?;
    Document::from_bytes(&bytes)
        .map_err(|e: LoadError| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

/// Reads a file, refusing one over the prompt size limit before loading it into memory.
fn read_limited(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if meta.is_dir() {
        return Err(CliError::Usage(format!(
            "{} is a folder: pass a .prompt file",
            path.display()
        )));
    }
    if meta.len() > MAX_SOURCE_BYTES as u64 {
        return Err(CliError::Usage(format!(
            "cannot read {}: {}",
            path.display(),
            LoadError::TooLarge {
                size: meta.len() as usize,
                limit: MAX_SOURCE_BYTES
            }
        )));
    }
    fs::read(path).map_err(|e| io_error(path, &e))
}

fn io_error(path: &Path, error: &std::io::Error) -> CliError {
    let hint = match error.kind() {
        std::io::ErrorKind::NotFound => "check the path",
        std::io::ErrorKind::PermissionDenied => "check its permissions",
        _ => "check the file",
    };
    CliError::Usage(format!("cannot read {}: {error}; {hint}", path.display()))
}

/// Finds partials as dotprompt's directory store lays them out: `{{> name}}` is
/// `_name.prompt`, and `{{> dir/name}}` is `dir/_name.prompt`, looked up beside the prompt and
/// then in each extra folder.
pub struct PartialFiles {
    folders: Vec<PathBuf>,
}

impl PartialFiles {
    pub fn new(prompt: &Path, extra: &[PathBuf]) -> Self {
        let beside = prompt.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut folders = vec![beside];
        folders.extend(extra.iter().cloned());
        Self { folders }
    }

    pub fn resolve(&self, name: &str) -> Option<String> {
        // Names never climb out of their folder.
        if name.split('/').any(|part| part == ".." || part.is_empty()) || name.starts_with('/') {
            return None;
        }
        let (dir, base) = name.rsplit_once('/').unwrap_or(("", name));
        self.folders.iter().find_map(|folder| {
            let path = folder.join(dir).join(format!("_{base}.prompt"));
            let bytes = read_limited(&path).ok()?;
            String::from_utf8(bytes).ok()
        })
    }
}

/// Named schemas: `--schemas` JSON first, then `schemas/NAME.json|yaml|yml` beside the prompt.
pub struct SchemaFiles {
    given: Map<String, Value>,
    folder: PathBuf,
}

impl SchemaFiles {
    pub fn new(prompt: &Path, given: Map<String, Value>) -> Self {
        let folder = prompt
            .parent()
            .map(|p| p.join("schemas"))
            .unwrap_or_else(|| "schemas".into());
        Self { given, folder }
    }

    pub fn resolve(&self, name: &str) -> Option<Value> {
        if let Some(schema) = self.given.get(name) {
            return Some(schema.clone());
        }
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return None;
        }
        ["json", "yaml", "yml"].iter().find_map(|ext| {
            let text = fs::read_to_string(self.folder.join(format!("{name}.{ext}"))).ok()?;
            match *ext {
                "json" => serde_json::from_str(&text).ok(),
                _ => yaml_serde::from_str(&text).ok(),
            }
        })
    }
}

/// A JSON argument given inline or as `@path`.
pub fn json_argument(flag: &str, text: &str) -> Result<Value, CliError> {
    let (origin, content) = match text.strip_prefix('@') {
        Some(path) => {
            let path = Path::new(path);
            let bytes = read_limited(path)?;
            let content = String::from_utf8(bytes).map_err(|_| {
                CliError::Usage(format!("{flag} file {} is not UTF-8 text", path.display()))
            })?;
            (format!("{flag} file {}", path.display()), content)
        }
        None => (flag.to_string(), text.to_string()),
    };
    serde_json::from_str(&content)
        .map_err(|e| CliError::Usage(format!("{origin} is not valid JSON ({e}): pass a JSON object, e.g. '{{\"input\": {{\"name\": \"Ada\"}}}}'")))
}
