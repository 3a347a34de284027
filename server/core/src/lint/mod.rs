//! The linter: a catalog of rules over a parsed prompt, their quick fixes, inline
//! suppressions and configuration.
//!
//! A rule is one static [`Rule`] in `rules/<category>/<rule_id>.rs` with its docs, its check
//! and its tests. Rules read a [`Context`], which holds the parsed file and the facts many
//! rules share (prose, words, turns, resolved variable uses, declared inputs), computed once
//! per file so that rules scanning text share one pass. Like the rest of `core`, the linter
//! does no I/O: the caller hands in the text, the options and a [`Workspace`] for partials.

pub mod assists;
mod config;
mod context;
pub mod docs;
mod facts;
mod finding;
mod fix;
mod options;
pub(crate) mod pattern;
mod rule;
pub mod rules;
mod source;
pub(crate) mod suppress;
pub mod text;

#[cfg(test)]
pub(crate) mod testing;

pub use config::{CONFIG_FILE, Config, ConfigProblem, LINT_KEY_DOCS, LINT_KEYS};
pub(crate) use context::Analysis;
pub use context::{Context, FrontMatterView, NoWorkspace, Workspace};
pub use facts::{Inputs, PartialUse, Prose, Resolved, SchemaLookup, Turn, Usage, VariableUse};
pub use finding::{Applicability, Edit, Finding, Fix, Related, Severity};
pub use fix::{FixedSource, apply as apply_fixes, fix_until_stable, safe_fixes};
pub use options::{Level, LintOptions};
pub use rule::{Category, Docs, FixKind, Formats, Report, Rule};
pub use source::{Format, ParsedFile, PlainText};

use suppress::Suppressions;

/// Lints one file. Findings come sorted by position, most severe first at a position.
pub fn lint(
    path: &str,
    file: &ParsedFile,
    options: &LintOptions,
    workspace: &dyn Workspace,
) -> Vec<Finding> {
    let context = Context::new(path, file, options, workspace);
    let suppressions = Suppressions::scan(file);
    let mut findings = Vec::new();
    for &rule in rules::all() {
        let Some(level) = level_of(rule, options) else {
            continue;
        };
        if !rule.formats.includes(file.format()) {
            continue;
        }
        let mut report = Report::new(rule);
        (rule.check)(&context, &mut report);
        for mut finding in report.into_findings() {
            if let Some(severity) = level {
                finding.severity = severity;
            }
            if !suppressions.suppresses(&finding, file.line_index()) {
                findings.push(finding);
            }
        }
    }
    findings.sort_by(|a, b| {
        (a.span.start, b.severity, a.rule).cmp(&(b.span.start, a.severity, b.rule))
    });
    findings
}

/// Parses and lints source text.
pub fn lint_source(
    path: &str,
    source: &str,
    format: Format,
    options: &LintOptions,
    workspace: &dyn Workspace,
) -> Vec<Finding> {
    lint(path, &ParsedFile::parse(source, format), options, workspace)
}

/// `None` when the rule is off; `Some(None)` for the rule's own severities; `Some(Some(s))`
/// when the config forces a severity.
fn level_of(rule: &Rule, options: &LintOptions) -> Option<Option<Severity>> {
    match options.levels.get(rule.id) {
        Some(Level::Off) => None,
        Some(Level::On(severity)) => Some(Some(*severity)),
        None if rule.enabled_by_default => Some(None),
        None => None,
    }
}
