//! `frontmatter-invalid-field`: a reserved front-matter field with a value of the wrong type
//! (`model: 5`, `config: [..]`, `tools: search`). Dotprompt does not check the types: it
//! passes the value on, and the model lookup, the config or the schema then misbehaves.

use crate::document::DocumentErrorKind;
use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};

pub(crate) static RULE: Rule = Rule {
    id: "frontmatter-invalid-field",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::DOTPROMPT,
    summary: "A front-matter field with a value of the wrong type (`model: 5`, `config: [..]`)",
    docs: Docs {
        why: "Dotprompt reads its front matter without checking types and hands the values on: a `model` that is a number is never found, a `config` written as a list is spread into numbered keys the model API rejects, `tools: search` (not a list) is read letter by letter. The prompt fails at run time, far from the typo.",
        bad: "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  - temperature: 0.2\n---\nSummarize {{text}}.\n",
        good: "---\nmodel: googleai/gemini-2.5-flash\nconfig:\n  temperature: 0.2\n---\nSummarize the text inside <text>.\n<text>\n{{text}}\n</text>\n",
        fix: "Give the field the type dotprompt expects: strings for `name`, `model`, `description`, `variant`; a mapping for `config`, `input`, `output` and `metadata`; a list of names for `tools`.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(document) = cx.document() else {
        return;
    };
    for error in &document.errors {
        if error.kind == DocumentErrorKind::FrontMatterField {
            report.add(
                error.span,
                format!(
                    "{}: dotprompt passes the value on unchecked, and the prompt misbehaves when it runs; fix the value",
                    error.message
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    #[test]
    fn catches_mistyped_fields_at_their_value() {
        let source = "---\nmodel: 5\nconfig: [1, 2]\ntools: search\n---\nHi";
        assert_eq!(flagged(&RULE, source), ["5", "[1, 2]", "search"]);
        let found = messages(&RULE, source);
        assert!(
            found[0].starts_with("`model` must be a string, not the number 5"),
            "{found:?}"
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            "---\nmodel: googleai/gemini-2.5-flash\nversion: 2\nconfig:\n  temperature: 0.2\ntools: [search]\n---\nHi",
            "---\nmodel:\n---\nHi",
            "---\nmodel: [bad\n---\nHi",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
