//! Hover: a variable's schema type and description, a helper's signature, a partial's file,
//! a front-matter key's meaning (and a model's limits and prices), the rule behind a
//! diagnostic, and the tokens and cost of the message under the cursor.

use std::fmt::Write;

use promptopt_core::document::keys;
use promptopt_core::lint::{Context, Resolved, SchemaLookup, VariableUse, docs, rules};
use promptopt_core::models::ModelInfo;
use promptopt_core::tokens::{cost_usd, count_for_model, describe, dollars, thousands};
use serde_json::Value;
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::World;
use super::at::{Target, target_at, touches};
use crate::diagnostics::LintResult;

pub fn hover(world: &World, result: &LintResult, position: Position) -> Option<Hover> {
    let lines = world.snapshot.lines();
    let offset = lines.offset(position);
    let mut sections: Vec<String> = Vec::new();
    let mut range = None;

    let mut seen = Vec::new();
    for finding in result.findings.iter().filter(|f| touches(f.span, offset)) {
        if seen.contains(&finding.rule) {
            continue;
        }
        seen.push(finding.rule);
        if let Some(rule) = rules::find(finding.rule) {
            sections.push(format!(
                "**{}** ({}, {}): {}\n\n{}\n\n[Rule documentation]({})",
                rule.id,
                rule.category.as_str(),
                finding.severity.as_str(),
                rule.summary,
                rule.docs.why,
                docs::help_uri(rule)
            ));
        }
    }

    world.with_context(|cx| {
        let (section, span) = match target_at(cx, offset) {
            Target::Variable(found) => (Some(variable(cx, &found)), Some(found.span)),
            Target::Helper { info, span } => (
                Some(format!(
                    "```handlebars\n{}\n```\n{}",
                    info.signature, info.summary
                )),
                Some(span),
            ),
            Target::Partial { name, span } => (Some(partial(world, &name)), Some(span)),
            Target::DataVariable { name, span } => (data_variable(&name), Some(span)),
            Target::FrontMatter { path, key, value } => {
                (front_matter(cx, &path, value), key.map(|k| k.cover(value)))
            }
            Target::Text => (message_cost(cx, offset), None),
        };
        if let Some(section) = section {
            sections.push(section);
            range = span.map(|span| lines.range(span));
        }
    });

    if sections.is_empty() {
        return None;
    }
    let markdown = sections.join("\n\n---\n\n");
    let (kind, value) = if world.support.markdown {
        (MarkupKind::Markdown, markdown)
    } else {
        (MarkupKind::PlainText, plain(&markdown))
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind, value }),
        range,
    })
}

/// Markdown read as plain text, for clients that show hovers verbatim: no emphasis or code
/// marks, links as "text (url)", rules as blank lines.
fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        if line == "---" || line.starts_with("```") || line.starts_with("|---") {
            out.push('\n');
            continue;
        }
        let mut rest = line.replace("**", "").replace('`', "");
        while let Some(open) = rest.find("](") {
            let (Some(start), Some(close)) = (rest[..open].rfind('['), rest[open..].find(')'))
            else {
                break;
            };
            let text = rest[start + 1..open].to_string();
            let url = rest[open + 2..open + close].to_string();
            rest.replace_range(start..open + close + 1, &format!("{text} ({url})"));
        }
        out.push_str(&rest);
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn variable(cx: &Context<'_>, found: &VariableUse) -> String {
    let mut out = format!("**`{}`**", found.written);
    let Resolved::Input(path) = &found.resolved else {
        out.push_str(match found.resolved {
            Resolved::Data(_) => ": a data variable",
            _ => ": resolved at render time (inside a helper the linter cannot follow)",
        });
        return out;
    };
    let dotted = display_path(path);
    if dotted != found.written {
        let _ = write!(out, " → input `{dotted}`");
    }
    let Some(inputs) = cx.inputs() else {
        out.push_str("\n\nNot declared: this prompt has no `input.schema`.");
        return out;
    };
    match inputs.lookup(path) {
        SchemaLookup::Found(node) => {
            let optional = inputs.is_optional(path);
            let mut shown = type_of(node);
            if optional {
                // Picoschema writes `age?: integer` as integer-or-null; "optional" says it.
                shown = shown.replace(" | null", "");
            }
            let marker = if optional { " (optional)" } else { "" };
            let _ = write!(out, ": `{shown}`{marker}");
            if let Some(description) = node.get("description").and_then(Value::as_str) {
                let _ = write!(out, "\n\n{description}");
            }
            if let Some(values) = node.get("enum").and_then(Value::as_array) {
                let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                let _ = write!(out, "\n\nOne of {}", values.join(", "));
            }
        }
        SchemaLookup::Open => out.push_str(": any value (the schema leaves it open)"),
        SchemaLookup::Missing { .. } => out.push_str("\n\nNot declared in `input.schema`."),
        SchemaLookup::NotAContainer { .. } => {
            out.push_str("\n\nIts parent is not an object or a list in `input.schema`.")
        }
    }
    let uses = cx
        .uses()
        .iter()
        .filter(|u| u.resolved == found.resolved)
        .count();
    let _ = write!(
        out,
        "\n\nUsed {} {} in this file{}",
        uses,
        if uses == 1 { "time" } else { "times" },
        if found.guarded {
            "; guarded by an enclosing block"
        } else {
            ""
        }
    );
    out
}

fn display_path(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if segment == "[]" {
            out.push_str("[]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

fn type_of(node: &Value) -> String {
    match node.get("type") {
        Some(Value::String(t)) if t == "array" => match node.get("items") {
            Some(items) => format!("{}[]", type_of(items)),
            None => "array".to_string(),
        },
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ if node.get("properties").is_some() => "object".to_string(),
        _ => "any".to_string(),
    }
}

fn partial(world: &World, name: &str) -> String {
    let from = world.snapshot.lint_path();
    match world.overlay.locate(&from, name) {
        Some(path) => {
            let preview: String = promptopt_workspace::read_prompt(&path)
                .map(|text| text.lines().take(8).collect::<Vec<_>>().join("\n"))
                .unwrap_or_default();
            format!(
                "**Partial `{name}`** from `{}`\n\n```handlebars\n{preview}\n```",
                path.display()
            )
        }
        None => format!(
            "**Partial `{name}`**: not found. dotprompt looks for `_{name}.prompt` beside this file; create it or fix the name."
        ),
    }
}

fn data_variable(name: &str) -> Option<String> {
    let what = match name.split('.').next().unwrap_or(name) {
        "index" => "the 0-based position of the current item in `{{#each}}`",
        "key" => "the current key when `{{#each}}` iterates an object",
        "first" => "true for the first item in `{{#each}}`",
        "last" => "true for the last item in `{{#each}}`",
        "root" => "the top of the input data, from inside any block",
        "metadata" => {
            "what dotprompt passes about the render: `@metadata.prompt`, `@metadata.docs`, …"
        }
        "state" => "the session state a Genkit flow passes in `context.state`",
        "auth" => "the caller's auth context, from `context.auth`",
        _ => return None,
    };
    Some(format!("**`@{name}`**: {what}"))
}

fn front_matter(
    cx: &Context<'_>,
    path: &[String],
    value: promptopt_core::text::Span,
) -> Option<String> {
    let doc = keys::dotprompt_key(path);
    let mut out = doc.map(|doc| format!("**`{}`**: {}", path.join("."), doc.summary));
    let is_model = path == ["model"] || path.ends_with(&["configuration".into(), "name".into()]);
    if is_model {
        let name = cx.text(value).trim().trim_matches(['"', '\'']);
        let info = cx.options.models().lookup(name);
        let section = match info {
            Some(info) => model_section(info),
            None => {
                format!("`{name}` is not in the model table: token counts and costs are estimates.")
            }
        };
        out = Some(match out {
            Some(text) => format!("{text}\n\n{section}"),
            None => section,
        });
    }
    out
}

fn model_section(info: &ModelInfo) -> String {
    let mut out = format!(
        "**{}** ({})\n\n| | |\n|---|---|\n| context window | {} tokens |\n| max output | {} tokens |\n| input | ${}/M tokens |\n| output | ${}/M tokens |",
        info.id,
        info.provider,
        thousands(info.context_window),
        thousands(info.max_output_tokens),
        info.input_price,
        info.output_price
    );
    if info.reasoning {
        out.push_str(
            "\n| reasoning | yes: it plans on its own; don't ask it to think step by step |",
        );
    }
    if let Some(deprecated) = &info.deprecated {
        let _ = write!(out, "\n\nDeprecated on {deprecated}");
        if let Some(successor) = &info.successor {
            let _ = write!(out, ": move to `{successor}`");
        }
        out.push('.');
    }
    out
}

/// The tokens and cost of the message under the cursor and of the whole prompt.
fn message_cost(cx: &Context<'_>, offset: usize) -> Option<String> {
    if !touches(cx.body(), offset) {
        return None;
    }
    let turn = cx.turn_at(offset)?;
    let (name, _) = cx.model().unzip();
    let info = name.and_then(|name| cx.options.models().lookup(name));
    let here = count_for_model(cx.text(turn.span), info);
    let all = count_for_model(cx.text(cx.body()), info);
    let mut out = format!(
        "**{} message**: {}\n\nWhole prompt: {}",
        turn.role,
        describe(here),
        describe(all)
    );
    match info {
        Some(info) => {
            let _ = write!(
                out,
                " · {} per call at {} input prices (before inputs are rendered)",
                dollars(cost_usd(all.tokens, 0, info)),
                info.id
            );
        }
        None => out.push_str(" · no cost: name a model from the model table"),
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics;
    use crate::features::testing::world;

    fn hover_text(name: &str, text: &str) -> Option<String> {
        let (world, position) = world(name, text);
        let result = diagnostics::lint(&world.snapshot, world.options.as_ref(), &world.overlay);
        hover(&world, &result, position).map(|h| match h.contents {
            HoverContents::Markup(markup) => markup.value,
            _ => String::new(),
        })
    }

    #[test]
    fn a_variable_shows_its_schema_type_and_description() {
        let text = "---\ninput:\n  schema:\n    user:\n      name: string, the customer's first name\n      age?: integer\n---\nHello {{user.na|me}}!\n";
        let shown = hover_text("a.prompt", text).unwrap();
        assert!(shown.contains("**`user.name`**: `string`"), "{shown}");
        assert!(shown.contains("the customer's first name"), "{shown}");
        let shown = hover_text("a.prompt", &text.replace("user.na|me", "user.a|ge")).unwrap();
        assert!(shown.contains("`integer` (optional)"), "{shown}");
    }

    #[test]
    fn an_undeclared_variable_says_so_next_to_its_diagnostic() {
        let shown = hover_text(
            "a.prompt",
            "---\ninput:\n  schema:\n    name: string\n---\nHi {{nmae|}}\n",
        )
        .unwrap();
        assert!(shown.contains("**undefined-variable**"), "{shown}");
        assert!(shown.contains("Not declared in `input.schema`"), "{shown}");
    }

    #[test]
    fn helpers_and_data_variables_explain_themselves() {
        let shown = hover_text("a.prompt", "{{#ea|ch items}}{{@index}}{{/each}}").unwrap();
        assert!(shown.contains("{{#each list as |item index|}}"), "{shown}");
        let shown = hover_text("a.prompt", "{{#each items}}{{@ind|ex}}{{/each}}").unwrap();
        assert!(shown.contains("0-based position"), "{shown}");
    }

    #[test]
    fn the_model_key_shows_limits_and_prices() {
        let shown = hover_text("a.prompt", "---\nmodel: openai/gpt-4|o\n---\nHi").unwrap();
        assert!(shown.contains("context window"), "{shown}");
        assert!(shown.contains("128,000 tokens"), "{shown}");
        let shown = hover_text("a.prompt", "---\nconfig:\n  tempera|ture: 0.2\n---\nHi").unwrap();
        assert!(shown.contains("Sampling temperature"), "{shown}");
    }

    #[test]
    fn prose_shows_the_message_tokens_and_the_call_cost() {
        let shown = hover_text(
            "a.prompt",
            "---\nmodel: gpt-4o\n---\n{{role \"system\"}}\nYou are a terse assistant.\n{{role \"user\"}}\nSay hel|lo.\n",
        )
        .unwrap();
        assert!(shown.starts_with("**user message**: "), "{shown}");
        assert!(shown.contains("tokens (o200k)"), "{shown}");
        assert!(shown.contains("per call at gpt-4o input prices"), "{shown}");
    }

    #[test]
    fn plain_text_clients_get_no_markdown_marks() {
        assert_eq!(
            plain("**`name`**: `string`\n\n---\n\n[Rule documentation](https://x/y.md)"),
            "name: string\n\n\n\nRule documentation (https://x/y.md)"
        );
    }

    #[test]
    fn a_missing_partial_says_where_it_was_looked_for() {
        let shown = hover_text("a.prompt", "{{> foot|er}}").unwrap();
        assert!(shown.contains("`_footer.prompt`"), "{shown}");
    }
}
