//! Reading prompt files and partials from disk under the limits the parser expects.

use std::fs;
use std::path::{Path, PathBuf};

use promptopt_core::document::{LoadError, MAX_SOURCE_BYTES};
use promptopt_core::lint::Workspace;
use serde_json::{Map, Value};

/// Why a file could not be read as a prompt; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError(pub String);

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ReadError {}

/// Reads a file's bytes, refusing a folder or a file over the prompt size limit before
/// loading it into memory.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, ReadError> {
    let meta = fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if meta.is_dir() {
        return Err(ReadError(format!(
            "{} is a folder: pass a prompt file",
            path.display()
        )));
    }
    if meta.len() > MAX_SOURCE_BYTES as u64 {
        let error = LoadError::TooLarge {
            size: usize::try_from(meta.len()).unwrap_or(usize::MAX),
            limit: MAX_SOURCE_BYTES,
        };
        return Err(ReadError(format!(
            "cannot read {}: {error}",
            path.display()
        )));
    }
    fs::read(path).map_err(|e| io_error(path, &e))
}

/// Reads a file as prompt text: refuses binary files and text that is not UTF-8.
pub fn read_prompt(path: &Path) -> Result<String, ReadError> {
    let bytes = read_limited(path)?;
    let fail = |error: LoadError| ReadError(format!("cannot read {}: {error}", path.display()));
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(fail(LoadError::Binary { offset }));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        fail(LoadError::InvalidUtf8 { offset, line })
    })
}

fn io_error(path: &Path, error: &std::io::Error) -> ReadError {
    let hint = match error.kind() {
        std::io::ErrorKind::NotFound => "check the path",
        std::io::ErrorKind::PermissionDenied => "check its permissions",
        _ => "check the file",
    };
    ReadError(format!("cannot read {}: {error}; {hint}", path.display()))
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

    /// Where `{{> name}}` may live, in lookup order; none for a name that would climb out of
    /// its folder.
    pub fn candidates(&self, name: &str) -> Vec<PathBuf> {
        if name.split('/').any(|part| part == ".." || part.is_empty()) || name.starts_with('/') {
            return Vec::new();
        }
        let (dir, base) = name.rsplit_once('/').unwrap_or(("", name));
        self.folders
            .iter()
            .map(|folder| folder.join(dir).join(format!("_{base}.prompt")))
            .collect()
    }

    /// The file `{{> name}}` names, if it exists.
    pub fn locate(&self, name: &str) -> Option<PathBuf> {
        self.candidates(name)
            .into_iter()
            .find(|path| path.is_file())
    }

    /// The source of `{{> name}}`, if it exists and reads as a prompt.
    pub fn resolve(&self, name: &str) -> Option<String> {
        read_prompt(&self.locate(name)?).ok()
    }
}

/// Partials from disk: `_name.prompt` beside the prompt.
pub struct FsWorkspace;

impl Workspace for FsWorkspace {
    fn partial(&self, from: &str, name: &str) -> Option<String> {
        PartialFiles::new(Path::new(from), &[]).resolve(name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partials_resolve_beside_the_prompt_and_never_climb_out() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("shared")).unwrap();
        fs::write(dir.path().join("_header.prompt"), "Hello").unwrap();
        fs::write(dir.path().join("shared/_footer.prompt"), "Bye").unwrap();
        let partials = PartialFiles::new(&dir.path().join("main.prompt"), &[]);
        assert_eq!(partials.resolve("header").as_deref(), Some("Hello"));
        assert_eq!(partials.resolve("shared/footer").as_deref(), Some("Bye"));
        assert_eq!(partials.resolve("../header"), None);
        assert_eq!(partials.resolve("missing"), None);
    }

    #[test]
    fn binary_and_non_utf8_files_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("b.prompt");
        fs::write(&binary, b"ab\0cd").unwrap();
        assert!(read_prompt(&binary).unwrap_err().0.contains("binary"));
        let latin1 = dir.path().join("l.prompt");
        fs::write(&latin1, b"caf\xe9").unwrap();
        assert!(read_prompt(&latin1).unwrap_err().0.contains("UTF-8"));
    }
}
