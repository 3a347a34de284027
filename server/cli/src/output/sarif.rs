//! `--format sarif`: SARIF 2.1.0, the format GitHub code scanning reads. Every rule is listed
//! with its help text and docs link; each result carries its location and fixes.

use promptopt_core::lint::{Finding, Rule, Severity, rules};
use promptopt_core::text::LineIndex;
use serde_json::{Value, json};

use super::{Checked, Report, range};
use promptopt_core::lint::docs::{help_uri, markdown};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn render(report: &Report<'_>) -> String {
    let catalog = rules::all();
    let driver_rules: Vec<Value> = catalog.iter().map(|rule| descriptor(rule)).collect();
    let mut results = Vec::new();
    for checked in report.files {
        let index = LineIndex::new(&checked.source);
        for finding in &checked.findings {
            results.push(result(checked, &index, finding));
        }
    }
    let mut notifications: Vec<Value> = report
        .unreadable
        .iter()
        .map(|u| {
            json!({
                "level": "error",
                "message": { "text": u.message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&u.display) } } }],
            })
        })
        .collect();
    if let Some(config) = report.config {
        notifications.extend(config.problems.iter().map(|p| {
            let mut location = json!({ "artifactLocation": { "uri": uri(&config.display) } });
            if let Some(line) = p.line {
                location["region"] = json!({ "startLine": line });
            }
            json!({
                "level": "warning",
                "message": { "text": p.message },
                "locations": [{ "physicalLocation": location }],
            })
        }));
    }
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "promptopt",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": driver_rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": { "%SRCROOT%": { "uri": "./" } },
            "invocations": [{
                "executionSuccessful": report.unreadable.is_empty(),
                "toolConfigurationNotifications": notifications,
            }],
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

fn descriptor(rule: &Rule) -> Value {
    json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.docs.why },
        "help": { "text": rule.docs.fix, "markdown": markdown(rule) },
        "helpUri": help_uri(rule),
        "defaultConfiguration": {
            "level": level(rule.severity),
            "enabled": rule.enabled_by_default,
        },
        "properties": { "category": rule.category.as_str(), "tags": [rule.category.as_str()] },
    })
}

fn uri(display: &str) -> String {
    display.replace('\\', "/")
}

fn region(source: &str, index: &LineIndex, span: promptopt_core::text::Span) -> Value {
    let r = range(source, index, span);
    json!({
        "startLine": r.start.line,
        "startColumn": r.start.column,
        "endLine": r.end.line,
        "endColumn": r.end.column,
    })
}

fn result(checked: &Checked, index: &LineIndex, finding: &Finding) -> Value {
    let rule_index = rules::all().iter().position(|r| r.id == finding.rule);
    let location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&checked.display), "uriBaseId": "%SRCROOT%" },
            "region": region(&checked.source, index, finding.span),
        }
    });
    let fixes: Vec<Value> = finding
        .fixes
        .iter()
        .map(|fix| {
            let replacements: Vec<Value> = fix
                .edits
                .iter()
                .map(|edit| {
                    json!({
                        "deletedRegion": region(&checked.source, index, edit.span),
                        "insertedContent": { "text": edit.text },
                    })
                })
                .collect();
            json!({
                "description": { "text": fix.title },
                "artifactChanges": [{
                    "artifactLocation": { "uri": uri(&checked.display), "uriBaseId": "%SRCROOT%" },
                    "replacements": replacements,
                }],
            })
        })
        .collect();
    let mut out = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": { "text": finding.message },
        "locations": [location],
    });
    if let Some(i) = rule_index {
        out["ruleIndex"] = json!(i);
    }
    if !fixes.is_empty() {
        out["fixes"] = json!(fixes);
    }
    out
}
