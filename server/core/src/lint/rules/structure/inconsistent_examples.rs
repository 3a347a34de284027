//! `inconsistent-examples`: few-shot examples that do not share one shape: an example that
//! lacks a field all the others have (`Output:`), examples labelled differently (`Input:` /
//! `Output:` in one, `Q:` / `A:` in the next), `<example>` blocks with different child tags.
//!
//! Examples are found three ways:
//! - `<example>` elements (`<example>`, `<example_2>`, `<sample>`; not the `<examples>`
//!   container): their fields are the child tags and the labels at line starts;
//! - example headers (`Example 1:`, `## Example 2 – refunds`, `**Example:**`): an example runs
//!   to the next header, heading or section tag, or to a blank line followed by a line that is
//!   not a label; its fields are the labels at line starts (`Input:`, `**Output**:`) and the
//!   child tags;
//! - with neither, two different label pairs used as whole pairs in one prompt (`Input:` …
//!   `Output:` and `Q:` … `A:`).
//!
//! An example is reported when it lacks a field that every other example has.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::shared::{
    ProseLine, Tag, TagKind, heading_level, is_example_tag, line_end, pair, prose_lines, tags,
};
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "inconsistent-examples",
    category: Category::Structure,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "Few-shot examples whose fields or labels differ (Input:/Output: in one, Q:/A: in another)",
    docs: Docs {
        why: "Models copy the shape of few-shot examples more faithfully than any description of the format. Examples that disagree (one has an `Explanation:` line and the others do not, one says `Q:` where the others say `Input:`) teach an ambiguous format, and the answers come back in either shape, or in a mix of both.",
        bad: "---\ninput:\n  schema:\n    review: string\n---\nClassify the sentiment of the review as positive or negative.\n\nExample 1:\nReview: The battery lasts all day.\nSentiment: positive\n\nExample 2:\nQ: It broke after a week.\nA: negative\n\nReview: {{review}}\nSentiment:\n",
        good: "---\ninput:\n  schema:\n    review: string\n---\nClassify the sentiment of the review as positive or negative.\n\nExample 1:\nReview: The battery lasts all day.\nSentiment: positive\n\nExample 2:\nReview: It broke after a week.\nSentiment: negative\n\nReview: <review>{{review}}</review>\nSentiment:\n",
        fix: "Give every example the same fields, labelled the same way and in the same order, and label the real input the same way too.",
    },
    check,
};

static HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?P<heading>#{1,6}\s+)?(?P<bold>[*_]{2})?\s*(?:example|sample)\s*(?:#\s*)?(?P<num>\d+|[ivx]+\b|[a-e]\b)?\s*(?:[*_]{2})?\s*(?:(?P<sep>[:.)–—-])\s*(?:[*_]{2})?(?P<title>[^\n]{0,60}))?$",
    )
    .ok()
});

static LABEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:[-*•]\s+)?(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z0-9' _/-]{0,30}?)\s*(?:\*\*|__)?\s*:(?:\*\*|__)?(?:\s|$)",
    )
    .ok()
});

/// Label pairs that frame one example each; two of them in one prompt disagree.
const FAMILIES: &[(&str, &str)] = &[
    ("input", "output"),
    ("q", "a"),
    ("question", "answer"),
    ("text", "label"),
    ("user", "assistant"),
    ("human", "ai"),
];

#[derive(Debug)]
struct Example {
    /// The header or opening tag.
    anchor: Span,
    fields: BTreeSet<String>,
}

fn label_of(cx: &Context<'_>, line: &ProseLine) -> Option<String> {
    if !line.at_line_start || cx.in_code_block(line.span.start) {
        return None;
    }
    let text = cx.text(line.span);
    // A label ends with a colon; most lines have none and need no regex.
    if !text.contains(':') {
        return None;
    }
    let captures = LABEL.as_ref()?.captures(text)?;
    let label = captures.name("label")?.as_str().trim();
    let lower = label.to_ascii_lowercase();
    if label.split_whitespace().count() > 3 || matches!(lower.as_str(), "http" | "https" | "note") {
        return None;
    }
    Some(lower)
}

fn is_header(cx: &Context<'_>, line: &ProseLine) -> bool {
    if !line.at_line_start || cx.in_code_block(line.span.start) {
        return false;
    }
    let text = cx.text(line.span);
    // Headers say "example" or "sample" (the letters after the first have no case folds
    // outside ASCII): most lines do not and need no regex.
    if !contains_ascii_caseless(text, "ample") {
        return false;
    }
    let Some(captures) = HEADER.as_ref().and_then(|h| h.captures(text)) else {
        return false;
    };
    let marked = captures.name("heading").is_some()
        || captures.name("bold").is_some()
        || captures.name("num").is_some();
    let title = captures.name("title").map_or("", |m| m.as_str().trim());
    let bare = captures.name("sep").is_some_and(|s| s.as_str() == ":") && title.is_empty();
    (marked || bare) && title.split_whitespace().count() <= 8
}

/// True when `text` contains `needle` (ASCII lowercase) in any ASCII case.
fn contains_ascii_caseless(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The fields of the prose in `inside`: child tags (paired) and labels at line starts.
fn fields_in(
    cx: &Context<'_>,
    inside: Span,
    tags: &[Tag],
    pairs: &[(usize, usize)],
    lines: &[ProseLine],
) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    for &(child, _) in pairs {
        if let Some(child) = tags.get(child)
            && child.kind == TagKind::Open
            && inside.contains(child.span.start)
        {
            fields.insert(format!("<{}>", child.name));
        }
    }
    for line in lines.iter().filter(|l| inside.contains(l.span.start)) {
        if let Some(label) = label_of(cx, line) {
            fields.insert(format!("{label}:"));
        }
    }
    fields
}

/// Example elements.
fn tagged_examples(
    cx: &Context<'_>,
    tags: &[Tag],
    pairs: &[(usize, usize)],
    lines: &[ProseLine],
) -> Vec<Example> {
    let mut out = Vec::new();
    for &(open, close) in pairs {
        let (Some(open_tag), Some(close_tag)) = (tags.get(open), tags.get(close)) else {
            continue;
        };
        if !is_example_tag(&open_tag.name)
            || open_tag.name.ends_with("examples")
            || open_tag.name.ends_with("samples")
        {
            continue;
        }
        let inside = Span::new(open_tag.span.end, close_tag.span.start);
        out.push(Example {
            anchor: open_tag.span,
            fields: fields_in(cx, inside, tags, pairs, lines),
        });
    }
    out
}

/// Examples under `Example N:` headers. An example ends at the next header, at a heading,
/// or at a blank line followed by a line that is not a label (the instructions that follow
/// the last example are not part of it).
fn headed_examples(
    cx: &Context<'_>,
    tags: &[Tag],
    pairs: &[(usize, usize)],
    lines: &[ProseLine],
) -> Vec<Example> {
    let mut sections: Vec<(Span, usize, usize)> = Vec::new();
    let mut open: Option<(Span, usize)> = None;
    let mut end = 0;
    let mut previous_blank = false;
    let mut first_label: Option<String> = None;
    for line in lines {
        let text = cx.text(line.span);
        let blank = text.trim().is_empty();
        if is_header(cx, line) {
            if let Some((anchor, start)) = open.take() {
                sections.push((anchor, start, end));
            }
            let lead = text.len() - text.trim_start().len();
            let anchor = Span::new(
                line.span.start + lead,
                line.span.start + text.trim_end().len(),
            );
            open = Some((anchor, line.span.end));
            end = line.span.end;
            previous_blank = false;
            first_label = None;
            continue;
        }
        if let Some((anchor, start)) = open {
            let ends = heading_level(cx, line).is_some()
                || (previous_blank
                    && !blank
                    && line.at_line_start
                    && !continues(cx, line, first_label.as_deref()));
            if ends {
                sections.push((anchor, start, end));
                open = None;
            } else {
                end = line.span.end;
                if first_label.is_none() {
                    first_label = label_of(cx, line);
                }
            }
        }
        if line.at_line_start || blank {
            previous_blank = blank;
        }
    }
    if let Some((anchor, start)) = open {
        sections.push((anchor, start, end));
    }
    sections
        .into_iter()
        .map(|(anchor, start, end)| Example {
            anchor,
            fields: fields_in(cx, Span::new(start, end.max(start)), tags, pairs, lines),
        })
        .collect()
}

/// After a blank line, an example goes on only with a new label of its own: not a plain
/// line, not the label it started with (a new record), not a label filled by a variable (the
/// real input after the examples).
fn continues(cx: &Context<'_>, line: &ProseLine, first_label: Option<&str>) -> bool {
    let Some(label) = label_of(cx, line) else {
        return false;
    };
    let whole_line = cx.text(Span::new(line.span.start, line_end(cx, line.span.start)));
    if whole_line.contains("{{") || whole_line.contains("{%") {
        return false;
    }
    first_label.is_none_or(|first| first != label)
}

fn report_group(cx: &Context<'_>, report: &mut Report, examples: &[Example]) {
    let examples: Vec<&Example> = examples.iter().filter(|e| !e.fields.is_empty()).collect();
    let n = examples.len();
    if n < 2 {
        return;
    }
    // How many examples have each field: a field every other example has is one that all
    // examples have, or all but this one.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for example in &examples {
        for field in &example.fields {
            *counts.entry(field.as_str()).or_default() += 1;
        }
    }
    let source = cx.source();
    let line = |span: Span| cx.line_index().to_human(source, span.start).line;
    for (i, example) in examples.iter().enumerate() {
        // Two examples that disagree both lack the other's fields: report the later one.
        if n == 2 && i == 0 {
            continue;
        }
        let has = |f: &str| example.fields.contains(f);
        let in_all_others = |f: &str, count: usize| count == n - 1 + usize::from(has(f));
        let missing: Vec<&str> = counts
            .iter()
            .filter(|&(f, &count)| !has(f) && in_all_others(f, count))
            .map(|(f, _)| *f)
            .collect();
        if missing.is_empty() {
            continue;
        }
        let extra: Vec<&str> = example
            .fields
            .iter()
            .map(String::as_str)
            .filter(|f| counts.get(f).is_some_and(|&count| !in_all_others(f, count)))
            .collect();
        let mut lines: Vec<String> = examples
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .take(4)
            .map(|(_, e)| line(e.anchor).to_string())
            .collect();
        if n - 1 > 3 {
            lines.truncate(3);
            lines.push("…".into());
        }
        let (which, has_word, uses) = if n == 2 {
            (
                format!("the example on line {}", lines.join("")),
                "has",
                "uses",
            )
        } else {
            (
                format!("the examples on lines {}", lines.join(", ")),
                "have",
                "use",
            )
        };
        let message = if extra.is_empty() {
            format!(
                "this example has no {} while {which} {has_word}: give every example the same fields",
                quote(&missing)
            )
        } else {
            format!(
                "this example uses {} where {which} {uses} {}: give every example the same fields, labelled the same way",
                quote(&extra),
                quote(&missing)
            )
        };
        report.add(example.anchor, message);
    }
}

fn quote(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| format!("`{f}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// With no marked examples: two label pairs used in one prompt.
fn label_families(cx: &Context<'_>, report: &mut Report) {
    let mut labels: Vec<(String, Span)> = Vec::new();
    for line in prose_lines(cx) {
        if let Some(label) = label_of(cx, &line) {
            let text = cx.text(line.span);
            let start = line.span.start + (text.len() - text.trim_start().len());
            labels.push((label, Span::new(start, line.span.end)));
        }
    }
    let has = |name: &str| labels.iter().find(|(l, _)| l == name).map(|(_, s)| *s);
    let used: Vec<(&str, &str, Span)> = FAMILIES
        .iter()
        .filter_map(|&(a, b)| match (has(a), has(b)) {
            (Some(first), Some(_)) => Some((a, b, first)),
            _ => None,
        })
        .collect();
    let Some(&(a, b, first_at)) = used.iter().min_by_key(|(_, _, span)| span.start) else {
        return;
    };
    if let Some(&(c, d, at)) = used
        .iter()
        .filter(|(_, _, span)| span.start > first_at.start)
        .min_by_key(|(_, _, span)| span.start)
    {
        let line = cx.line_index().to_human(cx.source(), first_at.start).line;
        let cap = |s: &str| {
            let mut chars = s.chars();
            chars
                .next()
                .map(|f| f.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        };
        let first_line = cx.text(at).lines().next().unwrap_or("");
        let span = Span::new(
            at.start,
            at.start + first_line.find(':').map_or(first_line.len(), |i| i + 1),
        );
        report.add(
            span,
            format!(
                "examples are labelled `{}:`/`{}:` here but `{}:`/`{}:` on line {line}: use one pair of labels for every example and for the real input",
                cap(c),
                cap(d),
                cap(a),
                cap(b),
            ),
        );
    }
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let tags = tags(cx);
    let pairs = pair(&tags).pairs;
    let lines = prose_lines(cx);
    let tagged = tagged_examples(cx, &tags, &pairs, &lines);
    let headed = headed_examples(cx, &tags, &pairs, &lines);
    if tagged.len() < 2 && headed.len() < 2 {
        label_families(cx, report);
        return;
    }
    report_group(cx, report, &tagged);
    report_group(cx, report, &headed);
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    #[test]
    fn regexes_compile() {
        assert!(super::HEADER.is_some());
        assert!(super::LABEL.is_some());
    }

    #[test]
    fn headed_examples_with_different_labels() {
        let source = "Classify.\n\nExample 1:\nInput: good\nOutput: positive\n\nExample 2:\nQ: bad\nA: negative\n\nInput: {{text}}\nOutput:";
        assert_eq!(flagged(&RULE, source), ["Example 2:"]);
        let found = messages(&RULE, source);
        assert_eq!(
            found,
            [
                "this example uses `a:`, `q:` where the example on line 3 uses `input:`, `output:`: give every example the same fields, labelled the same way"
            ]
        );
    }

    #[test]
    fn an_example_missing_a_field() {
        let source = "## Example 1\nInput: a\nReasoning: b\nOutput: c\n## Example 2\nInput: d\nOutput: e\n## Example 3\nInput: f\nReasoning: g\nOutput: h\n## Task\nDo it.";
        assert_eq!(flagged(&RULE, source), ["## Example 2"]);
        assert_eq!(
            messages(&RULE, source),
            [
                "this example has no `reasoning:` while the examples on lines 1, 8 have: give every example the same fields"
            ]
        );
    }

    #[test]
    fn tagged_examples_with_different_children() {
        let source = "<examples>\n<example>\n<input>hi</input>\n<output>hello</output>\n</example>\n<example>\n<input>bye</input>\n<answer>ciao</answer>\n</example>\n</examples>";
        assert_eq!(flagged(&RULE, source), ["<example>"]);
        assert!(
            messages(&RULE, source)[0]
                .contains("uses `<answer>` where the example on line 2 uses `<output>`")
        );
    }

    #[test]
    fn two_label_pairs_without_headers() {
        let source = "Input: cat\nOutput: animal\n\nQ: rose\nA: plant\n";
        assert_eq!(flagged(&RULE, source), ["Q:"]);
        // the example's labels differ from the real input's
        let source = "Example:\nQ: a\nA: b\n\nInput: {{x}}\nOutput:";
        assert_eq!(flagged(&RULE, source), ["Input:"]);
    }

    #[test]
    fn near_misses() {
        for source in [
            // consistent
            "Example 1:\nInput: a\nOutput: b\n\nExample 2:\nInput: c\nOutput: d\n\nNow answer:\nInput: {{x}}\nOutput:",
            "<example>\n<input>a</input><output>b</output>\n</example>\n<example>\n<input>c</input><output>d</output>\n</example>",
            // text after the last example is not part of it
            "Example 1:\nInput: a\nOutput: b\n\nExample 2:\nInput: c\nOutput: d\n\nRemember: be brief.\nTone: friendly",
            // one example only
            "Example:\nQ: a\nA: b\n\nQ: {{x}}\nA:",
            // examples without fields cannot disagree
            "Example 1: the cat sat -> positive\nExample 2: the dog bit -> negative",
            // one label pair
            "Question: {{q}}\nAnswer:",
            // labels in code are not examples
            "Input: a\nOutput: b\n```\nQ: x\nA: y\n```",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
