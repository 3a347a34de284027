//! Printing the registry's answers: a prompt's history, drift alerts, audit verdicts.

use promptopt_store::Alert;
use promptopt_store::audit::{AuditEventRecord, Verdict};

use promptopt_store::PromptHistory as History;

pub use super::emit;
pub use super::engine::json;

macro_rules! line {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

/// `2026-11-27T20:59:43.123456Z` → `2026-11-27 20:59:43`.
fn when(timestamp: &str) -> String {
    timestamp
        .get(..19)
        .map(|t| t.replacen('T', " ", 1))
        .unwrap_or_else(|| timestamp.to_owned())
}

pub fn history(history: &History) -> String {
    let mut out = String::new();
    line!(out, "{}", history.prompt_id);
    for label in &history.labels {
        line!(out, "  {} → {}", label.label, label.version_id);
    }
    line!(out, "");
    line!(
        out,
        "{:<36}  {:<19}  {:<20}  {:<9}  {:<9}  {:>5}  MESSAGE",
        "VERSION",
        "WHEN",
        "AUTHOR",
        "ORIGIN",
        "REVIEW",
        "SCORE"
    );
    for version in history.versions.iter().rev() {
        let head = if Some(version.id) == history.head {
            " (head)"
        } else {
            ""
        };
        line!(
            out,
            "{:<36}  {:<19}  {:<20}  {:<9}  {:<9}  {:>5}  {}{}",
            version.id,
            when(&version.created_at),
            version.author.as_str(),
            version.origin.as_str(),
            version.review.as_str(),
            version.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
            clip(version.message.as_deref().unwrap_or("")),
            head
        );
    }
    line!(out, "");
    line!(
        out,
        "{:>6}  {:<19}  {:<20}  {:<20}  DETAIL",
        "ENTRY",
        "WHEN",
        "EVENT",
        "USER"
    );
    for event in &history.events {
        line!(
            out,
            "{:>6}  {:<19}  {:<20}  {:<20}  {}",
            event.seq.unwrap_or_default(),
            when(&event.timestamp),
            event.event_type.as_str(),
            event.user.as_str(),
            detail(event)
        );
    }
    out
}

/// The first line of `text`, cut to fit a table row.
fn clip(text: &str) -> String {
    const WIDTH: usize = 60;
    let first = text.lines().next().unwrap_or_default();
    if first.chars().count() <= WIDTH && !text.contains('\n') {
        return first.to_owned();
    }
    let cut: String = first.chars().take(WIDTH - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The fields that say what an event was about, on one line.
fn detail(event: &AuditEventRecord) -> String {
    let mut parts = Vec::new();
    if let Some(score) = event.score {
        parts.push(format!("score {score:.1}"));
    }
    if let Some(label) = &event.label {
        parts.push(format!("label {label}"));
    }
    if let Some(rule) = &event.rule {
        parts.push(format!("rule {rule}"));
    }
    for text in [&event.feedback, &event.reason, &event.note]
        .into_iter()
        .flatten()
    {
        parts.push(format!("“{}”", clip(text)));
    }
    if let Some(version) = event.version_id {
        parts.push(format!("version {version}"));
    }
    parts.join(", ")
}

pub fn alert_line(alert: &Alert) -> String {
    format!(
        "drift: `{}` {} went {} from {:.2} to {:.2} (after {} observations, {})\n",
        alert.prompt_id,
        alert.series.as_str(),
        alert.direction.as_str(),
        alert.baseline,
        alert.recent,
        alert.observations,
        when(&alert.raised_at)
    )
}

pub fn verdict(verdict: &Verdict) -> String {
    match verdict {
        Ok(verified) => {
            let mut out = format!(
                "ok: {} entries, {} signed checkpoints{}\n",
                verified.entries,
                verified.checkpoints,
                if verified.against_saved_checkpoint {
                    ", and the saved checkpoint"
                } else {
                    ""
                }
            );
            if verified.unsigned_tail > 0 {
                out.push_str(&format!(
                    "note: the last {} entries are chained and sealed but not yet signed (the writer stopped before its next checkpoint)\n",
                    verified.unsigned_tail
                ));
            }
            out
        }
        Err(problem) => format!("FAILED: {problem}\n"),
    }
}
