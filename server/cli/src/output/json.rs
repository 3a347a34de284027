//! `--format json`: one object, `{"version": 1, "files", "errors", "config", "summary"}`.

use promptopt_core::lint::Finding;
use promptopt_core::text::LineIndex;
use rayon::prelude::*;
use serde_json::{Value, json};

use super::{Checked, Report, range};

pub fn render(report: &Report<'_>) -> String {
    // Each file's part is built on the worker threads: over a large folder, building it one
    // file after another was a serial tail after the parallel lint.
    let files: Vec<Value> = report.files.par_iter().map(file).collect();
    let errors: Vec<Value> = report
        .unreadable
        .iter()
        .map(|u| json!({ "path": u.display, "message": u.message }))
        .collect();
    let config: Vec<Value> = report
        .config
        .map(|c| {
            c.problems
                .iter()
                .map(|p| json!({ "path": c.display, "line": p.line, "message": p.message }))
                .collect()
        })
        .unwrap_or_default();
    let summary = report.summary();
    let out = json!({
        "version": 1,
        "files": files,
        "errors": errors,
        "config": config,
        "summary": {
            "files": summary.files,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
            "hints": summary.hints,
        },
    });
    let mut text = serde_json::to_string_pretty(&out).unwrap_or_default();
    text.push('\n');
    text
}

fn file(checked: &Checked) -> Value {
    let index = LineIndex::new(&checked.source);
    let findings: Vec<Value> = checked
        .findings
        .iter()
        .map(|f| finding(&checked.source, &index, f))
        .collect();
    let fixed: Vec<Value> = checked
        .fixed
        .iter()
        .map(|(rule, title)| json!({ "rule": rule, "title": title }))
        .collect();
    json!({
        "path": checked.display,
        "format": checked.format.as_str(),
        "findings": findings,
        "fixed": fixed,
    })
}

fn finding(source: &str, index: &LineIndex, finding: &Finding) -> Value {
    let fixes: Vec<Value> = finding
        .fixes
        .iter()
        .map(|fix| {
            let edits: Vec<Value> = fix
                .edits
                .iter()
                .map(|edit| json!({ "range": range(source, index, edit.span), "newText": edit.text }))
                .collect();
            json!({ "title": fix.title, "safe": fix.is_safe(), "edits": edits })
        })
        .collect();
    json!({
        "rule": finding.rule,
        "severity": finding.severity.as_str(),
        "message": finding.message,
        "range": range(source, index, finding.span),
        "fixes": fixes,
    })
}
