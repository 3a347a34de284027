//! `helper-bad-args`: a known helper called with arguments it cannot use. `{{role system}}`
//! looks up a variable named `system` (unset, so the render fails or the role is
//! `undefined`); `{{role}}`, `{{section}}`, `{{media}}` without `url=`, `{{json}}` with
//! nothing to write, comparisons and conditions with the wrong number of values.

use super::calls::{Site, for_each_call};
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Formats, Report, Resolved, Rule, SchemaLookup,
    Severity,
};
use crate::template::{BlockKind, Call, Expr, LiteralValue, Path};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "helper-bad-args",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::DOTPROMPT,
    summary: "A helper called without the arguments it needs, or with a variable where it needs a quoted name",
    docs: Docs {
        why: "Helper arguments are expressions: `{{role system}}` looks up a variable called `system`, which is unset, so the message gets no role (dotprompt's renderer fails, or emits the role `undefined`). `{{role}}` and `{{section}}` need a name, `{{media}}` needs `url=`, `{{json}}` needs a value, `{{#ifEquals}}` two values and `{{#if}}`, `{{#unless}}`, `{{#each}}`, `{{#with}}` exactly one.",
        bad: "{{role system}}\nYou are a concise assistant.\n{{role \"user\"}}\n{{question}}\n",
        good: "{{role \"system\"}}\nYou are a concise assistant.\n{{role \"user\"}}\n{{question}}\n",
        fix: "Quote names (`{{role \"system\"}}`, `{{section \"examples\"}}`), pass media as `{{media url=imageUrl}}`, and give comparisons and conditions the values they test. The quick fix adds the quotes or the `url=`.",
    },
    check,
};

const ROLE_WORDS: [&str; 9] = [
    "system",
    "user",
    "model",
    "tool",
    "assistant",
    "human",
    "ai",
    "bot",
    "developer",
];

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(document) = cx.document() else {
        return;
    };
    for_each_call(&document.template.nodes, &mut |call, site| {
        let Some(name) = call.simple_name() else {
            return;
        };
        if cx.options.extra_helpers.iter().any(|h| h == name) {
            return;
        }
        let tag = match site {
            Site::Expression(expression) => expression.tag.span,
            Site::Block(block) => block.open.span,
            Site::Else(branch) => branch.tag.span,
            Site::SubExpression => call.span,
        };
        let as_block = matches!(site, Site::Block(block) if block.kind == BlockKind::Section)
            || matches!(site, Site::Else(_));
        let count = call.params.len();
        match name {
            "role" | "section" if !as_block => named(cx, report, call, tag, name),
            "media" if !as_block => media(report, call, tag),
            "json" if count == 0 && !as_block => {
                report.add(
                    tag,
                    "`{{json}}` without a value writes nothing: pass what to serialize, `{{json data}}`",
                );
            }
            "ifEquals" | "unlessEquals" if !as_block && matches!(site, Site::Expression(_)) => {
                report.add(
                    tag,
                    format!(
                        "`{name}` is a block helper: written as `{{{{{name} …}}}}` it renders nothing; use `{{{{#{name} a b}}}}…{{{{/{name}}}}}`"
                    ),
                );
            }
            "ifEquals" | "unlessEquals" if as_block && count != 2 => {
                report.add(
                    tag,
                    format!(
                        "`{{{{#{name}}}}}` compares two values but has {count}: write `{{{{#{name} a b}}}}` (a missing value is `undefined`, so the comparison is meaningless)"
                    ),
                );
            }
            "if" | "unless" | "with" | "each" if as_block && count != 1 => {
                let needs = match name {
                    "each" => "the list to iterate",
                    "with" => "the value to enter",
                    _ => "the value to test",
                };
                report.add(
                    tag,
                    format!(
                        "`{{{{#{name}}}}}` takes exactly one argument, {needs}, but has {count}: Handlebars refuses to render it; write `{{{{#{name} value}}}}`"
                    ),
                );
            }
            "lookup" if count != 2 => {
                report.add(
                    tag,
                    format!(
                        "`lookup` takes an object and a key but has {count} argument(s): write `{{{{lookup object key}}}}`"
                    ),
                );
            }
            _ => {}
        }
    });
}

/// `{{role "system"}}` and `{{section "name"}}`: one quoted name.
fn named(cx: &Context<'_>, report: &mut Report, call: &Call, tag: Span, name: &str) {
    let example = if name == "role" {
        "\"system\""
    } else {
        "\"examples\""
    };
    let Some(first) = call.params.first() else {
        report.add(
            tag,
            format!("`{{{{{name}}}}}` needs a name: write `{{{{{name} {example}}}}}`"),
        );
        return;
    };
    match first {
        Expr::Path(path) => {
            if !is_meant_as_name(cx, path, name) {
                return;
            }
            let written = cx.text(path.span);
            let message = format!(
                "`{{{{{name} {written}}}}}` looks up a variable named `{written}`, not the {name} \"{written}\": the variable is unset, so the {name} is lost; quote it: `{{{{{name} \"{written}\"}}}}`"
            );
            report.add(path.span, message).with_fix(Fix::suggested(
                format!("Quote \"{written}\""),
                vec![Edit::replace(path.span, format!("\"{written}\""))],
            ));
        }
        Expr::Literal(literal) if !matches!(literal.value, LiteralValue::String(_)) => {
            report.add(
                literal.span,
                format!(
                    "the {name} must be a quoted name, not `{}`: write `{{{{{name} {example}}}}}`",
                    cx.text(literal.span)
                ),
            );
        }
        Expr::Literal(_) | Expr::SubExpression(_) => {}
    }
}

/// A path argument of `role`/`section` that is surely meant as a literal name: a role word,
/// or any name the input schema does not declare. A declared variable is a dynamic name.
fn is_meant_as_name(cx: &Context<'_>, path: &Path, helper: &str) -> bool {
    let Some(simple) = path.simple_name() else {
        return false;
    };
    if let Some(inputs) = cx.inputs() {
        let declared = cx
            .uses()
            .iter()
            .find(|used| used.span == path.span && used.via_partial.is_none())
            .is_some_and(|used| match &used.resolved {
                Resolved::Input(input) => {
                    matches!(
                        inputs.lookup(input),
                        SchemaLookup::Found(_) | SchemaLookup::Open
                    )
                }
                _ => true,
            });
        return !declared;
    }
    if cx.inputs_unreadable() {
        return false;
    }
    (helper == "role" && ROLE_WORDS.contains(&simple.to_ascii_lowercase().as_str()))
        || helper == "section"
}

/// `{{media url=… contentType=…}}`: the URL goes in `url=`.
fn media(report: &mut Report, call: &Call, tag: Span) {
    if call.hash.iter().any(|pair| pair.key.name == "url") {
        return;
    }
    match call.params.first() {
        Some(first) => {
            report
                .add(
                    first.span(),
                    "`media` takes its URL as `url=`, not as a plain argument: the media part gets no URL; write `{{media url=…}}`",
                )
                .with_fix(Fix::suggested(
                    "Pass it as url=",
                    vec![Edit::insert(first.span().start, "url=")],
                ));
        }
        None => {
            report.add(
                tag,
                "`{{media}}` without `url=` has nothing to insert: write `{{media url=imageUrl}}` (and `contentType=` when the URL does not say)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::rules::template::calls::render;
    use crate::lint::testing::{fixed, flagged, messages};
    use serde_json::json;

    #[test]
    fn catches_unquoted_roles_and_missing_names() {
        assert_eq!(flagged(&RULE, "{{role system}}Hi"), ["system"]);
        assert_eq!(fixed(&RULE, "{{role system}}Hi"), "{{role \"system\"}}Hi");
        assert_eq!(
            flagged(&RULE, "{{role}}Hi {{section}}"),
            ["{{role}}", "{{section}}"]
        );
        assert_eq!(
            fixed(&RULE, "{{section examples}}"),
            "{{section \"examples\"}}"
        );
        let found = messages(&RULE, "{{role 1}}");
        assert!(found[0].contains("quoted name"), "{found:?}");
    }

    #[test]
    fn the_renderer_cannot_use_an_unquoted_role() {
        assert!(render("{{role system}}Hi", json!({})).is_err());
        assert!(render("{{role \"system\"}}Hi", json!({})).is_ok());
    }

    #[test]
    fn catches_media_json_and_wrong_counts() {
        assert_eq!(flagged(&RULE, "{{media}}"), ["{{media}}"]);
        assert_eq!(fixed(&RULE, "{{media photo}}"), "{{media url=photo}}");
        assert_eq!(flagged(&RULE, "{{json}}"), ["{{json}}"]);
        assert_eq!(
            flagged(
                &RULE,
                "{{#ifEquals a}}x{{/ifEquals}}{{#if}}y{{/if}}{{#each a b}}z{{/each}}"
            ),
            ["{{#ifEquals a}}", "{{#if}}", "{{#each a b}}"]
        );
        assert_eq!(flagged(&RULE, "{{ifEquals a b}}"), ["{{ifEquals a b}}"]);
        assert_eq!(flagged(&RULE, "{{lookup obj}}"), ["{{lookup obj}}"]);
        assert_eq!(
            flagged(&RULE, "{{#if a}}x{{else if}}y{{/if}}"),
            ["{{else if}}"]
        );
    }

    #[test]
    fn a_declared_variable_is_a_dynamic_role() {
        let source = "---\ninput:\n  schema:\n    speaker: string\n---\n{{role speaker}}{{text}}";
        assert_eq!(messages(&RULE, source), Vec::<String>::new());
        let undeclared = "---\ninput:\n  schema:\n    text: string\n---\n{{role speaker}}{{text}}";
        assert_eq!(flagged(&RULE, undeclared), ["speaker"]);
    }

    #[test]
    fn near_misses() {
        for source in [
            "{{role \"system\"}}{{role 'user' purpose=\"x\"}}{{section \"intro\"}}",
            "{{role speaker}}",
            "{{media url=photo contentType=\"image/png\"}}{{json data indent=2}}{{history}}",
            "{{#ifEquals a \"b\"}}x{{else}}y{{/ifEquals}}{{#if a}}x{{else if b}}y{{/if}}",
            "{{#each xs as |x|}}{{x}}{{/each}}{{#with u}}{{name}}{{/with}}{{lookup o k}}",
            "{{role (lookup roles 0)}}",
            "{{^if}}odd but not ours{{/if}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
