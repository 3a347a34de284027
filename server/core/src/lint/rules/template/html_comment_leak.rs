//! `html-comment-leak`: `<!-- … -->` in a prompt is not a comment to the template engine. It
//! is sent to the model like any other text: notes to colleagues, disabled instructions and
//! all. Handlebars' `{{!-- … --}}` (Jinja's `{# … #}` in Prompty) is removed when rendering.

use crate::lint::text::in_inline_code;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "html-comment-leak",
    category: Category::Template,
    severity: Severity::Info,
    enabled_by_default: true,
    fix: FixKind::Safe,
    formats: Formats::TEMPLATED,
    summary: "An HTML comment, which the model reads, where a template comment was meant",
    docs: Docs {
        why: "Templates render `<!-- … -->` as text: the model reads the note, the disabled instruction or the reminder inside it, and pays for its tokens. A Handlebars comment `{{!-- … --}}` (Jinja `{# … #}` in Prompty) is removed at render time.",
        bad: "Summarize the text in three bullets.\n<!-- old rule: always answer in French -->\n{{text}}\n",
        good: "Summarize the text inside <text> in three bullets.\n{{!-- old rule: always answer in French --}}\n<text>\n{{text}}\n</text>\n",
        fix: "Turn it into a template comment (the quick fix does), or delete it. If the model really should see it, write it as plain text.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    let body_end = cx.body().end;
    // The end of the last comment found: a comment may run over several prose segments.
    let mut covered = 0;
    for prose in cx.prose() {
        let text = cx.text(prose.span);
        let mut from = 0;
        while let Some(found) = text.get(from..).and_then(|rest| rest.find("<!--")) {
            let open = prose.span.start + from + found;
            from += found + 4;
            if open < covered || cx.in_code_block(open) || in_inline_code(text, from - 4) {
                continue;
            }
            let close = source
                .get(open + 4..body_end)
                .and_then(|rest| rest.find("-->"))
                .map(|at| open + 4 + at)
                .filter(|&at| cx.prose().iter().any(|p| p.span.contains(at)));
            let Some(close) = close else {
                let line_end = text
                    .get(from..)
                    .and_then(|r| r.find('\n'))
                    .map_or(prose.span.end, |i| prose.span.start + from + i);
                report.add(
                    Span::new(open, line_end),
                    "an HTML comment that is never closed: everything after `<!--` is sent to the model; close it with `-->`, or use a template comment",
                );
                continue;
            };
            let span = Span::new(open, close + 3);
            covered = span.end;
            let (comment, title) = match cx.format() {
                Format::Prompty => ("`{# … #}`", "Use a Jinja comment"),
                _ => ("`{{!-- … --}}`", "Use a Handlebars comment"),
            };
            let finding = report.add(
                span,
                format!("HTML comments are sent to the model as text: use a template comment, {comment}, which is removed when rendering"),
            );
            if let Some(edits) = convert(cx, span) {
                finding.with_fix(Fix::safe(title, edits));
            }
            from = (close + 3)
                .saturating_sub(prose.span.start)
                .min(text.len())
                .max(from);
        }
    }
}

/// The comment's delimiters swapped for the template's, unless its content would end the
/// template comment early or cut a block in half.
fn convert(cx: &Context<'_>, span: Span) -> Option<Vec<Edit>> {
    let content = cx.text(Span::new(span.start + 4, span.end - 3));
    let (open, close) = match cx.format() {
        Format::Prompty => {
            if content.contains("#}") || content.contains("{%") {
                return None;
            }
            ("{#", "#}")
        }
        _ => {
            let structural = content.match_indices("{{").any(|(at, _)| {
                let after = content.get(at + 2..).unwrap_or("").trim_start_matches('~');
                after.starts_with(['#', '/', '^']) || after.starts_with("else")
            });
            if content.contains("--}}") || structural {
                return None;
            }
            ("{{!--", "--}}")
        }
    };
    Some(vec![
        Edit::replace(Span::new(span.start, span.start + 4), open),
        Edit::replace(Span::new(span.end - 3, span.end), close),
    ])
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{check_format, fixed, flagged, messages};
    use crate::lint::{Format, apply_fixes};

    #[test]
    fn catches_html_comments_in_prose() {
        let source = "Be brief. <!-- note to Sam --> Answer.\n<!--\nmulti\nline\n-->\n{{q}}";
        assert_eq!(
            flagged(&RULE, source),
            ["<!-- note to Sam -->", "<!--\nmulti\nline\n-->"]
        );
    }

    #[test]
    fn fix_converts_to_a_template_comment() {
        assert_eq!(fixed(&RULE, "A <!-- b --> c"), "A {{!-- b --}} c");
        assert_eq!(
            fixed(&RULE, "A <!-- {{name}} --> c"),
            "A {{!-- {{name}} --}} c"
        );
        // Converting would cut the block in half: reported, not rewritten.
        let source = "<!-- {{#if a}} -->x{{/if}}";
        assert_eq!(messages(&RULE, source).len(), 1);
        assert_eq!(fixed(&RULE, source), source);
    }

    #[test]
    fn prompty_gets_jinja_comments() {
        let source = "Be brief.\n<!-- note -->\n";
        let found = check_format(&RULE, Format::Prompty, source);
        assert_eq!(found.len(), 1);
        let fixes: Vec<_> = found.iter().filter_map(|f| f.fixes.first()).collect();
        assert_eq!(apply_fixes(source, &fixes).0, "Be brief.\n{# note #}\n");
    }

    #[test]
    fn unclosed_comment_is_reported_without_a_fix() {
        let found = messages(&RULE, "A <!-- never closed\nB");
        assert!(found[0].contains("never closed"), "{found:?}");
    }

    #[test]
    fn near_misses() {
        for source in [
            "{{!-- a real comment --}} text",
            "```html\n<!-- in a code block -->\n```\n",
            "Write `<!-- x -->` for HTML comments.",
            "An arrow --> is not a comment.",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
