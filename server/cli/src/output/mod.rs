//! Printing lint results: rustc-style text, the JSON contract (`version: 1`) and SARIF 2.1.0.

pub mod engine;

/// Writes to stdout. A reader that went away (`| head`) is not an error worth a panic: the
/// output is simply no longer wanted.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
pub mod json;
pub mod registry;
pub mod sarif;
pub mod text;

use promptopt_core::lint::{ConfigProblem, Finding, Format};
use promptopt_core::text::{LineIndex, Span};
use serde::Serialize;

use crate::commands::lint::Summary;

/// One linted file with its findings (after any fixes).
pub struct Checked {
    pub display: String,
    pub format: Format,
    pub source: String,
    pub findings: Vec<Finding>,
    /// `(rule, fix title)` for each fix `--fix` applied.
    pub fixed: Vec<(String, String)>,
}

/// A file that could not be read as a prompt.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub display: String,
    pub message: String,
}

/// Problems in `promptopt.toml`.
pub struct ConfigFindings {
    pub display: String,
    pub problems: Vec<ConfigProblem>,
}

pub struct Report<'a> {
    pub files: &'a [Checked],
    pub unreadable: &'a [Unreadable],
    pub config: Option<&'a ConfigFindings>,
}

impl Report<'_> {
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            files: self.files.len(),
            ..Summary::default()
        };
        for finding in self.files.iter().flat_map(|f| &f.findings) {
            summary.add(finding);
        }
        summary
    }
}

/// A 1-based line and column (in characters), as people and the JSON contract count.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

pub fn range(source: &str, index: &LineIndex, span: Span) -> Range {
    let at = |offset| {
        let human = index.to_human(source, offset);
        Position {
            line: human.line,
            column: human.column,
        }
    };
    Range {
        start: at(span.start),
        end: at(span.end),
    }
}
