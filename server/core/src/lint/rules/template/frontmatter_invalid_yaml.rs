//! `frontmatter-invalid-yaml`: front matter dotprompt cannot read. Its reference renderer then
//! silently treats the whole file, fences and YAML included, as template text.

use crate::document::{DocumentErrorKind, FrontMatter};
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::prompty::{PromptyErrorKind, PromptyFrontMatter};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "frontmatter-invalid-yaml",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::TEMPLATED,
    summary: "Front matter that does not parse as a YAML mapping, or a `---` fence never closed",
    docs: Docs {
        why: "When the front matter fails to parse, dotprompt does not stop: it renders the whole file, YAML included, as the prompt text, and the model, config and schema you wrote are ignored. Nothing at runtime tells you.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  temperature: 0.3\n   maxOutputTokens: 200\n---\nSummarize the text.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  temperature: 0.3\n  maxOutputTokens: 200\n---\nSummarize the text.\n",
        fix: "Fix the YAML at the reported position (indentation, a missing `:`, an unquoted value containing `: `), and close the front matter with a `---` line.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    duplicate_keys(cx, report);
    if let Some(document) = cx.document() {
        for error in &document.errors {
            if error.kind == DocumentErrorKind::FrontMatterSyntax {
                report.add(error.span, error.message.clone());
            }
        }
        match &document.front_matter {
            FrontMatter::Empty { split } => {
                report.add(
                    split.block,
                    "empty front matter: dotprompt renders the whole file, `---` fences included, as text; remove the fences or add settings between them",
                );
            }
            FrontMatter::Absent => unclosed_fence(cx, report),
            FrontMatter::Invalid { .. } | FrontMatter::Parsed(_) => {}
        }
    } else if let Some(document) = cx.prompty() {
        match &document.front_matter {
            PromptyFrontMatter::Invalid { .. } => {
                for error in &document.errors {
                    if error.kind == PromptyErrorKind::FrontMatterSyntax {
                        report.add(error.span, error.message.clone());
                    }
                }
            }
            // Only when no `---` line follows: the Prompty parser decides what else is absent.
            PromptyFrontMatter::Absent if !has_closing_fence(cx.source()) => {
                unclosed_fence(cx, report)
            }
            PromptyFrontMatter::Absent => {}
            PromptyFrontMatter::Parsed { .. } => {}
        }
    }
}

/// A key set twice in one mapping. dotprompt's reference (JavaScript, the `yaml` package)
/// rejects such front matter and renders the whole file as text; the Python port keeps the
/// last value. Either way one of the two settings is silently lost.
fn duplicate_keys(cx: &Context<'_>, report: &mut Report) {
    let Some(front_matter) = cx.front_matter() else {
        return;
    };
    for node in front_matter.spans.duplicate_keys() {
        let Some(key) = node.key else {
            continue;
        };
        let name = node.path.join(".");
        let first = front_matter
            .spans
            .nodes()
            .iter()
            .find(|other| other.path == node.path)
            .and_then(|other| other.key)
            .filter(|span| *span != key);
        let earlier = first
            .map(|span| cx.line_index().to_human(cx.source(), span.start).line)
            .map(|line| format!(" (first set on line {line})"))
            .unwrap_or_default();
        let finding = report.add(
            key,
            format!("`{name}` is set twice{earlier}: dotprompt's JavaScript reader rejects the front matter and renders the whole file as text, and others keep only the last value; keep one"),
        );
        if let Some(first) = first {
            finding.with_related(first, "first set here");
        }
    }
}

/// Whether a `---` line follows the first line.
fn has_closing_fence(source: &str) -> bool {
    source.lines().skip(1).any(|line| line.trim_end() == "---")
}

/// A file whose first line is `---` but that has no closing fence.
fn unclosed_fence(cx: &Context<'_>, report: &mut Report) {
    let source = cx.source();
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let first_line = source[start..].lines().next().unwrap_or_default();
    if first_line.trim_end() == "---" {
        report.add(
            Span::new(start, start + first_line.len()),
            "front matter opened with `---` is never closed: add a `---` line after the settings, or the whole file is rendered as text",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::Format;
    use crate::lint::testing::{check_format, flagged, messages};

    #[test]
    fn reports_yaml_errors_at_their_line() {
        let source = "---\nmodel: x\n  bad: [\n---\nHi";
        let found = messages(&RULE, source);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("not valid YAML"), "{found:?}");
    }

    #[test]
    fn reports_a_mapping_that_is_a_list() {
        assert_eq!(messages(&RULE, "---\n- a\n- b\n---\nHi").len(), 1);
    }

    #[test]
    fn reports_unclosed_and_empty_fences() {
        assert_eq!(flagged(&RULE, "---\nmodel: x\nHello"), ["---"]);
        assert_eq!(messages(&RULE, "---\n---\nHello").len(), 1);
    }

    #[test]
    fn prompty_without_a_closing_fence() {
        let run = |source: &str| check_format(&RULE, Format::Prompty, source).len();
        assert_eq!(
            run("---
name: x
system:
Hi"),
            1
        );
        assert_eq!(
            run("---
name: x
---
system:
Hi"),
            0
        );
    }

    #[test]
    fn reports_keys_set_twice() {
        let source = "---\nmodel: a\nconfig:\n  t: 1\nmodel: b\n---\nHi";
        let found = messages(&RULE, source);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("`model` is set twice (first set on line 2)"),
            "{found:?}"
        );
        assert_eq!(flagged(&RULE, source), ["model"]);
    }

    #[test]
    fn near_misses() {
        assert_eq!(
            messages(&RULE, "---\nmodel: x\n---\nHello"),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(&RULE, "Hello\n---\nnot front matter"),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(&RULE, "---\n# only a comment\n---\nHi"),
            Vec::<String>::new()
        );
    }
}
