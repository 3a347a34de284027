//! The registry's tables against the audit log: every derived row (a version, a review move, a
//! label move, a rating, an evaluation, a favorite, an alert) must be backed by the entry that
//! wrote it, and a version's content must still hash to what that entry recorded. The triggers
//! keep honest mistakes out; this is what catches someone who dropped them.

use std::collections::HashMap;

use rusqlite::Connection;
use serde_json::Value;

use super::queries::Damaged;
use crate::audit::verify::{Problem, ProblemKind};
use crate::audit::{AuditEventRecord, EventType};
use crate::model::ContentHash;

/// The first derived row the log does not back, if any.
pub fn check(conn: &Connection, records: &[AuditEventRecord]) -> Result<Option<Problem>, Damaged> {
    let by_seq: HashMap<u64, &AuditEventRecord> = records
        .iter()
        .filter_map(|record| record.seq.map(|seq| (seq, record)))
        .collect();
    let mut problems = Vec::new();
    let mut row = |table: &str,
                   seq: i64,
                   what: String,
                   backed: &dyn Fn(&AuditEventRecord) -> bool| {
        let seq = seq.max(0) as u64;
        match by_seq.get(&seq) {
            Some(record) if backed(record) => {}
            Some(record) => problems.push(problem(
                seq,
                format!(
                    "{table} row {what} claims entry {seq}, a {}, which does not record it: the row was inserted or changed",
                    record.event_type.as_str()
                ),
            )),
            None => problems.push(problem(
                seq,
                format!("{table} row {what} claims entry {seq}, which does not exist: the row was inserted"),
            )),
        }
    };

    for_each(
        conn,
        "SELECT id, prompt_id, parent_id, content, sha256, event_seq FROM versions",
        |r| {
            let (id, prompt, parent, content, sha256, seq): (
                String,
                String,
                Option<String>,
                String,
                String,
                i64,
            ) = (
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            );
            let content_intact = ContentHash::of(&content).as_str() == sha256;
            row("versions", seq, id.clone(), &|record| {
                content_intact
                    && matches!(
                        record.event_type,
                        EventType::PromptVersionSaved
                            | EventType::PromptGenerated
                            | EventType::PromptRefined
                            | EventType::PromptImported
                            | EventType::RollbackTriggered
                    )
                    && same(record.version_id, &id)
                    && record.prompt_id.as_ref().map(|p| p.as_str()) == Some(prompt.as_str())
                    && record.parent_id.map(|p| p.to_string()) == parent
                    && record.sha256.as_deref() == Some(sha256.as_str())
            });
            Ok(())
        },
    )?;

    for_each(
        conn,
        "SELECT version_id, state, event_seq FROM review_moves",
        |r| {
            let (version, state, seq): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            row(
                "review_moves",
                seq,
                format!("{version} → {state}"),
                &|record| {
                    same(record.version_id, &version)
                        && match state.as_str() {
                            "inReview" => record.event_type == EventType::ReviewRequested,
                            "approved" => matches!(
                                record.event_type,
                                EventType::PromptApproved | EventType::ApprovalOverridden
                            ),
                            "deployed" => matches!(
                                record.event_type,
                                EventType::PromptDeployed
                                    | EventType::RollbackTriggered
                                    | EventType::ApprovalOverridden
                            ),
                            _ => false,
                        }
                },
            );
            Ok(())
        },
    )?;

    for_each(
        conn,
        "SELECT prompt_id, label, version_id, event_seq FROM label_moves",
        |r| {
            let (prompt, label, version, seq): (String, String, String, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            row(
                "label_moves",
                seq,
                format!("{prompt} {label} → {version}"),
                &|record| {
                    matches!(
                        record.event_type,
                        EventType::PromptDeployed | EventType::RollbackTriggered
                    ) && same(record.version_id, &version)
                        && record.prompt_id.as_ref().map(|p| p.as_str()) == Some(prompt.as_str())
                        && record
                            .label
                            .as_deref()
                            .is_some_and(|labels| labels.split(',').any(|l| l == label))
                },
            );
            Ok(())
        },
    )?;

    for_each(
        conn,
        "SELECT event_seq, version_id, user, score FROM feedback",
        |r| {
            let (seq, version, user, score): (i64, String, String, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            row("feedback", seq, format!("{version} by {user}"), &|record| {
                record.event_type == EventType::FeedbackSubmitted
                    && same(record.version_id, &version)
                    && record.user.as_str() == user
                    && record.score == Some(score as f64)
            });
            Ok(())
        },
    )?;

    for_each(
        conn,
        "SELECT event_seq, version_id, score, evaluator FROM evaluations",
        |r| {
            let (seq, version, score, evaluator): (i64, String, f64, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            row("evaluations", seq, version.clone(), &|record| {
                record.event_type == EventType::PromptEvaluated
                    && same(record.version_id, &version)
                    && record.score == Some(score)
                    && record.evaluator.as_deref() == Some(evaluator.as_str())
            });
            Ok(())
        },
    )?;

    for_each(
        conn,
        "SELECT version_id, user, favorite, event_seq FROM favorite_moves",
        |r| {
            let (version, user, favorite, seq): (String, String, bool, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            row(
                "favorite_moves",
                seq,
                format!("{version} by {user}"),
                &|record| {
                    record.event_type == EventType::FavoriteChanged
                        && same(record.version_id, &version)
                        && record.user.as_str() == user
                        && detail(record, "favorite") == Some(&Value::Bool(favorite))
                },
            );
            Ok(())
        },
    )?;

    for_each(conn, "SELECT id, event_seq FROM alerts", |r| {
        let (id, seq): (String, i64) = (r.get(0)?, r.get(1)?);
        row("alerts", seq, id.clone(), &|record| {
            record.event_type == EventType::DriftDetected
                && detail(record, "alertId").and_then(Value::as_str) == Some(id.as_str())
        });
        Ok(())
    })?;

    Ok(problems.into_iter().min_by_key(|problem| problem.seq))
}

fn problem(seq: u64, detail: String) -> Problem {
    let kind = if detail.contains("does not exist") {
        ProblemKind::Inserted
    } else {
        ProblemKind::Modified
    };
    Problem {
        kind,
        seq: Some(seq),
        checkpoint: None,
        detail,
    }
}

fn same(version: Option<crate::ids::VersionId>, stored: &str) -> bool {
    version.is_some_and(|id| id.to_string() == stored)
}

fn detail<'a>(record: &'a AuditEventRecord, key: &str) -> Option<&'a Value> {
    record.details.as_ref().and_then(|details| details.get(key))
}

fn for_each(
    conn: &Connection,
    sql: &str,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
) -> Result<(), Damaged> {
    let mut statement = conn.prepare(sql)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        each(row)?;
    }
    Ok(())
}
