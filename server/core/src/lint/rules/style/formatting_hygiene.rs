//! `formatting-hygiene`: whitespace nobody meant: spaces and tabs at the end of the body's
//! lines, CRLF and LF line endings mixed in one file, and runs of three or more blank lines in
//! the body. The model reads (and you pay for) every one, diffs get noisy, and editors fight
//! over them. Trailing whitespace in the front matter is left alone: YAML ignores it and the
//! model never sees the front matter.
//!
//! Every fix is safe: trailing whitespace is deleted, line endings are converted to whichever
//! kind the file mostly uses, and a run of blank lines (outside fenced code, where blank lines
//! may matter) becomes one blank line.

use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "formatting-hygiene",
    category: Category::Style,
    severity: Severity::Hint,
    enabled_by_default: true,
    fix: FixKind::Safe,
    formats: Formats::ALL,
    summary: "Trailing whitespace, mixed line endings, runs of blank lines",
    docs: Docs {
        why: "Trailing spaces, stray blank lines and mixed CRLF/LF endings are invisible in an editor but are sent to the model and billed as tokens on every call. They also make diffs of prompt changes noisy, so real edits are harder to review.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\n---\nSummarize the text.   \n\n\n\nBe brief.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\n---\nSummarize the text.\n\nBe brief.\n",
        fix: "`promptopt lint --fix` deletes trailing whitespace, converts line endings to the file's majority and collapses runs of blank lines to one. Configure your editor to trim trailing whitespace on save.",
    },
    check,
};

/// Blank lines in a row that are reported (two are a common paragraph break).
const MAX_BLANK_RUN: usize = 2;

/// One line of the source: its content (without the ending) and its ending.
struct Line {
    start: usize,
    /// End of the content, before `\r\n` or `\n`.
    content_end: usize,
    /// `"\r\n"`, `"\n"` or `""` at the end of the file.
    ending: &'static str,
}

fn lines(source: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in source.split_inclusive('\n') {
        let (content_len, ending) = if piece.ends_with("\r\n") {
            (piece.len() - 2, "\r\n")
        } else if piece.ends_with('\n') {
            (piece.len() - 1, "\n")
        } else {
            (piece.len(), "")
        };
        out.push(Line {
            start,
            content_end: start + content_len,
            ending,
        });
        start += piece.len();
    }
    out
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    let lines = lines(source);
    line_endings(&lines, report);
    let runs = blank_runs(cx, &lines);
    for run in &runs {
        let count = run.1 - run.0;
        let (Some(first), Some(after)) = (lines.get(run.0), lines.get(run.1 - 1)) else {
            continue;
        };
        let span = Span::new(first.start, after.content_end + after.ending.len());
        report
            .add(
                span,
                format!("{count} blank lines in a row: one is enough to separate sections"),
            )
            .with_fix(Fix::safe(
                "Collapse to one blank line",
                vec![Edit::replace(span, first.ending)],
            ));
    }
    for (index, line) in lines.iter().enumerate() {
        if runs.iter().any(|&(from, to)| from <= index && index < to) {
            continue;
        }
        // YAML ignores trailing spaces and the model never sees the front matter: only the
        // body's are worth a finding (on the corpus, front-matter ones were in every file).
        if line.start < cx.body().start {
            continue;
        }
        let content = source.get(line.start..line.content_end).unwrap_or("");
        let kept = content.trim_end_matches([' ', '\t']);
        if kept.len() == content.len() {
            continue;
        }
        let span = Span::new(line.start + kept.len(), line.content_end);
        let message =
            "trailing whitespace: invisible, but sent to the model and noisy in diffs; delete it";
        report.add(span, message).with_fix(Fix::safe(
            "Remove trailing whitespace",
            vec![Edit::delete(span)],
        ));
    }
}

/// CRLF and LF endings in one file: one finding, fixed by converting to the majority.
fn line_endings(lines: &[Line], report: &mut Report) {
    let crlf = lines.iter().filter(|l| l.ending == "\r\n").count();
    let lf = lines.iter().filter(|l| l.ending == "\n").count();
    if crlf == 0 || lf == 0 {
        return;
    }
    let (majority, minority, name) = if crlf > lf {
        ("\r\n", "\n", "CRLF")
    } else {
        ("\n", "\r\n", "LF")
    };
    let minority_spans: Vec<Span> = lines
        .iter()
        .filter(|l| l.ending == minority)
        .map(|l| Span::new(l.content_end, l.content_end + minority.len()))
        .collect();
    let Some(&first) = minority_spans.first() else {
        return;
    };
    report
        .add(
            first,
            format!(
                "mixed line endings: {crlf} lines end in CRLF and {lf} in LF; use one kind throughout (the fix converts all to {name})"
            ),
        )
        .with_fix(Fix::safe(
            format!("Convert line endings to {name}"),
            minority_spans
                .iter()
                .map(|&span| Edit::replace(span, majority))
                .collect(),
        ));
}

/// Runs of more than `MAX_BLANK_RUN` blank lines in the body, outside fenced code: half-open
/// ranges of line indices.
fn blank_runs(cx: &Context<'_>, lines: &[Line]) -> Vec<(usize, usize)> {
    let source = cx.source();
    let body = cx.body();
    let blank = |line: &Line| {
        source
            .get(line.start..line.content_end)
            .is_some_and(|content| content.trim().is_empty())
            && !line.ending.is_empty()
            && body.start <= line.start
            && line.start < body.end
            && !cx.in_code_block(line.start)
    };
    let mut runs = Vec::new();
    let mut start: Option<usize> = None;
    for (index, line) in lines.iter().enumerate() {
        match (blank(line), start) {
            (true, None) => start = Some(index),
            (false, Some(from)) => {
                if index - from > MAX_BLANK_RUN {
                    runs.push((from, index));
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start
        && lines.len() - from > MAX_BLANK_RUN
    {
        runs.push((from, lines.len()));
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    #[test]
    fn the_fix_turns_the_docs_bad_example_into_the_good_one() {
        assert_eq!(fixed(&RULE, RULE.docs.bad), RULE.docs.good);
    }

    #[test]
    fn trailing_whitespace_in_the_body_only() {
        let source = "---\nmodel: x \n---\nHello.  \nWorld.\t\n";
        assert_eq!(flagged(&RULE, source), ["  ", "\t"]);
        assert_eq!(
            fixed(&RULE, source),
            "---\nmodel: x \n---\nHello.\nWorld.\n"
        );
    }

    #[test]
    fn blank_line_runs_collapse_to_one() {
        let source = "One.\n\n\n\nTwo.\n\nThree.\n  \n\n \nFour.\n";
        let found = messages(&RULE, source);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("3 blank lines in a row"), "{found:?}");
        assert_eq!(fixed(&RULE, source), "One.\n\nTwo.\n\nThree.\n\nFour.\n");
    }

    #[test]
    fn mixed_line_endings_convert_to_the_majority() {
        let source = "One.\r\nTwo.\r\nThree.\nFour.\r\n";
        let found = messages(&RULE, source);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].contains("3 lines end in CRLF and 1 in LF"),
            "{found:?}"
        );
        assert_eq!(fixed(&RULE, source), "One.\r\nTwo.\r\nThree.\r\nFour.\r\n");
        assert_eq!(fixed(&RULE, "A\nB\r\nC\n"), "A\nB\nC\n");
    }

    #[test]
    fn near_misses() {
        for source in [
            "One.\n\nTwo.\n\n\nThree.\n",
            "One.\r\nTwo.\r\n",
            "```\ncode\n\n\n\nmore\n```\n",
            "No newline at the end",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source:?}");
        }
    }
}
