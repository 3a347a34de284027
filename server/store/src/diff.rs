//! Line diffs between versions: what the version trail shows and what an audit entry counts.

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::ids::VersionId;

/// Lines of unchanged context kept around each change.
const CONTEXT_LINES: usize = 3;

/// How long one diff may take. Past it the diff is still correct, only coarser: a pathological
/// pair of multi-megabyte prompts must not hold up a write transaction or a history answer.
const DEADLINE: Duration = Duration::from_millis(50);

/// How one version's content differs from its parent's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionChange {
    pub version_id: VersionId,
    /// `None` for a prompt's first version, which is diffed against nothing.
    pub parent_id: Option<VersionId>,
    #[serde(flatten)]
    pub diff: LineDiff,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineDiff {
    pub lines_added: u32,
    pub lines_removed: u32,
    /// The changed regions with [`CONTEXT_LINES`] of context; empty when nothing changed.
    pub hunks: Vec<Hunk>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hunk {
    /// 1-based first line of the hunk in the old and the new text.
    pub old_start: usize,
    pub new_start: usize,
    pub lines: Vec<DiffLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffLine {
    pub op: LineOp,
    /// The line without its line ending.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineOp {
    Equal,
    Insert,
    Delete,
}

/// Counts only, for the audit entry a save writes.
pub fn line_counts(before: &str, after: &str) -> (u32, u32) {
    let diff = text_diff(before, after);
    let (mut added, mut removed) = (0u32, 0u32);
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Insert => added = added.saturating_add(1),
            ChangeTag::Delete => removed = removed.saturating_add(1),
            ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

/// The full diff from `before` to `after`, grouped into hunks.
pub fn line_diff(before: &str, after: &str) -> LineDiff {
    let diff = text_diff(before, after);
    let mut out = LineDiff::default();
    for group in diff.grouped_ops(CONTEXT_LINES) {
        let Some(first) = group.first() else { continue };
        let mut hunk = Hunk {
            old_start: first.old_range().start + 1,
            new_start: first.new_range().start + 1,
            lines: Vec::new(),
        };
        for op in &group {
            for change in diff.iter_changes(op) {
                let op = match change.tag() {
                    ChangeTag::Equal => LineOp::Equal,
                    ChangeTag::Insert => {
                        out.lines_added = out.lines_added.saturating_add(1);
                        LineOp::Insert
                    }
                    ChangeTag::Delete => {
                        out.lines_removed = out.lines_removed.saturating_add(1);
                        LineOp::Delete
                    }
                };
                let text = change.value();
                let text = text.strip_suffix('\n').unwrap_or(text);
                let text = text.strip_suffix('\r').unwrap_or(text);
                hunk.lines.push(DiffLine {
                    op,
                    text: text.to_owned(),
                });
            }
        }
        out.hunks.push(hunk);
    }
    out
}

fn text_diff<'a>(before: &'a str, after: &'a str) -> TextDiff<'a, 'a, 'a, str> {
    TextDiff::configure()
        .deadline(Instant::now() + DEADLINE)
        .diff_lines(before, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_have_no_hunks() {
        let diff = line_diff("a\nb\n", "a\nb\n");
        assert_eq!(diff, LineDiff::default());
    }

    #[test]
    fn a_changed_line_is_a_delete_and_an_insert_with_context() {
        let before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        let diff = line_diff(before, after);
        assert_eq!((diff.lines_added, diff.lines_removed), (1, 1));
        assert_eq!(diff.hunks.len(), 1);
        let hunk = &diff.hunks[0];
        assert_eq!((hunk.old_start, hunk.new_start), (2, 2));
        let ops: Vec<(LineOp, &str)> = hunk.lines.iter().map(|l| (l.op, l.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                (LineOp::Equal, "2"),
                (LineOp::Equal, "3"),
                (LineOp::Equal, "4"),
                (LineOp::Delete, "5"),
                (LineOp::Insert, "five"),
                (LineOp::Equal, "6"),
                (LineOp::Equal, "7"),
                (LineOp::Equal, "8"),
            ]
        );
    }

    #[test]
    fn distant_changes_are_separate_hunks_and_counts_agree() {
        let before: String = (1..=30).map(|n| format!("line {n}\r\n")).collect();
        let after = before
            .replace("line 2\r\n", "line two\r\n")
            .replace("line 29\r\n", "");
        let diff = line_diff(&before, &after);
        assert_eq!(diff.hunks.len(), 2);
        assert!(
            diff.hunks
                .iter()
                .flat_map(|h| &h.lines)
                .all(|l| !l.text.ends_with('\r'))
        );
        assert_eq!(
            line_counts(&before, &after),
            (diff.lines_added, diff.lines_removed)
        );
    }
}
