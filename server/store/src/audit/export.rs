//! `audit export`: the decrypted trail as JSON Lines or CSV, for the compliance officer.

use std::io::Write;

use super::record::AuditEventRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

/// The CSV columns, in order: the brief's fields, then the store's.
pub const CSV_COLUMNS: [&str; 26] = [
    "seq",
    "eventId",
    "eventType",
    "promptId",
    "versionId",
    "templateId",
    "parentId",
    "previousId",
    "user",
    "timestamp",
    "sessionId",
    "score",
    "evaluator",
    "feedback",
    "deltas",
    "deployRef",
    "approver",
    "reason",
    "note",
    "label",
    "origin",
    "strategy",
    "sha256",
    "action",
    "rule",
    "details",
];

pub fn write(
    records: &[AuditEventRecord],
    format: ExportFormat,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ExportFormat::Jsonl => {
            for record in records {
                serde_json::to_writer(&mut *out, record)?;
                out.write_all(b"\n")?;
            }
            out.flush()
        }
        ExportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(CSV_COLUMNS)?;
            for record in records {
                writer.write_record(csv_row(record))?;
            }
            writer.flush()
        }
    }
}

fn csv_row(record: &AuditEventRecord) -> Vec<String> {
    let value = serde_json::to_value(record).unwrap_or_default();
    CSV_COLUMNS
        .iter()
        .map(|column| match value.get(column) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(text)) => neutralize_formula(text),
            Some(other) => other.to_string(),
        })
        .collect()
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula; a note typed by a
/// user must not become one when the export is opened (CSV injection).
fn neutralize_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::EventType;
    use crate::ids::{SessionId, UserId};

    fn record() -> Result<AuditEventRecord, Box<dyn std::error::Error>> {
        let mut record = AuditEventRecord::new(
            EventType::FeedbackSubmitted,
            UserId::new("qa@example.com")?,
            SessionId::generate(),
        );
        record.seq = Some(3);
        record.score = Some(4.0);
        record.feedback = Some("=HYPERLINK(\"x\"), with \"quotes\"\nand lines".into());
        Ok(record)
    }

    #[test]
    fn csv_has_every_column_and_no_formulas() -> Result<(), Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        write(&[record()?], ExportFormat::Csv, &mut out)?;
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let headers = reader.headers()?.clone();
        assert_eq!(headers.len(), CSV_COLUMNS.len());
        let row = reader.records().next().ok_or("no row")??;
        assert_eq!(&row[0], "3");
        assert_eq!(&row[2], "FeedbackSubmitted");
        assert_eq!(&row[11], "4.0");
        assert!(row[13].starts_with("'=HYPERLINK"), "{}", &row[13]);
        Ok(())
    }

    #[test]
    fn jsonl_is_one_record_per_line() -> Result<(), Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        write(&[record()?, record()?], ExportFormat::Jsonl, &mut out)?;
        let text = String::from_utf8(out)?;
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            let back: AuditEventRecord = serde_json::from_str(line)?;
            assert_eq!(back.event_type, EventType::FeedbackSubmitted);
        }
        Ok(())
    }
}
