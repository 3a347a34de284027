//! `block-mismatch`: blocks that are not closed, or closed by the wrong name; a `{{/name}}` or
//! `{{else}}` outside any block. Handlebars refuses to compile such a template.
//!
//! The parser reports each unclosed block and each close tag that matches nothing. A close tag
//! with the wrong name inside a block that is never closed (`{{#if a}}…{{/each}}`) is one
//! mistake, not two: it is reported once, at the close tag, with a fix that renames it.

use crate::document::DocumentErrorKind;
use crate::lint::{Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Rule, Severity};
use crate::template::{Block, BlockKind, Node, TemplateErrorKind, walk};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "block-mismatch",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::DOTPROMPT,
    summary: "A block never closed or closed by the wrong name, a stray `{{/name}}` or `{{else}}`",
    docs: Docs {
        why: "Every `{{#name}}` needs its `{{/name}}`, in nesting order. An unclosed or mismatched block makes the whole template fail to compile, so the prompt does not render at all; a stray `{{/name}}` or `{{else}}` does the same.",
        bad: "{{#if examples}}\nExamples:\n{{#each examples}}\n- {{this}}\n{{/if}}\n",
        good: "{{#if examples}}\nExamples:\n{{#each examples}}\n- {{this}}\n{{/each}}\n{{/if}}\n",
        fix: "Add the missing `{{/name}}` where the block should end (the quick fix inserts it after the block's last line), rename a close tag to the block it closes, or delete a close tag or `{{else}}` that belongs to no block.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(document) = cx.document() else {
        return;
    };
    let source = cx.source();
    let errors_of = |wanted: TemplateErrorKind| -> Vec<Span> {
        document
            .errors
            .iter()
            .filter(|e| e.kind == DocumentErrorKind::Template(wanted))
            .map(|e| e.span)
            .collect()
    };
    let unclosed = errors_of(TemplateErrorKind::UnclosedBlock);
    let stray_closes = errors_of(TemplateErrorKind::UnexpectedClose);
    let stray_elses = errors_of(TemplateErrorKind::StrayElse);
    if unclosed.is_empty() && stray_closes.is_empty() && stray_elses.is_empty() {
        return;
    }

    // Unclosed blocks, and for each the first unmatched close tag directly inside it.
    let mut blocks: Vec<(&Block, Option<Span>)> = Vec::new();
    walk(&document.template.nodes, &mut |node| {
        let Node::Block(block) = node else {
            return;
        };
        if block.close.is_some() || !unclosed.contains(&block.open.span) {
            return;
        }
        let children = block
            .body
            .iter()
            .chain(block.else_branches.iter().flat_map(|b| b.body.iter()));
        let wrong_close = children
            .filter_map(|child| match child {
                Node::Invalid(span) if stray_closes.contains(span) => Some(*span),
                _ => None,
            })
            .next();
        blocks.push((block, wrong_close));
    });

    for (block, wrong_close) in &blocks {
        let name = block.call.target_text(source);
        let open_text = cx.text(block.open.span);
        if let Some(close) = wrong_close {
            let written = close_name(source, *close);
            let message = format!(
                "`{}` does not close the open `{open_text}`: Handlebars refuses to compile the template; rename it to `{{{{/{name}}}}}`",
                cx.text(*close)
            );
            let finding = report.add(*close, message);
            finding.with_related(block.open.span, "the block it should close");
            if let Some(written) = written {
                finding.with_fix(Fix::suggested(
                    format!("Rename to {{{{/{name}}}}}"),
                    vec![Edit::replace(written, name)],
                ));
            }
            continue;
        }
        let close_tag = if block.kind == BlockKind::Raw {
            format!("{{{{{{{{/{name}}}}}}}}}")
        } else {
            format!("{{{{/{name}}}}}")
        };
        let message = format!(
            "`{open_text}` is never closed: Handlebars refuses to compile the template; add `{close_tag}` where the block should end"
        );
        report
            .add(block.open.span, message)
            .with_fix(Fix::suggested(
                format!("Insert {close_tag} after the block's content"),
                vec![Edit::insert(block.span.end, close_tag)],
            ));
    }

    let paired: Vec<Span> = blocks.iter().filter_map(|(_, close)| *close).collect();
    for close in stray_closes.iter().filter(|span| !paired.contains(span)) {
        let text = cx.text(*close);
        report
            .add(
                *close,
                format!(
                    "`{text}` closes no open block: Handlebars refuses to compile the template; delete it, or add the `{{{{#…}}}}` it should close"
                ),
            )
            .with_fix(Fix::suggested(format!("Delete {text}"), vec![Edit::delete(*close)]));
    }
    for stray in stray_elses {
        let text = cx.text(stray);
        report
            .add(
                stray,
                format!(
                    "`{text}` outside of any block: Handlebars refuses to compile the template; delete it, or open a block such as `{{{{#if …}}}}` before it"
                ),
            )
            .with_fix(Fix::suggested(format!("Delete {text}"), vec![Edit::delete(stray)]));
    }
}

/// The name inside a close tag: `each` in `{{~/ each ~}}`.
fn close_name(source: &str, tag: Span) -> Option<Span> {
    let text = tag.text(source);
    let slash = text.find('/')?;
    let inner_end = text.rfind("}}")?;
    let inner = text.get(slash + 1..inner_end)?.trim_end_matches('~');
    let name = inner.trim();
    let start = tag.start + slash + 1 + (inner.len() - inner.trim_start().len());
    (!name.is_empty()).then(|| Span::new(start, start + name.len()))
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{fixed, flagged, messages};

    #[test]
    fn an_unclosed_block_gets_its_close_inserted() {
        let source = "{{#if a}}{{#each b}}x{{/if}} tail";
        assert_eq!(flagged(&RULE, source), ["{{#each b}}"]);
        assert_eq!(
            fixed(&RULE, source),
            "{{#if a}}{{#each b}}x{{/each}}{{/if}} tail"
        );
        assert_eq!(
            fixed(&RULE, "{{#if a}}never closed"),
            "{{#if a}}never closed{{/if}}"
        );
        assert_eq!(
            fixed(&RULE, "{{{{raw}}}}{{x}}"),
            "{{{{raw}}}}{{x}}{{{{/raw}}}}"
        );
    }

    #[test]
    fn a_misnamed_close_is_one_finding_with_a_rename() {
        let source = "{{#if a}}x{{/each}} after";
        assert_eq!(flagged(&RULE, source), ["{{/each}}"]);
        let found = messages(&RULE, source);
        assert!(
            found[0].contains("does not close the open `{{#if a}}`"),
            "{found:?}"
        );
        assert_eq!(fixed(&RULE, source), "{{#if a}}x{{/if}} after");
        assert_eq!(
            fixed(&RULE, "{{#if a}}{{#each b}}x{{~/ eahc ~}}{{/if}}"),
            "{{#if a}}{{#each b}}x{{~/ each ~}}{{/if}}"
        );
    }

    #[test]
    fn stray_closes_and_elses_are_deleted() {
        let source = "a {{/with}} b {{else}} c";
        assert_eq!(flagged(&RULE, source), ["{{/with}}", "{{else}}"]);
        assert_eq!(fixed(&RULE, source), "a  b  c");
        // Closed in the wrong order: each half is reported, and both fixes together repair it.
        let swapped = "{{#if a}}{{#each b}}x{{/if}}{{/each}}";
        assert_eq!(flagged(&RULE, swapped), ["{{#each b}}", "{{/each}}"]);
        assert_eq!(
            fixed(&RULE, swapped),
            "{{#if a}}{{#each b}}x{{/each}}{{/if}}"
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            "{{#if a}}x{{else if b}}y{{else}}z{{/if}}",
            "{{#each xs}}{{#with this}}{{name}}{{/with}}{{/each}}",
            "{{^x}}none{{/x}}{{#> card}}fb{{/card}}{{{{raw}}}}{{/nope}}{{{{/raw}}}}",
            "a \\{{/with}} b",
            "{{foo bar=}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
