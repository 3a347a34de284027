//! `template-parse-error`: template syntax the renderer rejects. Block pairing has its own
//! rule (`block-mismatch`); this one reports every other tag that does not parse.

use crate::document::DocumentErrorKind;
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::prompty::PromptyErrorKind;
use crate::template::TemplateErrorKind;

pub(crate) static RULE: Rule = Rule {
    id: "template-parse-error",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::TEMPLATED,
    summary: "Template syntax that does not parse (Handlebars in .prompt, Jinja in .prompty)",
    docs: Docs {
        why: "A tag the template engine cannot parse makes the whole prompt fail to render. The linter recovers after the broken tag and keeps checking the rest.",
        bad: "Summarize {{text for {{audience}}.\n",
        good: "Summarize the text inside <text> for {{audience}}.\n<text>\n{{text}}\n</text>\n",
        fix: "Close the tag with `}}`, remove characters Handlebars does not allow in a tag, or escape a literal `{{` as `\\{{`.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    if let Some(document) = cx.document() {
        for error in &document.errors {
            let DocumentErrorKind::Template(kind) = error.kind else {
                continue;
            };
            if !matches!(
                kind,
                TemplateErrorKind::UnclosedBlock
                    | TemplateErrorKind::UnexpectedClose
                    | TemplateErrorKind::StrayElse
            ) {
                report.add(error.span, error.message.clone());
            }
        }
    } else if let Some(document) = cx.prompty() {
        for error in &document.errors {
            if error.kind != PromptyErrorKind::FrontMatterSyntax {
                report.add(error.span, error.message.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{check_format, flagged, messages};

    #[test]
    fn reports_each_broken_tag_and_keeps_going() {
        let source = "A {{name\nB {{ok}} C {{bad tag!}} D";
        assert_eq!(messages(&RULE, source).len(), 2);
    }

    #[test]
    fn reports_unclosed_comments() {
        assert_eq!(flagged(&RULE, "Hi {{!-- never closed").len(), 1);
    }

    #[test]
    fn near_misses() {
        for source in [
            "Hi \\{{literal}} {{name}}",
            "{{#if a}}x{{/if}}",
            "{{{raw}}} {{> part}} {{! c }}",
            "{{#if a}}unclosed",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn reports_jinja_errors_in_prompty() {
        use crate::lint::Format;
        let source = "---
name: x
---
system:
Hi {{Guest Name}} and {% for x in y %}
";
        let found = check_format(&RULE, Format::Prompty, source);
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
