//! Edits editors offer as refactors wherever they apply, built from what the rules know (a
//! rule's fix appears only where the rule fires; an assist wherever the user asks).

pub use super::rules::safety::undelimited_input::wrap_in_tags;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Context, Format, LintOptions, NoWorkspace, ParsedFile, apply_fixes};

    fn wrapped(source: &str, variable: &str) -> Option<String> {
        let file = ParsedFile::parse(source, Format::Dotprompt);
        let options = LintOptions::default();
        let cx = Context::new("a.prompt", &file, &options, &NoWorkspace);
        let found = cx.uses().iter().find(|u| u.written == variable)?;
        let fix = wrap_in_tags(&cx, found)?;
        Some(apply_fixes(source, &[&fix]).0)
    }

    #[test]
    fn wraps_any_rendered_input_but_not_one_already_in_tags() {
        // `summary_style` is not a name the rule guesses is user-supplied: the assist still applies.
        let out = wrapped(
            "{{role \"user\"}}\nStyle: {{summary_style}}\n",
            "summary_style",
        )
        .unwrap();
        assert!(
            out.contains("<summary_style>{{summary_style}}</summary_style>"),
            "{out}"
        );
        assert!(wrapped("{{role \"user\"}}\n<doc>\n{{doc}}\n</doc>\n", "doc").is_none());
        assert!(
            wrapped("{{#if flag}}x{{/if}}", "flag").is_none(),
            "a condition renders nothing"
        );
    }
}
