//! `foreign-placeholder`: placeholders from other template languages, which this one leaves as
//! literal text: `{name}` (Python, LangChain), `${name}` (JavaScript), and in dotprompt Jinja's
//! `{% if %}` and `{# #}`. The model sees the braces instead of the value.
//!
//! Braces and brackets have many innocent uses in prompts (JSON, code, sets, links, output
//! templates such as `[Title]: [Summary]`), so only these shapes count: a bare identifier in
//! single braces (`{user_name}`, not `{"a": 1}` or `{x | x > 0}`), not glued to a word, a
//! slash or a brace (`f{x}`, `/users/{id}`, `\frac{a}{b}`); and a `[NAME]` only when it names
//! a declared input. Fenced and inline code are skipped. A placeholder that names a declared
//! input is an error (its value never reaches the model); otherwise a warning.

use std::sync::LazyLock;

use regex::Regex;

use crate::lint::text::in_inline_code;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "foreign-placeholder",
    category: Category::Template,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "A placeholder from another template language (`{name}`, `${name}`, `{% %}`) that renders as literal text",
    docs: Docs {
        why: "Only `{{name}}` inserts a value. `{name}` (Python, LangChain), `${name}` (JavaScript) and, in dotprompt, Jinja's `{% if %}` and `{# #}` are plain text to Handlebars: the model receives the braces and the name instead of the value, and answers about a placeholder. When the name is a declared input, that input never reaches the model at all.",
        bad: "---\ninput:\n  schema:\n    topic: string\n---\nWrite a short poem about {topic}.\n",
        good: "---\ninput:\n  schema:\n    topic: string\n---\nWrite a short poem about {{topic}}.\n",
        fix: "Write the placeholder as `{{name}}` (the quick fix converts it) and declare the name in the input schema. If the braces are meant literally (an output template for the model), put the example in a code block or quote it.",
    },
    check,
};

static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"\$\{\s*(?P<dollar>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}",
        r"|\{%-?\s*(?P<stmt>[a-z]+)(?P<args>[^%\n]*?)-?%\}",
        r"|\{#(?P<comment>[^#\n]*)#\}",
        r"|\{(?P<brace>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\}",
        r"|\[(?P<bracket>[A-Za-z_][A-Za-z0-9_ ]{0,40})\]",
    ))
    .ok()
});

fn check(cx: &Context<'_>, report: &mut Report) {
    let Some(pattern) = PATTERN.as_ref() else {
        return;
    };
    let source = cx.source();
    let dotprompt = cx.format() == Format::Dotprompt;
    let declared: Vec<&str> = cx
        .inputs()
        .map(|inputs| inputs.fields().map(|(name, _)| name).collect())
        .unwrap_or_default();
    for prose in cx.prose() {
        let text = cx.text(prose.span);
        for captures in pattern.captures_iter(text) {
            let Some(whole) = captures.get(0) else {
                continue;
            };
            let span = Span::new(
                prose.span.start + whole.start(),
                prose.span.start + whole.end(),
            );
            if cx.in_code_block(span.start) || in_inline_code(source, span.start) {
                continue;
            }
            let before = source.get(..span.start).and_then(|s| s.chars().next_back());
            let after = source.get(span.end..).and_then(|s| s.chars().next());
            let written = whole.as_str();
            if let Some(name) = captures.name("dollar") {
                let name = name.as_str();
                if before == Some('{') || after == Some('}') {
                    continue;
                }
                let is_input = declared.contains(&root(name));
                variable(report, span, written, name, is_input, "`${…}` placeholders");
            } else if let Some(name) = captures.name("brace") {
                let name = name.as_str();
                let glued = before
                    .is_some_and(|c| c.is_alphanumeric() || "{}$\\/=^_#%@.:".contains(c))
                    || after.is_some_and(|c| c == '}' || c.is_alphanumeric());
                let is_input = declared.contains(&root(name));
                if glued || (name.len() == 1 && !is_input) {
                    continue;
                }
                variable(report, span, written, name, is_input, "single braces");
            } else if let Some(name) = captures.name("bracket") {
                let name = name.as_str();
                let Some(field) = declared.iter().find(|field| same_name(field, name)) else {
                    continue;
                };
                let link = matches!(after, Some('(' | '[' | ':'))
                    || matches!(before, Some('[' | ']' | '!'));
                if link {
                    continue;
                }
                let message = format!(
                    "`{written}` is literal text, not a placeholder: the declared input `{field}` never reaches the model; write `{{{{{field}}}}}`"
                );
                report
                    .add(span, message)
                    .with_severity(Severity::Error)
                    .with_fix(Fix::suggested(
                        format!("Use {{{{{field}}}}}"),
                        vec![Edit::replace(span, format!("{{{{{field}}}}}"))],
                    ));
            } else if let Some(keyword) = captures.name("stmt") {
                if !dotprompt {
                    continue; // Jinja is Prompty's own template language.
                }
                let args = captures.name("args").map_or("", |a| a.as_str().trim());
                let message = format!(
                    "`{written}` is Jinja, which Handlebars leaves as literal text: the model sees the tag itself; use Handlebars blocks (`{{{{#if x}}}}…{{{{/if}}}}`, `{{{{#each xs}}}}…{{{{/each}}}}`)"
                );
                let finding = report.add(span, message);
                if let Some(handlebars) = jinja_to_handlebars(keyword.as_str(), args) {
                    finding.with_fix(Fix::suggested(
                        format!("Use {handlebars}"),
                        vec![Edit::replace(span, handlebars)],
                    ));
                }
            } else if let Some(comment) = captures.name("comment") {
                if !dotprompt {
                    continue;
                }
                let content = comment.as_str();
                let finding = report.add(
                    span,
                    "`{# … #}` is a Jinja comment, which Handlebars leaves as literal text: the model reads it; use `{{!-- … --}}`",
                );
                if !content.contains("--") {
                    finding.with_fix(Fix::suggested(
                        "Use a Handlebars comment",
                        vec![Edit::replace(span, format!("{{{{!--{content}--}}}}"))],
                    ));
                }
            }
        }
    }
}

fn variable(
    report: &mut Report,
    span: Span,
    written: &str,
    name: &str,
    is_input: bool,
    what: &str,
) {
    let consequence = if is_input {
        format!(
            "the declared input `{}` never reaches the model",
            root(name)
        )
    } else {
        "the model sees the braces and the name, not a value".to_string()
    };
    let finding = report.add(
        span,
        format!("`{written}` is literal text ({what} insert no value here): {consequence}; write `{{{{{name}}}}}`"),
    );
    if is_input {
        finding.with_severity(Severity::Error);
    }
    finding.with_fix(Fix::suggested(
        format!("Use {{{{{name}}}}}"),
        vec![Edit::replace(span, format!("{{{{{name}}}}}"))],
    ));
}

/// The first segment of a dotted name: the input field it reads.
fn root(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// `[USER NAME]` and `[user_name]` both name the field `user_name`.
fn same_name(field: &str, written: &str) -> bool {
    let normalize = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    !written.trim().is_empty() && normalize(field) == normalize(written)
}

/// The Handlebars for the simple Jinja statements.
fn jinja_to_handlebars(keyword: &str, args: &str) -> Option<String> {
    let simple = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
    };
    Some(match keyword {
        "if" if simple(args) => format!("{{{{#if {args}}}}}"),
        "elif" if simple(args) => format!("{{{{else if {args}}}}}"),
        "else" if args.is_empty() => "{{else}}".to_string(),
        "endif" => "{{/if}}".to_string(),
        "endfor" => "{{/each}}".to_string(),
        "for" => {
            let (item, list) = args.split_once(" in ")?;
            let (item, list) = (item.trim(), list.trim());
            if !simple(item) || !simple(list) || item.contains('.') {
                return None;
            }
            format!("{{{{#each {list} as |{item}|}}}}")
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::testing::{check, check_format, fixed, flagged, messages};

    const SCHEMA: &str = "---\ninput:\n  schema:\n    topic: string\n    user_name: string\n---\n";

    #[test]
    fn catches_foreign_placeholders() {
        let source = "Hi {name}, about ${topic} and {user.email}.";
        assert_eq!(
            flagged(&RULE, source),
            ["{name}", "${topic}", "{user.email}"]
        );
        assert_eq!(
            fixed(&RULE, source),
            "Hi {{name}}, about {{topic}} and {{user.email}}."
        );
    }

    #[test]
    fn a_declared_input_makes_it_an_error() {
        let source = format!("{SCHEMA}Write about {{topic}} for [USER NAME] and {{other}}.");
        let found = check(&RULE, &source);
        let got: Vec<(&str, Severity)> = found
            .iter()
            .map(|f| (f.span.text(&source), f.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("{topic}", Severity::Error),
                ("[USER NAME]", Severity::Error),
                ("{other}", Severity::Warning)
            ]
        );
        assert!(
            found[0]
                .message
                .contains("declared input `topic` never reaches")
        );
        assert!(
            fixed(&RULE, &source).ends_with("about {{topic}} for {{user_name}} and {{other}}.")
        );
    }

    #[test]
    fn jinja_in_dotprompt() {
        let source = "{% if short %}Be brief.{% endif %}\n{% for x in items %}- {{x}}\n{% endfor %}{# note #}";
        assert_eq!(messages(&RULE, source).len(), 5);
        assert_eq!(
            fixed(&RULE, source),
            "{{#if short}}Be brief.{{/if}}\n{{#each items as |x|}}- {{x}}\n{{/each}}{{!-- note --}}"
        );
    }

    #[test]
    fn near_misses() {
        for source in [
            "Reply with JSON like {\"name\": \"x\", \"age\": 3} or { type: String }.",
            "The set {x | x > 0} and {n} and {1}.",
            "See [the docs](https://example.com) and [ref]: https://x.y, [1], [ ] and [x].",
            "Format: [Software Name]: [Brief Description]. [Website Link]",
            "Use `{name}` in Python f-strings, or `${name}` in JavaScript.",
            "```python\nprint(f\"{name}\")\n```\n",
            "GET https://api.example.com/users/{id} and \\frac{a}{b} and x^{2}.",
            "Hello {{name}}, {{{raw}}} and \\{{escaped}}.",
            "When I talk to you in English I put it in curly brackets {like this}.",
            "{{!-- {name} in a comment --}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn prompty_keeps_its_jinja() {
        let source = "{% if short %}Be brief.{% endif %} {# c #} {{name}} and {name}";
        let found = check_format(&RULE, Format::Prompty, source);
        let texts: Vec<&str> = found.iter().map(|f| f.span.text(source)).collect();
        assert_eq!(texts, ["{name}"]);
    }

    #[test]
    fn bracket_names_match_fields_loosely() {
        assert!(same_name("user_name", "USER NAME"));
        assert!(same_name("topic", "Topic"));
        assert!(!same_name("topic", "topics"));
    }
}
