//! A prompt's test cases on disk: `NAME.tests.yaml` beside `NAME.prompt`, or a file named
//! explicitly (a promptfoo test file or `promptfooconfig.yaml`), with the `file://` files its
//! `tests` reference read relative to it.

use std::path::{Path, PathBuf};

use promptopt_engine::tests_file::TestFile;

use crate::files::read_limited;

/// `NAME.tests.yaml` (or `.yml`) beside the prompt at `prompt`, when there is one.
pub fn tests_beside(prompt: &Path) -> Option<PathBuf> {
    let stem = prompt.file_stem()?.to_str()?;
    let folder = prompt.parent().unwrap_or(Path::new("."));
    ["tests.yaml", "tests.yml"]
        .iter()
        .map(|ext| folder.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

/// Reads a test file and the files it references; the error names the file and the problem.
pub fn read_test_file(path: &Path) -> Result<TestFile, String> {
    if !path.is_file() {
        return Err(format!("test file {} does not exist", path.display()));
    }
    let text = read_text(path)?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let read = |reference: &str| read_text(&folder.join(reference.trim_start_matches("file://")));
    TestFile::load(&text, &read).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_text(path: &Path) -> Result<String, String> {
    let bytes = read_limited(path).map_err(|e| e.0)?;
    String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tests_beside_a_prompt_and_their_references_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let prompt = dir.path().join("triage.prompt");
        assert_eq!(tests_beside(&prompt), None);
        std::fs::write(
            dir.path().join("triage.tests.yaml"),
            "tests:\n  - file://more.yaml\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("more.yaml"), "- vars: {ticket: x}\n").unwrap();
        let found = tests_beside(&prompt).unwrap();
        assert_eq!(read_test_file(&found).unwrap().tests.len(), 1);
        let missing = read_test_file(&dir.path().join("gone.yaml")).unwrap_err();
        assert!(missing.contains("does not exist"), "{missing}");
        std::fs::write(dir.path().join("bad.yaml"), "tests: file://nowhere.yaml\n").unwrap();
        let error = read_test_file(&dir.path().join("bad.yaml")).unwrap_err();
        assert!(
            error.contains("bad.yaml") && error.contains("nowhere.yaml"),
            "{error}"
        );
    }
}
