//! `unknown-helper`: a helper call dotprompt does not know. Dotprompt compiles templates with
//! only its known helpers allowed, so the prompt fails to render.
//!
//! What Handlebars reads as a helper call: a name with arguments (`{{uppercase name}}`,
//! `{{#upper text}}`), and every sub-expression (`(upper text)`). A name alone (`{{topic}}`)
//! is a variable. `{{#name}}…{{/name}}` with no arguments is a section over the value `name`,
//! legal Handlebars, but usually a helper that does not exist: it is reported when the input
//! schema does not declare `name` (an error), or as a warning when there is no schema.

use super::calls::{Site, for_each_call, helper_names};
use crate::lint::text::did_you_mean;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Resolved, Rule, SchemaLookup,
    Severity,
};
use crate::template::{BlockKind, Call, Expr, Path};

pub(crate) static RULE: Rule = Rule {
    id: "unknown-helper",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::DOTPROMPT,
    summary: "A helper call dotprompt does not know: the prompt fails to render",
    docs: Docs {
        why: "Dotprompt compiles templates with only its known helpers allowed (if, unless, each, with, lookup, log, role, history, section, media, json, ifEquals, unlessEquals, plus those your runtime registers). Calling any other helper is a hard error when the prompt is rendered, often only in production. A block such as `{{#upper}}…{{/upper}}` does not fail; it silently renders as a section over a variable named `upper`, so its body disappears.",
        bad: "---\ninput:\n  schema:\n    topic: string\n---\nWrite about {{uppercase topic}}.\n",
        good: "---\ninput:\n  schema:\n    topic: string\n---\nWrite about {{topic}}.\n",
        fix: "Use a known helper (the quick fix offers the closest name), transform the value in code before rendering, or add the helper to `lint.extra-helpers` in promptopt.toml if your runtime registers it.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(document) = cx.document() else {
        return;
    };
    let names = helper_names(cx);
    for_each_call(&document.template.nodes, &mut |call, site| {
        let Some(path) = helper_path(call) else {
            return;
        };
        if let Site::Expression(expression) = site
            && is_decorator(cx.text(expression.tag.span))
        {
            return;
        }
        let name = path.dotted();
        if names.contains(&name.as_str()) {
            return;
        }
        let called = call.has_arguments() || matches!(site, Site::SubExpression);
        let severity = match site {
            _ if called => Severity::Error,
            Site::Block(block) if block.kind == BlockKind::Section => {
                match section_severity(cx, path) {
                    Some(severity) => severity,
                    None => return,
                }
            }
            _ => return,
        };
        let suggestion = did_you_mean(&name, names.iter().copied());
        let mut message = if called {
            format!(
                "unknown helper '{name}': dotprompt allows only known helpers, so this prompt fails to render"
            )
        } else {
            format!(
                "'{name}' is not a helper: `{{{{#{name}}}}}` renders its body only as a section over a variable `{name}`, {}",
                if cx.inputs().is_some() {
                    "which the input schema does not declare, so the body is dropped"
                } else {
                    "and drops the body whenever that variable is unset"
                }
            )
        };
        message.push_str(&format!(" (known: {})", names.join(", ")));
        match suggestion {
            Some(better) => message.push_str(&format!("; did you mean '{better}'?")),
            None if called => message.push_str(
                "; transform the value in code before rendering, add the helper to `lint.extra-helpers` in promptopt.toml if your runtime registers it, or escape the braces (`\\{{`) if they are meant as text",
            ),
            None => message.push_str(
                "; declare the variable in the input schema if it is data, or use a known block helper",
            ),
        }
        let finding = report.add(path.span, message).with_severity(severity);
        if let Some(better) = suggestion {
            let mut edits = vec![Edit::replace(path.span, better)];
            if let Site::Block(block) = site
                && let Some(close) = &block.close
                && close.name.name == name
            {
                edits.push(Edit::replace(close.name.span, better));
            }
            finding.with_fix(Fix::suggested(format!("Use '{better}'"), edits));
        }
    });
}

/// The target of a call that Handlebars would look up as a helper: a plain name.
fn helper_path(call: &Call) -> Option<&Path> {
    match &call.target {
        Expr::Path(path) if path.simple_name().is_some() => Some(path),
        _ => None,
    }
}

/// `{{*decorator args}}`: a decorator statement, not a helper call.
fn is_decorator(tag: &str) -> bool {
    tag.trim_start_matches('{')
        .trim_start_matches('~')
        .trim_start()
        .starts_with('*')
}

/// `{{#name}}` without arguments: an error when the schema does not declare `name`, a
/// warning when there is no schema, nothing when `name` is declared data.
fn section_severity(cx: &Context<'_>, path: &Path) -> Option<Severity> {
    if cx.inputs_unreadable() {
        return None;
    }
    let Some(inputs) = cx.inputs() else {
        return Some(Severity::Warning);
    };
    let resolved = cx
        .uses()
        .iter()
        .find(|used| used.span == path.span && used.via_partial.is_none())
        .map(|used| &used.resolved);
    match resolved {
        Some(Resolved::Input(input_path)) => match inputs.lookup(input_path) {
            SchemaLookup::Found(_) | SchemaLookup::Open => None,
            SchemaLookup::Missing { .. } | SchemaLookup::NotAContainer { .. } => {
                Some(Severity::Error)
            }
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::template::calls::render;
    use crate::lint::testing::{check, check_with, fixed, flagged, messages};
    use crate::lint::{Format, LintOptions, NoWorkspace, Severity};
    use serde_json::json;

    #[test]
    fn catches_unknown_helpers_called_with_arguments() {
        let source = "{{uppercase name}} {{#upper text}}x{{/upper}} {{json (trim x)}}";
        assert_eq!(flagged(&RULE, source), ["uppercase", "upper", "trim"]);
        let found = messages(&RULE, "{{uppercase name}}");
        assert!(found[0].contains("unknown helper 'uppercase'"), "{found:?}");
        assert!(
            found[0].contains("known: if, unless, each, with"),
            "{found:?}"
        );
    }

    #[test]
    fn suggests_the_closest_helper() {
        let found = messages(&RULE, "{{jsn data}}");
        assert!(found[0].ends_with("did you mean 'json'?"), "{found:?}");
        assert_eq!(fixed(&RULE, "{{jsn data}}"), "{{json data}}");
        assert_eq!(
            fixed(&RULE, "{{#eachh items}}{{this}}{{/eachh}}"),
            "{{#each items}}{{this}}{{/each}}"
        );
    }

    #[test]
    fn a_section_with_no_arguments_over_an_undeclared_name() {
        let with_schema =
            "---\ninput:\n  schema:\n    text: string\n---\n{{#upper}}{{text}}{{/upper}}";
        let found = check(&RULE, with_schema);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
        assert!(
            found[0].message.contains("not a helper"),
            "{}",
            found[0].message
        );
        let without_schema = check(&RULE, "{{#upper}}{{text}}{{/upper}}");
        assert_eq!(without_schema[0].severity, Severity::Warning);
    }

    #[test]
    fn near_misses() {
        for source in [
            "{{foo}} {{user.name}} {{this}}",
            "{{#if a}}x{{else if b}}y{{/if}}{{#each xs}}{{@index}}{{/each}}",
            "{{role \"system\"}}{{json data indent=2}}{{media url=u}}{{history}}",
            "{{#ifEquals a b}}x{{/ifEquals}}{{lookup obj key}}",
            "{{^missing}}none{{/missing}}",
            "{{> card user}} {{{{raw}}}}{{nope x}}{{{{/raw}}}} {{*inline \"x\"}}",
            "---\ninput:\n  schema:\n    user(object):\n      name: string\n---\n{{#user}}{{name}}{{/user}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn configured_helpers_are_known() {
        let options = LintOptions {
            extra_helpers: vec!["uppercase".into()],
            ..LintOptions::default()
        };
        let found = check_with(
            &RULE,
            Format::Dotprompt,
            "{{uppercase name}}",
            options,
            &NoWorkspace,
        );
        assert_eq!(found, []);
    }

    #[test]
    fn the_renderer_rejects_unknown_helpers() {
        let error = render("Hi {{uppercase name}}", json!({})).expect_err("cannot render");
        assert!(
            error.message.contains("unknown helper 'uppercase'"),
            "{error}"
        );
    }
}
