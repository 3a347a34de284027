//! `format-conflict`: the prompt asks for two output formats that one response cannot satisfy:
//! JSON output in the front matter while the text asks for Markdown or a table, or two
//! sentences that each set a different format.

use super::shared::{OutputKind, declared_output, directives};
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};

pub(crate) static RULE: Rule = Rule {
    id: "format-conflict",
    category: Category::Structure,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::ALL,
    summary: "Two incompatible output formats: JSON in the front matter but Markdown in the text, or \"respond in JSON\" and \"respond in Markdown\"",
    docs: Docs {
        why: "When the front matter asks the provider for JSON and the text asks for a Markdown table, the model has to break one instruction: it wraps JSON in a code fence the parser rejects, puts Markdown inside JSON strings, or answers in prose. Two sentences that each set a different format force the same guess. Which one wins changes between models and calls.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\noutput:\n  format: json\n  schema:\n    pros(array): string\n    cons(array): string\n---\nList the pros and cons of {{product}}.\nFormat your answer as a Markdown table.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\noutput:\n  format: json\n  schema:\n    pros(array): string\n    cons(array): string\n---\nList the pros and cons of {{product}}.\nRespond with JSON that matches the schema.\n",
        fix: "Decide on one format. With JSON output, describe the structure through the schema and drop the Markdown instruction (render the table from the JSON in your code). Between two sentences, keep one; if the format really depends on the request, say so as a condition (\"If the user asks for data, respond in JSON; otherwise in Markdown\"), which this rule accepts.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let declared = declared_output(cx);
    let found = directives(cx);
    let source = cx.source();
    let line = |offset: usize| cx.line_index().to_human(source, offset).line;
    if declared.json {
        let mut reported: Vec<OutputKind> = Vec::new();
        for directive in &found {
            if directive.kind.compatible(OutputKind::Json) || reported.contains(&directive.kind) {
                continue;
            }
            reported.push(directive.kind);
            let declared_at = declared
                .span
                .map(|span| format!(" (line {})", line(span.start)))
                .unwrap_or_default();
            report.add(
                directive.span,
                format!(
                    "the text asks for {} but `{}`{declared_at} asks the provider for JSON: keep one format (describe the JSON through the schema, or drop the JSON output setting)",
                    directive.kind.name(),
                    declared.label,
                ),
            );
        }
        return;
    }
    let mut reported: Vec<OutputKind> = Vec::new();
    for (i, later) in found.iter().enumerate() {
        let earlier = found
            .get(..i)
            .unwrap_or(&[])
            .iter()
            .find(|d| !d.kind.compatible(later.kind));
        if let Some(earlier) = earlier
            && !reported.contains(&later.kind)
        {
            reported.push(later.kind);
            report.add(
                later.span,
                format!(
                    "the text asks for {} here and for {} on line {}: one response cannot be both; keep one, or make the choice explicit (\"if …, respond in …\")",
                    later.kind.name(),
                    earlier.kind.name(),
                    line(earlier.span.start),
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    const JSON_MODE: &str = "---\noutput:\n  format: json\n---\n";

    #[test]
    fn json_output_with_markdown_in_the_text() {
        let source = format!(
            "{JSON_MODE}List the pros and cons.\nFormat your answer as a Markdown table.\n"
        );
        assert_eq!(flagged(&RULE, &source), ["Markdown"]);
        let found = messages(&RULE, &source);
        assert!(
            found[0].contains("`output.format: json` (line 3)"),
            "{found:?}"
        );
        let source =
            format!("{JSON_MODE}Summarize {{{{doc}}}}. Use tables to compare the options.\n");
        assert_eq!(flagged(&RULE, &source), ["tables"]);
        let source = format!("{JSON_MODE}Respond in plain text.\n");
        assert_eq!(flagged(&RULE, &source), ["plain text"]);
    }

    #[test]
    fn a_schema_without_format_is_json_too() {
        let source = "---\noutput:\n  schema:\n    title: string\n---\nRespond in Markdown.\n";
        assert_eq!(flagged(&RULE, source), ["Markdown"]);
    }

    #[test]
    fn two_formats_named_as_the_format() {
        let source = "Respond in JSON.\nKeep it short.\nAlways respond in Markdown.\n";
        assert_eq!(flagged(&RULE, source), ["Markdown"]);
        assert!(messages(&RULE, source)[0].contains("JSON on line 1"));
        let source = "Your response must be valid YAML.\nReturn JSON only.\n";
        assert_eq!(flagged(&RULE, source), ["JSON"]);
    }

    #[test]
    fn near_misses() {
        for source in [
            // mentions, not instructions
            "The input may contain markdown.\nRespond in JSON.",
            "You will be given a document in Markdown. Return JSON.",
            // negations, conditions, permissions, choices
            "Respond in JSON, not Markdown.",
            "Do not use Markdown.\nRespond in JSON.",
            "Respond in JSON.\nIf the user asks for a table, respond in Markdown.",
            "Respond in JSON.\nYou may use Markdown inside string values.",
            "Respond in JSON or YAML.",
            "Respond in JSON.\nUse Markdown formatting where appropriate.",
            "Return JSON.\nUse tables if the user asks for a comparison.",
            // compatible formats
            "Respond in Markdown.\nUse a table for the comparison.",
            "Return JSON in a Markdown code block.",
            // examples and code are not instructions
            "Respond in JSON.\n<example>\nUser: respond in markdown please\n</example>",
            "Respond in JSON.\n```\nrespond in markdown\n```",
            "Respond in JSON.\n## Examples\nRespond in Markdown.\n",
            // quoted user requests
            "Respond in JSON even when the user writes \"respond in markdown\".",
            "a table of contents: generate a table of contents. Respond in JSON.",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
        let json_ok = format!("{JSON_MODE}Return JSON with the keys a and b.\n");
        assert_eq!(messages(&RULE, &json_ok), Vec::<String>::new());
    }
}
