//! What the CLI's test files share.

#![allow(dead_code)]

use std::path::Path;

/// A fresh folder under the system temp dir, removed when the test ends (a test that leaves
/// its 50 MB inputs behind fills the disk run after run).
pub struct Scratch(tempfile::TempDir);

impl Scratch {
    pub fn new(name: &str) -> Self {
        Scratch(
            tempfile::Builder::new()
                .prefix(&format!("promptopt-{name}-"))
                .tempdir()
                .expect("temp dir"),
        )
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}
