//! `--format json`: one object, `{"version": 1, "files", "errors", "config", "summary"}`.

use promptopt_core::lint::Finding;
use promptopt_core::text::LineIndex;
use rayon::prelude::*;
use serde_json::{Value, json};

use super::{Checked, Report, range};

pub fn render(report: &Report<'_>) -> String {
    // Each file's part is built and printed on the worker threads and the document is put
    // together around them: over a large folder, building, printing and freeing one tree of
    // every file was a serial tail after the parallel lint. The text is what
    // `serde_json::to_string_pretty` prints for the whole document.
    let files: Vec<String> = report
        .files
        .par_iter()
        .map(|checked| pretty(&file(checked), 4))
        .collect();
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
    let summary = json!({
        "files": summary.files,
        "errors": summary.errors,
        "warnings": summary.warnings,
        "infos": summary.infos,
        "hints": summary.hints,
    });
    let mut text = String::from("{\n  \"version\": 1,\n  \"files\": [");
    if !files.is_empty() {
        text.push_str("\n    ");
        text.push_str(&files.join(",\n    "));
        text.push_str("\n  ");
    }
    text.push_str("],\n  \"errors\": ");
    text.push_str(&pretty(&Value::from(errors), 2));
    text.push_str(",\n  \"config\": ");
    text.push_str(&pretty(&Value::from(config), 2));
    text.push_str(",\n  \"summary\": ");
    text.push_str(&pretty(&summary, 2));
    text.push_str("\n}\n");
    text
}

/// A value as `serde_json::to_string_pretty` prints it `depth` spaces deep in a document: its
/// own lines after the first indented that much (JSON strings hold no raw line breaks).
fn pretty(value: &Value, depth: usize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.replace('\n', &format!("\n{}", " ".repeat(depth)))
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
