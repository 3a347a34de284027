//! `unbalanced-xml-tags`: an XML-style section tag (`<doc>`) never closed, or a closing tag
//! (`</doc>`) that closes nothing, in the text the model reads.
//!
//! Tags are matched across the whole body in order, so `<doc>{{document}}</doc>` pairs up
//! although the variable splits the prose. Left out: fenced and inline code, HTML void
//! elements (`<br>`), self-closing tags (`<x/>`), tags named in a sentence (`wrap it in
//! <answer> tags`), and opening tags after text on their line that are never closed
//! (`Reply to <name> politely`, `Input: <text>`): those are fill-in slots, not sections.
//! Text that only looks like a tag does not match: `<your answer here>`, `a < b`, `<-`,
//! `<=>`, `<https://…>`.

use std::collections::HashMap;

use super::shared::{Tag, TagKind, heading_level, line_end, line_start, pair, prose_lines, tags};
use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "unbalanced-xml-tags",
    category: Category::Structure,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::ALL,
    summary: "An XML-style tag never closed (`<doc>` with no `</doc>`), or a closing tag that closes nothing",
    docs: Docs {
        why: "Tags tell the model where a section starts and ends: which text is the document, which is the instruction, which is an example. An unclosed `<document>` makes everything after it part of the document, instructions included, and a stray `</document>` suggests a section that is not there. Models follow tag boundaries closely, which is why vendors recommend them, so a wrong boundary changes the answer.",
        bad: "---\ninput:\n  schema:\n    document: string\n---\n<document>\n{{document}}\n\nSummarize the document above in three sentences.\n",
        good: "---\ninput:\n  schema:\n    document: string\n---\n<document>\n{{document}}\n</document>\n\nSummarize the document above in three sentences.\n",
        fix: "Close the tag where its content ends (the quick fix inserts the closing tag before the next section, or before the enclosing element's closing tag), or remove the stray closing tag. If a `<name>` in a sentence is meant as a fill-in slot, it is not reported; write it with spaces (`<your name>`) or in backticks if it is.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let tags = tags(cx);
    if tags.is_empty() {
        return;
    }
    let pairing = pair(&tags);
    let sections = Sections::new(cx, &tags);
    for &(open, enclosing_close) in &pairing.unclosed {
        let Some(tag) = tags.get(open) else {
            continue;
        };
        let raw = cx.text(tag.span);
        let name = raw
            .trim_start_matches('<')
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()
            .unwrap_or_default();
        let close = format!("</{name}>");
        let enclosing = enclosing_close.and_then(|i| tags.get(i));
        let message = match enclosing {
            Some(outer) => format!(
                "`{raw}` is never closed before `{}`: add `{close}` where its content ends, or the model reads everything up to `{}` as part of it",
                cx.text(outer.span),
                cx.text(outer.span),
            ),
            None => format!(
                "`{raw}` is never closed: add `{close}` where its content ends, or the model reads the rest of the prompt as part of it"
            ),
        };
        let edit = close_edit(cx, &sections, open, tag, enclosing, &close);
        report
            .add(tag.span, message)
            .with_fix(Fix::suggested(format!("Insert `{close}`"), vec![edit]));
    }
    let source = cx.source();
    for &stray in &pairing.stray {
        let Some(tag) = tags.get(stray) else {
            continue;
        };
        let raw = cx.text(tag.span);
        let open = raw.replacen("</", "<", 1);
        // Alone on its line: remove the line.
        let start = line_start(cx, tag.span.start);
        let end = line_end(cx, tag.span.end);
        let alone = source.get(start..end).is_some_and(|l| l.trim() == raw);
        let span = if alone && source.get(end..end + 1) == Some("\n") {
            Span::new(start, end + 1)
        } else {
            tag.span
        };
        report
            .add(
                tag.span,
                format!("`{raw}` closes nothing: no `{open}` is open here; add the opening tag where the section starts, or remove this one"),
            )
            .with_fix(Fix::suggested(format!("Remove `{raw}`"), vec![Edit::delete(span)]));
    }
}

/// Where sections start, computed once per file so that placing many closing tags stays
/// linear: for each tag, the line of the next section tag after a blank line and of the next
/// opening tag of the same name; the Markdown headings.
struct Sections {
    next_after_blank: Vec<Option<usize>>,
    next_same_name: Vec<Option<usize>>,
    headings: Vec<usize>,
}

impl Sections {
    fn new(cx: &Context<'_>, tags: &[Tag]) -> Self {
        let mut next_after_blank = vec![None; tags.len()];
        let mut next_same_name = vec![None; tags.len()];
        let mut following: Option<usize> = None;
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        for (i, tag) in tags.iter().enumerate().rev() {
            if let Some(slot) = next_after_blank.get_mut(i) {
                *slot = following;
            }
            if let Some(slot) = next_same_name.get_mut(i) {
                *slot = by_name.get(tag.name.as_str()).copied();
            }
            if tag.kind == TagKind::Open && tag.line_start {
                let line = line_start(cx, tag.span.start);
                if after_blank_line(cx, tag.span.start) {
                    following = Some(line);
                }
                by_name.insert(tag.name.as_str(), line);
            }
        }
        let headings = prose_lines(cx)
            .iter()
            .filter(|l| heading_level(cx, l).is_some())
            .map(|l| l.span.start)
            .collect();
        Self {
            next_after_blank,
            next_same_name,
            headings,
        }
    }
}

/// Where the missing closing tag goes: before the enclosing element's closing tag, else
/// before the next section (a heading, a tag of the same name, or a tag starting a line after
/// a blank line), else at the end of the turn; after trailing whitespace.
fn close_edit(
    cx: &Context<'_>,
    sections: &Sections,
    open: usize,
    tag: &Tag,
    enclosing: Option<&Tag>,
    close: &str,
) -> Edit {
    let source = cx.source();
    let turn_end = cx
        .turn_at(tag.span.start)
        .map_or(cx.body().end, |turn| turn.span.end.min(cx.body().end));
    let boundary = match enclosing {
        Some(outer) => outer.span.start,
        None => {
            let next_heading = sections
                .headings
                .get(sections.headings.partition_point(|&h| h <= tag.span.end))
                .copied();
            [
                sections.next_after_blank.get(open).copied().flatten(),
                sections.next_same_name.get(open).copied().flatten(),
                next_heading,
            ]
            .into_iter()
            .flatten()
            .filter(|&b| b > tag.span.end && b < turn_end)
            .min()
            .unwrap_or(turn_end)
        }
    };
    let boundary = boundary.max(tag.span.end);
    let content = source.get(tag.span.end..boundary).unwrap_or("");
    let at = tag.span.end + content.trim_end().len();
    let same_line = !source.get(tag.span.end..at).unwrap_or("").contains('\n');
    if same_line {
        Edit::insert(at, close)
    } else {
        let start = line_start(cx, tag.span.start);
        let indent: String = source
            .get(start..tag.span.start)
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect();
        Edit::insert(at, format!("\n{indent}{close}"))
    }
}

/// True when the line before the one containing `offset` is blank.
fn after_blank_line(cx: &Context<'_>, offset: usize) -> bool {
    let index = cx.line_index();
    let line = index.line_of(offset);
    line > 0
        && cx
            .text(index.line_span(cx.source(), line - 1))
            .trim()
            .is_empty()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    #[test]
    fn unclosed_section_tags() {
        let source = "<document>\n{{document}}\n\nSummarize it.\n";
        assert_eq!(flagged(&RULE, source), ["<document>"]);
        assert_eq!(
            fixed(&RULE, source),
            "<document>\n{{document}}\n\nSummarize it.\n</document>\n"
        );
    }

    #[test]
    fn closes_before_the_next_section() {
        let source = "<doc>\n{{document}}\n\n<question>\n{{q}}\n</question>\n";
        assert_eq!(flagged(&RULE, source), ["<doc>"]);
        assert_eq!(
            fixed(&RULE, source),
            "<doc>\n{{document}}\n</doc>\n\n<question>\n{{q}}\n</question>\n"
        );
        let source = "<doc>{{document}}\n## Task\nSummarize.";
        assert_eq!(
            fixed(&RULE, source),
            "<doc>{{document}}</doc>\n## Task\nSummarize."
        );
    }

    #[test]
    fn nested_tag_left_open_inside_its_parent() {
        let source = "<examples>\n  <example>\n  Input: hi\n</examples>\n";
        assert_eq!(flagged(&RULE, source), ["<example>"]);
        assert!(messages(&RULE, source)[0].contains("before `</examples>`"));
        assert_eq!(
            fixed(&RULE, source),
            "<examples>\n  <example>\n  Input: hi\n  </example>\n</examples>\n"
        );
    }

    #[test]
    fn stray_closing_tags() {
        let source = "Summarize this.\n{{text}}\n</text>\nBe brief.";
        assert_eq!(flagged(&RULE, source), ["</text>"]);
        assert_eq!(fixed(&RULE, source), "Summarize this.\n{{text}}\nBe brief.");
        let source = "<a>\nx\n</b>\n</a>";
        assert_eq!(flagged(&RULE, source), ["</b>"]);
    }

    #[test]
    fn tags_pair_across_variables_and_turns_of_text() {
        for source in [
            "<doc>{{document}}</doc>",
            "<doc>\n{{#each docs}}{{this}}\n{{/each}}\n</doc>",
            "<Doc>text</doc>",
            "<example id=\"1\">\nhi\n</example>",
            "<examples><example>a</example><example>b</example></examples>",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn sections_named_in_sentences_before_and_inside_them() {
        let source = "1) Read <policy> and <history> first.\n2) Return <verdict>accept</verdict> or <verdict>reject</verdict><reason>{{reason}}</reason>.\n\n<policy>\nFollow the rules; see <policy> above.\n{{policy}}\n</policy>\n\n<history>\n{{history}}\n</history>\n";
        assert_eq!(messages(&RULE, source), Vec::<String>::new());
    }

    #[test]
    fn near_misses() {
        for source in [
            // void elements, self-closing tags
            "Line one<br>\nLine two<hr>\n<img src=\"x.png\">\n<input type=\"text\">",
            "Insert a break: <br/> or <separator />",
            // fill-in slots and mentions in sentences
            "Reply to <name> politely.\nSend the receipt to <email>.",
            "Input: <text>\nOutput: <label>",
            "Put your reasoning in <thinking> tags, then answer.",
            "Wrap the answer in <answer> tags.\n<answer>\n42\n</answer>",
            "Write <your answer here>.",
            "<Date>\n<Company>\nDear <Name>,\nI am writing to apply.",
            // HTML that may omit end tags
            "<ul>\n<li>one\n<li>two\n</ul>\n<p>\nText",
            // not tags at all
            "If a < b and b > c then a <- b; use <=> for comparisons and -> for arrows.",
            "See <https://example.com> or <team@example.com>.",
            "Return a List<String> of names.",
            // code
            "```html\n<div>\n```\nUse `<div>` for blocks.",
            // comments do not reach the model
            "{{!-- <todo> --}}Hello",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
