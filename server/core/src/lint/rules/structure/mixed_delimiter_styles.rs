//! `mixed-delimiter-styles`: the prompt marks its sections in three different ways at once:
//! XML tags, Markdown headings and fenced blocks.
//!
//! Two styles together are common and fine (headings for the instructions, tags around the
//! inserted data). The rule fires only when all three are used *as section delimiters*:
//! - XML: at least one tag pair whose opening tag starts its line (`<context>` … `</context>`),
//!   not HTML formatting such as `<b>` or `<p>`;
//! - headings: at least two Markdown ATX headings (`## Rules`): one heading is a title;
//! - fences: at least one fenced block that wraps inserted data (a variable) or a section of
//!   prose (no language, or `text`/`markdown`, starting with a word or a heading and at least
//!   20 words long). A fence that shows code or a JSON example is content, not a delimiter.

use super::shared::{Fence, TagKind, fences, heading_level, pair, prose_lines, renders, tags};
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "mixed-delimiter-styles",
    category: Category::Structure,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "XML tags, Markdown headings and fenced blocks all used to delimit sections in one prompt",
    docs: Docs {
        why: "Delimiters tell the model where each part of the prompt starts and ends. One consistent style is easy to follow and to refer to (\"the text in <report> tags\"); three styles at once make the prompt's structure ambiguous (is the fenced block a section, or part of the section above it?) and make it hard to say which part an instruction refers to.",
        bad: "---\ninput:\n  schema:\n    report: string\n    notes: string\n---\n## Task\nCompare the report with the notes and list the contradictions as bullet points.\n\n## Report\n<report>\n{{report}}\n</report>\n\n## Notes\n```\n{{notes}}\n```\n",
        good: "---\ninput:\n  schema:\n    report: string\n    notes: string\n---\n## Task\nCompare the report with the notes and list the contradictions as bullet points.\n\n## Report\n<report>\n{{report}}\n</report>\n\n## Notes\n<notes>\n{{notes}}\n</notes>\n",
        fix: "Pick one style for sections and data, XML tags being the most robust around inserted text, and keep fences for code. Two styles used for different jobs (headings for instructions, tags for data) are fine.",
    },
    check,
};

/// HTML formatting, which marks up content rather than delimiting sections.
const HTML: &[&str] = &[
    "a",
    "b",
    "i",
    "u",
    "s",
    "em",
    "strong",
    "code",
    "pre",
    "span",
    "p",
    "div",
    "sup",
    "sub",
    "small",
    "mark",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "html",
    "head",
    "body",
    "title",
    "script",
    "style",
    "blockquote",
    "kbd",
    "font",
    "center",
    "details",
    "summary",
];

const MIN_PROSE_WORDS_IN_FENCE: usize = 20;

fn fence_delimits(cx: &Context<'_>, fence: &Fence) -> bool {
    let wraps_variable = cx
        .uses()
        .iter()
        .any(|u| renders(u) && fence.content.contains(u.span.start));
    if wraps_variable {
        return true;
    }
    let prose_info = matches!(
        fence.info.as_str(),
        "" | "text" | "txt" | "plaintext" | "markdown" | "md"
    );
    let content = cx.text(fence.content).trim_start();
    let starts_like_prose = content
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '#');
    let words = cx.words();
    let words = words.partition_point(|w| w.span.start < fence.content.end)
        - words.partition_point(|w| w.span.start < fence.content.start);
    prose_info && starts_like_prose && words >= MIN_PROSE_WORDS_IN_FENCE
}

fn check(cx: &Context<'_>, report: &mut Report) {
    let fenced: Vec<Span> = fences(cx)
        .iter()
        .filter(|f| fence_delimits(cx, f))
        .map(|f| f.open)
        .collect();
    if fenced.is_empty() {
        return;
    }
    let headings: Vec<Span> = prose_lines(cx)
        .iter()
        .filter(|l| heading_level(cx, l).is_some())
        .map(|l| l.span)
        .collect();
    if headings.len() < 2 {
        return;
    }
    let tags = tags(cx);
    let sections: Vec<Span> = pair(&tags)
        .pairs
        .iter()
        .filter_map(|&(open, _)| tags.get(open))
        .filter(|t| t.kind == TagKind::Open && t.line_start && !HTML.contains(&t.name.as_str()))
        .map(|t| t.span)
        .collect();
    if sections.is_empty() {
        return;
    }
    let source = cx.source();
    let line = |span: &Span| cx.line_index().to_human(source, span.start).line;
    let mut styles = [
        ("XML tag sections", &sections),
        ("Markdown headings", &headings),
        ("fenced blocks", &fenced),
    ];
    // The least used style; on a tie, the one that appears last (it completed the mix).
    styles.sort_by_key(|(_, spans)| {
        (
            spans.len(),
            std::cmp::Reverse(spans.first().map_or(0, |s| s.start)),
        )
    });
    let [(least, spans), ..] = styles;
    let Some(first) = spans.first() else {
        return;
    };
    let summary: Vec<String> = [
        ("XML tags", &sections),
        ("headings", &headings),
        ("fences", &fenced),
    ]
    .iter()
    .map(|(name, spans)| {
        let lines: Vec<String> = spans.iter().take(3).map(|s| line(s).to_string()).collect();
        let more = if spans.len() > 3 { ", …" } else { "" };
        let word = if spans.len() == 1 { "line" } else { "lines" };
        format!("{name} ({word} {}{more})", lines.join(", "))
    })
    .collect();
    report.add(
        *first,
        format!(
            "sections are delimited three ways: {}; pick one style for sections and inserted data (XML tags are the most robust around data) and keep fences for code; the {least} are the least used",
            summary.join(", ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    #[test]
    fn all_three_styles() {
        let source = "## Task\nCompare.\n\n## Report\n<report>\n{{report}}\n</report>\n\n## Notes\n```\n{{notes}}\n```\n";
        assert_eq!(flagged(&RULE, source), ["```"]);
        let found = messages(&RULE, source);
        assert!(
            found[0].contains("XML tags (line 5), headings (lines 1, 4, 9), fences (line 10)"),
            "{found:?}"
        );
        // a fence holding a section of prose
        let prose = "You are a careful reviewer who reads every clause and checks every number against the source before answering any question at all.";
        let source = format!("# Role\n```\n{prose}\n```\n# Input\n<doc>\n{{{{doc}}}}\n</doc>\n");
        assert_eq!(flagged(&RULE, &source), ["<doc>"]);
    }

    #[test]
    fn two_styles_or_fences_for_code_are_fine() {
        for source in [
            // headings and tags
            "## Task\nCompare.\n## Data\n<report>\n{{report}}\n</report>\n",
            // headings and fences
            "## Task\nCompare.\n## Data\n```\n{{report}}\n```\n",
            // all three, but the fence shows a JSON example and code
            "## Task\nCompare.\n## Data\n<report>\n{{report}}\n</report>\n```json\n{\"a\": 1}\n```\n```python\nprint(1)\n```\n",
            // one heading is a title
            "# Reviewer\n<report>\n{{report}}\n</report>\n```\n{{notes}}\n```\n",
            // inline tags are not sections
            "## A\n## B\nUse <b>bold</b> here.\n```\n{{notes}}\n```\n",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
