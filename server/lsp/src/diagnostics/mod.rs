//! Lint results as LSP diagnostics.

mod schedule;

pub use schedule::{Next, Scheduler};

use std::str::FromStr;

use promptopt_core::lint::{self, Finding, LintOptions, docs, rules};
use promptopt_workspace::ProjectConfig;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticTag, Location,
    NumberOrString, Range, Uri,
};

use crate::convert::{self, Lines};
use crate::documents::{Kind, Overlay, Snapshot};

pub const SOURCE: &str = "promptopt";

/// Larger documents are not linted as the user types: some rules grow faster than the text,
/// and no real prompt is this long. The CLI still lints them.
pub const MAX_LIVE_LINT_BYTES: usize = 1024 * 1024;

/// One lint run over one version of one document.
#[derive(Debug)]
pub struct LintResult {
    pub version: i32,
    /// The findings behind the diagnostics, in the same order, for code actions and hover.
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lints a snapshot: a prompt with `options` (`None`: the project excludes it), or a
/// `promptopt.toml` by reading it as the project would.
pub fn lint(snapshot: &Snapshot, options: Option<&LintOptions>, overlay: &Overlay) -> LintResult {
    let (findings, diagnostics) = match snapshot.kind {
        Kind::Prompt(_) if snapshot.text.len() > MAX_LIVE_LINT_BYTES => {
            (Vec::new(), vec![too_large(snapshot)])
        }
        Kind::Prompt(_) => match options {
            Some(options) => {
                let findings = lint::lint(&snapshot.lint_path(), snapshot.file(), options, overlay);
                let lines = snapshot.lines();
                let diagnostics = findings
                    .iter()
                    .map(|f| to_diagnostic(f, &lines, &snapshot.uri))
                    .collect();
                (findings, diagnostics)
            }
            None => (Vec::new(), Vec::new()),
        },
        Kind::Config => (Vec::new(), config_diagnostics(snapshot)),
    };
    LintResult {
        version: snapshot.version,
        findings,
        diagnostics,
    }
}

pub fn to_diagnostic(finding: &Finding, lines: &Lines<'_>, uri: &Uri) -> Diagnostic {
    let rule = rules::find(finding.rule);
    let code_description = rule
        .and_then(|rule| Uri::from_str(&docs::help_uri(rule)).ok())
        .map(|href| CodeDescription { href });
    let related: Vec<DiagnosticRelatedInformation> = finding
        .related
        .iter()
        .map(|related| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), lines.range(related.span)),
            message: related.message.clone(),
        })
        .collect();
    Diagnostic {
        range: lines.range(finding.span),
        severity: Some(convert::severity(finding.severity)),
        code: Some(NumberOrString::String(finding.rule.to_string())),
        code_description,
        source: Some(SOURCE.to_string()),
        message: finding.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: tags(finding.rule),
        data: None,
    }
}

/// Editors fade unnecessary text and strike through deprecated names.
fn tags(rule: &str) -> Option<Vec<DiagnosticTag>> {
    match rule {
        "unused-input" | "filler-tokens" | "duplicate-instruction" => {
            Some(vec![DiagnosticTag::UNNECESSARY])
        }
        _ => None,
    }
}

fn too_large(snapshot: &Snapshot) -> Diagnostic {
    Diagnostic {
        range: snapshot.lines().range(promptopt_core::text::Span::empty(0)),
        severity: Some(convert::severity(lint::Severity::Info)),
        code: Some(NumberOrString::String("file-too-large".to_string())),
        source: Some(SOURCE.to_string()),
        message: format!(
            "this file is {} KB: PromptOpt lints prompts up to {} KB as you type; run `promptopt lint` on it, or split it into partials",
            snapshot.text.len() / 1024,
            MAX_LIVE_LINT_BYTES / 1024
        ),
        ..Diagnostic::default()
    }
}

/// A `promptopt.toml` checked as the CLI reads it: every problem at its line.
fn config_diagnostics(snapshot: &Snapshot) -> Vec<Diagnostic> {
    let root = snapshot
        .path
        .as_deref()
        .and_then(std::path::Path::parent)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    let config = ProjectConfig::from_text(&snapshot.text, root, snapshot.path.clone());
    let lines = snapshot.lines();
    config
        .problems
        .iter()
        .map(|problem| {
            let range = match problem.line {
                Some(line) => {
                    let span = snapshot
                        .lines()
                        .index
                        .line_span(&snapshot.text, line.saturating_sub(1));
                    lines.range(span)
                }
                None => Range::default(),
            };
            Diagnostic {
                range,
                severity: Some(convert::severity(lint::Severity::Error)),
                code: Some(NumberOrString::String("invalid-config".to_string())),
                source: Some(SOURCE.to_string()),
                message: problem.message.clone(),
                ..Diagnostic::default()
            }
        })
        .collect()
}
