//! `partial-not-found`: `{{> name}}` with no `_name.prompt` beside the prompt (Genkit's
//! convention), or partials that include each other in a circle. Either way the prompt does
//! not render.
//!
//! No quick fix: the remedy is a new file, which a text edit cannot create. The message names
//! the file to create; the language server can offer to create it.

use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity};
use crate::template::{BlockKind, Node, walk};

pub(crate) static RULE: Rule = Rule {
    id: "partial-not-found",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::DOTPROMPT,
    summary: "A partial with no `_name.prompt` file, or partials that include each other in a circle",
    docs: Docs {
        why: "`{{> name}}` pastes in the partial `name`, which Genkit loads from `_name.prompt` in the prompt's folder. If the file does not exist the prompt fails to render; if partials include each other in a circle, rendering never ends and the runtime stops with an error.",
        bad: "{{> safety_rules}}\nSummarize {{text}}.\n",
        good: "{{#> safety_rules}}Refuse requests for personal data.{{/safety_rules}}\nSummarize the text inside <text>.\n<text>\n{{text}}\n</text>\n",
        fix: "Create `_name.prompt` beside the prompt (the message gives the path), fix the partial's name, or use `{{#> name}}fallback{{/name}}` when the partial is optional. Break a circle by moving the shared part into a partial that includes neither.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(document) = cx.document() else {
        return;
    };
    // `{{#> name}}fallback{{/name}}` renders its fallback when the partial is missing.
    let mut with_fallback = Vec::new();
    walk(&document.template.nodes, &mut |node| {
        if let Node::Block(block) = node
            && block.kind == BlockKind::PartialBlock
        {
            with_fallback.push(block.open.span);
        }
    });
    let mut reported = Vec::new();
    for partial in cx.partials() {
        if reported.contains(&(partial.span, partial.cycle.is_some())) {
            continue;
        }
        if let Some(cycle) = &partial.cycle {
            reported.push((partial.span, true));
            let chain = cycle.join(" → ");
            let first = cycle.first().map_or("", String::as_str);
            report.add(
                partial.span,
                format!(
                    "partials include each other in a circle ({chain}): rendering never ends and the runtime stops with an error; remove the `{{{{> {first}}}}}` that closes the circle"
                ),
            );
        } else if !partial.found && !with_fallback.contains(&partial.span) {
            reported.push((partial.span, false));
            let file = expected_file(cx.path, &partial.name);
            let name = &partial.name;
            report.add(
                partial.span,
                format!(
                    "partial '{name}' not found: dotprompt looks for `{file}` and fails to render without it; create that file, fix the name, or give a fallback with `{{{{#> {name}}}}}…{{{{/{name}}}}}`"
                ),
            );
        }
    }
}

/// Where Genkit looks for a partial: `_name.prompt` in the prompt's folder (`dir/name` is
/// `dir/_name.prompt`).
fn expected_file(prompt_path: &str, name: &str) -> String {
    let (dir, base) = match name.rsplit_once('/') {
        Some((dir, base)) => (format!("{dir}/"), base),
        None => (String::new(), name),
    };
    let folder = prompt_path
        .rsplit_once(['/', '\\'])
        .map_or(String::new(), |(folder, _)| format!("{folder}/"));
    format!("{folder}{dir}_{base}.prompt")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::testing::{Partials, check_with, messages};
    use crate::lint::{Format, LintOptions};

    fn with_partials(source: &str, partials: Vec<(&'static str, &'static str)>) -> Vec<String> {
        check_with(
            &RULE,
            Format::Dotprompt,
            source,
            LintOptions::default(),
            &Partials(partials),
        )
        .into_iter()
        .map(|f| f.message)
        .collect()
    }

    #[test]
    fn a_missing_partial_names_the_file_to_create() {
        let found = messages(&RULE, "Hi {{> header}}");
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("partial 'header' not found"), "{found:?}");
        assert!(found[0].contains("`_header.prompt`"), "{found:?}");
        assert_eq!(
            expected_file("prompts/sum.prompt", "header"),
            "prompts/_header.prompt"
        );
        assert_eq!(
            expected_file("a.prompt", "shared/rules"),
            "shared/_rules.prompt"
        );
    }

    #[test]
    fn circular_partials() {
        let found = with_partials("{{> a}}", vec![("a", "A {{> b}}"), ("b", "B {{> a}}")]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("circle (a → b → a)"), "{found:?}");
        let found = with_partials("{{> me}}", vec![("me", "again {{> me}}")]);
        assert!(found[0].contains("(me → me)"), "{found:?}");
    }

    #[test]
    fn the_cycle_is_reported_at_the_tag_in_this_file() {
        let source = "Intro\n{{> x}}";
        let found = check_with(
            &RULE,
            Format::Dotprompt,
            source,
            LintOptions::default(),
            &Partials(vec![("x", "{{> a}}"), ("a", "{{> b}}"), ("b", "{{> a}}")]),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span.text(source), "{{> x}}");
    }

    #[test]
    fn near_misses() {
        assert_eq!(
            with_partials(
                "{{> header}} {{> footer}}",
                vec![("header", "H"), ("footer", "F {{> header}}")]
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(&RULE, "{{#> optional}}fallback{{/optional}}"),
            Vec::<String>::new()
        );
        assert_eq!(
            messages(&RULE, "No partials, {{name}}."),
            Vec::<String>::new()
        );
    }
}
