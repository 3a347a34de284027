//! Text output, like rustc: the finding, its location, the source line with the span
//! underlined, and the available fix.

use std::fmt::Write;

use promptopt_core::lint::{Finding, Severity};
use promptopt_core::text::LineIndex;

use super::{Checked, Report};

pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    if let Some(config) = report.config {
        for problem in &config.problems {
            let at = problem.line.map(|l| format!(":{l}")).unwrap_or_default();
            let _ = writeln!(out, "warning: {}{at}: {}", config.display, problem.message);
        }
    }
    for checked in report.files {
        for (rule, title) in &checked.fixed {
            let _ = writeln!(out, "fixed: {} [{rule}] {title}", checked.display);
        }
        let index = LineIndex::new(&checked.source);
        for finding in &checked.findings {
            write_finding(&mut out, checked, &index, finding);
        }
    }
    for problem in report.unreadable {
        let _ = writeln!(out, "error: {}: {}", problem.display, problem.message);
    }
    let summary = report.summary();
    let fixed: usize = report.files.iter().map(|f| f.fixed.len()).sum();
    let mut parts = vec![
        count(summary.errors, "error"),
        count(summary.warnings, "warning"),
        count(summary.infos, "info"),
    ];
    if summary.hints > 0 {
        parts.push(count(summary.hints, "hint"));
    }
    let _ = write!(
        out,
        "{} in {}",
        parts.join(", "),
        count(summary.files, "file")
    );
    if fixed > 0 {
        let _ = write!(out, "; fixed {}", count(fixed, "issue"));
    }
    if !report.unreadable.is_empty() {
        let _ = write!(
            out,
            "; {} could not be read",
            count(report.unreadable.len(), "file")
        );
    }
    out.push('\n');
    out
}

fn count(n: usize, noun: &str) -> String {
    let plural = if n == 1 || noun == "info" { "" } else { "s" };
    let noun = if noun == "info" && n != 1 {
        "infos"
    } else {
        noun
    };
    format!("{n} {noun}{plural}")
}

fn write_finding(out: &mut String, checked: &Checked, index: &LineIndex, finding: &Finding) {
    let source = &checked.source;
    let start = index.to_human(source, finding.span.start);
    let end = index.to_human(source, finding.span.end);
    let label = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
        Severity::Hint => "hint",
    };
    let _ = writeln!(out, "{label}[{}]: {}", finding.rule, finding.message);
    let gutter = start.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(
        out,
        "{pad}--> {}:{}:{}",
        checked.display, start.line, start.column
    );
    let line_span = index.line_span(source, start.line as usize - 1);
    let line = line_span.text(source);
    // Tabs would shift the underline: show them as one space each.
    let shown: String = line
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let from = start.column as usize - 1;
    let to = if end.line == start.line {
        (end.column as usize - 1).max(from + 1)
    } else {
        shown.chars().count().max(from + 1)
    };
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{} | {shown}", start.line);
    let _ = writeln!(out, "{pad} | {}{}", " ".repeat(from), "^".repeat(to - from));
    if let Some(fix) = finding.fixes.first() {
        let kind = if fix.is_safe() { "fix" } else { "suggestion" };
        let _ = writeln!(out, "{pad} = {kind}: {}", fix.title);
    }
    out.push('\n');
}
