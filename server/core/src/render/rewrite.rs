//! Data variables for the handlebars crate.
//!
//! dotprompt passes `data.context` as Handlebars data, so `{{@state.count}}` reads
//! `context.state.count`. The handlebars crate has no way to inject data variables, so each such
//! path is rewritten to a lookup under `@root`, where the renderer stores the variables. The
//! syntax tree gives the exact span of every path, so the rewrite works inside blocks,
//! arguments and sub-expressions alike, and never touches text.

use crate::template::{Template, for_each_path};
use crate::text::Span;

/// The key of the root context under which data variables are stored.
pub(super) const DATA_KEY: &str = "__promptopt_data";

/// Data variables Handlebars itself provides; everything else comes from the render context.
const ENGINE_VARIABLES: [&str; 7] = [
    "root",
    "index",
    "key",
    "first",
    "last",
    "level",
    "partial-block",
];

/// The text of `source[span]` with every context data variable rewritten.
pub(super) fn data_variables(source: &str, template: &Template, span: Span) -> String {
    let mut cuts: Vec<usize> = Vec::new();
    for_each_path(&template.nodes, &mut |path| {
        let Some(first) = path.segments.first() else {
            return;
        };
        if path.data && path.parents == 0 && !ENGINE_VARIABLES.contains(&first.name.as_str()) {
            cuts.push(path.span.start); // the `@`
        }
    });
    cuts.sort_unstable();
    let mut out = String::with_capacity(span.len() + cuts.len() * 24);
    let mut at = span.start;
    for cut in cuts
        .into_iter()
        .filter(|&c| c >= span.start && c < span.end)
    {
        out.push_str(&source[at..cut]);
        out.push_str("@root.");
        out.push_str(DATA_KEY);
        out.push('.');
        at = cut + 1;
    }
    out.push_str(&source[at..span.end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    fn rewrite(source: &str) -> String {
        let template = parse_template(source, 0);
        data_variables(source, &template, Span::new(0, source.len()))
    }

    #[test]
    fn context_variables_move_under_root_everywhere() {
        assert_eq!(
            rewrite("{{@state.count}} {{#if @auth}}{{json (lookup @user 'x')}}{{/if}}"),
            "{{@root.__promptopt_data.state.count}} {{#if @root.__promptopt_data.auth}}{{json (lookup @root.__promptopt_data.user 'x')}}{{/if}}"
        );
    }

    #[test]
    fn engine_variables_and_text_stay() {
        let source = "@state {{#each xs}}{{@index}}{{@root.a}}{{@key}}{{/each}}";
        assert_eq!(rewrite(source), source);
    }
}
