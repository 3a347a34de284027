//! Reading prompts, partials and schemas from disk for the library crates, which do no I/O.

use std::path::Path;

use promptopt_core::document::{Document, LoadError};
use promptopt_workspace::read_limited;
use serde_json::Value;

use crate::exit::CliError;

pub fn read_document(path: &Path) -> Result<Document, CliError> {
    let bytes = read_limited(path).map_err(|e| CliError::Usage(e.0))?;
    Document::from_bytes(&bytes)
        .map_err(|e: LoadError| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

/// A JSON argument given inline or as `@path`.
pub fn json_argument(flag: &str, text: &str) -> Result<Value, CliError> {
    let (origin, content) = match text.strip_prefix('@') {
        Some(path) => {
            let path = Path::new(path);
            let bytes = read_limited(path).map_err(|e| CliError::Usage(e.0))?;
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
