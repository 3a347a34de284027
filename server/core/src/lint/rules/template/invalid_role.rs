//! `invalid-role`: a role the format does not have. Dotprompt's roles are `system`, `user`,
//! `model` and `tool`, lowercase: `{{role "assistant"}}` renders a message Genkit rejects,
//! and `{{role "System"}}` is not recognized at all, so its marker is sent to the model as
//! text. Prompty's role lines are `system:`, `user:`, `assistant:` (plus `function:` and
//! `tool:`); a `human:` or `ai:` line is not a role line, just text in the previous message.

use std::sync::LazyLock;

use regex::Regex;

use super::calls::{Site, for_each_call};
use crate::lint::text::did_you_mean;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Rule, Severity,
};
use crate::template::{Expr, LiteralValue};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "invalid-role",
    category: Category::Template,
    severity: Severity::Error,
    enabled_by_default: true,
    fix: FixKind::Safe,
    formats: Formats::TEMPLATED,
    summary: "A role the format does not have (`assistant` in dotprompt, `human:` in Prompty)",
    docs: Docs {
        why: "Dotprompt's roles are `system`, `user`, `model` and `tool`. `{{role \"assistant\"}}` renders a message with a role Genkit rejects, and a capitalized `{{role \"System\"}}` is not recognized at all: its marker `<<<dotprompt:role:System>>>` reaches the model as text inside the user message. In Prompty, only `system:`, `user:`, `assistant:` (and `function:`/`tool:`) lines start messages; a `human:` or `ai:` line is plain text.",
        bad: "{{role \"system\"}}\nYou are a travel agent.\n{{role \"assistant\"}}\nWhere would you like to go?\n",
        good: "{{role \"system\"}}\nYou are a travel agent.\n{{role \"model\"}}\nWhere would you like to go?\n",
        fix: "Use the format's role names: in dotprompt `model` for the assistant, `user` for the human; in Prompty `assistant:` and `user:`. The quick fix renames the role (safely for the well-known synonyms and for capitalization).",
    },
    check,
};

const DOTPROMPT_ROLES: [&str; 4] = ["system", "user", "model", "tool"];

/// Role lines Prompty's parsers recognize (case-insensitively). `developer` is OpenAI's
/// newer name for `system`, accepted by recent runtimes.
const PROMPTY_ROLES: [&str; 7] = [
    "system",
    "user",
    "assistant",
    "function",
    "tool",
    "tools",
    "developer",
];

/// A Prompty body line that looks like a role line but names no Prompty role. `model` is left
/// out: it is also the front matter's most common key.
static PROMPTY_LOOKALIKE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?im)^[ \t]*#?[ \t]*(human|ai|bot|chatbot)[ \t]*:[ \t]*$").ok());

fn check(cx: &Context<'_>, report: &mut Report) {
    match cx.format() {
        Format::Dotprompt => dotprompt(cx, report),
        Format::Prompty => prompty(cx, report),
        Format::Plain => {}
    }
}

fn dotprompt(cx: &Context<'_>, report: &mut Report) {
    let Some(document) = cx.document() else {
        return;
    };
    for_each_call(&document.template.nodes, &mut |call, site| {
        if !matches!(site, Site::Expression(_)) || call.simple_name() != Some("role") {
            return;
        }
        let Some(Expr::Literal(literal)) = call.params.first() else {
            return;
        };
        let LiteralValue::String(role) = &literal.value else {
            return;
        };
        if DOTPROMPT_ROLES.contains(&role.as_str()) {
            return;
        }
        let lower = role.to_lowercase();
        let (replacement, safe) = match dotprompt_synonym(&lower) {
            Some(known) => (Some(known), role.as_str() != known),
            None => (did_you_mean(&lower, DOTPROMPT_ROLES), false),
        };
        let mut message = if DOTPROMPT_ROLES.contains(&lower.as_str()) {
            format!(
                "role '{role}' must be lowercase: dotprompt does not recognize it, so `<<<dotprompt:role:{role}>>>` is sent to the model as text"
            )
        } else {
            format!(
                "invalid role '{role}': dotprompt's roles are system, user, model and tool, and Genkit rejects any other"
            )
        };
        if let Some(better) = replacement {
            message.push_str(&format!("; use '{better}'"));
        }
        let finding = report.add(literal.span, message);
        if let Some(better) = replacement {
            let quote = cx.text(literal.span).chars().next().unwrap_or('"');
            let edit = Edit::replace(literal.span, format!("{quote}{better}{quote}"));
            let title = format!("Use role '{better}'");
            finding.with_fix(if safe && !lower.is_empty() {
                Fix::safe(title, vec![edit])
            } else {
                Fix::suggested(title, vec![edit])
            });
        }
    });
}

/// The dotprompt role a well-known name means.
fn dotprompt_synonym(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "system" => "system",
        "user" | "human" => "user",
        "model" | "assistant" | "ai" | "bot" | "chatbot" => "model",
        "tool" | "function" => "tool",
        _ => return None,
    })
}

/// The Prompty role a well-known name means.
fn prompty_synonym(lower: &str) -> Option<&'static str> {
    Some(match lower {
        "human" => "user",
        "model" | "ai" | "bot" | "chatbot" => "assistant",
        _ => return None,
    })
}

fn prompty(cx: &Context<'_>, report: &mut Report) {
    let mut markers = Vec::new();
    for turn in cx.turns() {
        let Some(marker) = turn.marker else {
            continue;
        };
        markers.push(marker.start);
        // ASCII lowercasing keeps byte offsets, so `find` gives a span into the source.
        let lower = turn.role.to_ascii_lowercase();
        if PROMPTY_ROLES.contains(&lower.as_str()) {
            continue;
        }
        let text = cx.text(marker);
        let name = text
            .to_ascii_lowercase()
            .find(&lower)
            .filter(|_| !lower.is_empty())
            .map(|at| Span::new(marker.start + at, marker.start + at + lower.len()));
        prompty_finding(report, name.unwrap_or(marker), &turn.role, name.is_some());
    }
    let Some(lookalike) = PROMPTY_LOOKALIKE.as_ref() else {
        return;
    };
    for prose in cx.prose() {
        let text = cx.text(prose.span);
        for captures in lookalike.captures_iter(text) {
            let (Some(line), Some(word)) = (captures.get(0), captures.get(1)) else {
                continue;
            };
            let line_start = prose.span.start + line.start();
            if markers.contains(&line_start) || cx.in_code_block(line_start) {
                continue;
            }
            let span = Span::new(
                prose.span.start + word.start(),
                prose.span.start + word.end(),
            );
            prompty_finding(report, span, word.as_str(), true);
        }
    }
}

fn prompty_finding(report: &mut Report, span: Span, role: &str, fixable: bool) {
    let better = prompty_synonym(&role.to_lowercase());
    let mut message = format!(
        "'{role}:' is not a Prompty role line, so it does not start a message: the line is sent as text inside the previous message; Prompty's roles are system, user and assistant (and function, tool)"
    );
    if let Some(better) = better {
        message.push_str(&format!("; use '{better}:'"));
    }
    let finding = report.add(span, message);
    if let (Some(better), true) = (better, fixable) {
        finding.with_fix(Fix::suggested(
            format!("Use the '{better}:' role line"),
            vec![Edit::replace(span, better)],
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::rules::template::calls::render;
    use crate::lint::testing::{check, check_with, fixed, flagged, messages};
    use crate::lint::{LintOptions, NoWorkspace};
    use serde_json::json;

    #[test]
    fn catches_roles_outside_the_four() {
        let source =
            "{{role \"assistant\"}}a{{role 'human'}}b{{role \"sytem\"}}c{{role \"narrator\"}}d";
        assert_eq!(
            flagged(&RULE, source),
            ["\"assistant\"", "'human'", "\"sytem\"", "\"narrator\""]
        );
        assert_eq!(
            fixed(&RULE, source),
            "{{role \"model\"}}a{{role 'user'}}b{{role \"system\"}}c{{role \"narrator\"}}d"
        );
    }

    #[test]
    fn synonyms_and_case_are_safe_fixes_typos_are_not() {
        let found = check(
            &RULE,
            "{{role \"System\"}}a{{role \"ai\"}}b{{role \"usr\"}}c",
        );
        let safe: Vec<bool> = found.iter().map(|f| f.fixes[0].is_safe()).collect();
        assert_eq!(safe, [true, true, false]);
        assert!(
            found[0].message.contains("must be lowercase"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_capitalized_role_leaks_its_marker_into_the_text() {
        let rendered = render("{{role \"System\"}}Be brief.", json!({})).expect("renders");
        assert_eq!(rendered["messages"][0]["role"], "user");
        let text = rendered["messages"][0]["content"][0]["text"]
            .as_str()
            .unwrap_or("");
        assert!(text.contains("<<<dotprompt:role:System>>>"), "{text}");
    }

    #[test]
    fn near_misses() {
        for source in [
            "{{role \"system\"}}a{{role \"user\"}}b{{role \"model\"}}c{{role \"tool\"}}d",
            "{{role speaker}}{{role}}{{#role \"assistant\"}}x{{/role}}",
            "Human: hi\nAI: hello\n{{history}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn prompty_lookalike_role_lines() {
        // Read from the prose, so it holds whatever the Prompty parser recognizes as roles.
        let source = "Answer briefly.\nhuman:\nHi\nAI:\nHello\nassistant:\nok\n```\nbot:\n```\nHuman: inline is text\n";
        let found = check_with(
            &RULE,
            Format::Prompty,
            source,
            LintOptions::default(),
            &NoWorkspace,
        );
        let words: Vec<&str> = found.iter().map(|f| f.span.text(source)).collect();
        assert_eq!(words, ["human", "AI"]);
        assert!(
            found[1].message.contains("use 'assistant:'"),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn synonym_tables() {
        assert_eq!(dotprompt_synonym("assistant"), Some("model"));
        assert_eq!(dotprompt_synonym("function"), Some("tool"));
        assert_eq!(prompty_synonym("model"), Some("assistant"));
        assert_eq!(prompty_synonym("assistant"), None);
    }
}
