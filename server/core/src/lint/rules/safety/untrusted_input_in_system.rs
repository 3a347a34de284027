//! `untrusted-input-in-system`: a user-supplied input rendered into the system turn. Models
//! give the system message the most authority (OpenAI's instruction hierarchy, Anthropic's
//! and Google's system-prompt guidance), so text a user controls does not belong there.
//!
//! Also home of the untrusted-input classifier `undelimited-input` shares.

use crate::lint::rules::variables::common::tag_line;
use crate::lint::text::line_ending;
use crate::lint::{
    Category, Context, Docs, Edit, Fix, FixKind, Format, Formats, Report, Resolved, Rule, Severity,
    Usage, VariableUse,
};

pub(crate) static RULE: Rule = Rule {
    id: "untrusted-input-in-system",
    category: Category::Safety,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::Suggested,
    formats: Formats::TEMPLATED,
    summary: "A user-supplied input (query, message, document…) rendered inside the system turn",
    docs: Docs {
        why: "Models are trained to give the system message more authority than user turns (OpenAI's instruction hierarchy, Wallace et al. 2024). Text the user or a retrieved document controls, pasted into the system turn, inherits that authority: an injected \"ignore the rules above\" there is far more likely to be obeyed than the same text in a user turn. Keep the system turn to your own instructions and put user-supplied values in a user turn.",
        bad: "---\ninput:\n  schema:\n    question: string\n---\n{{role \"system\"}}\nYou are a support agent for Acme. Answer this question: {{question}}\n",
        good: "---\ninput:\n  schema:\n    question: string\n---\n{{role \"system\"}}\nYou are a support agent for Acme. Answer the user's question.\n{{role \"user\"}}\n{{question}}\n",
        fix: "Move the variable into a user turn (the quick fix moves its line to the start of the next user turn, or opens one after the system turn) and leave only your instructions in the system turn. If the field is not user-supplied, list it under `lint.trusted-inputs` in `promptopt.toml`; mark other fields as untrusted with `lint.untrusted-inputs`.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    for found in cx.uses() {
        if found.usage != Usage::Output || found.via_partial.is_some() {
            continue;
        }
        let Some(field) = untrusted(cx, found) else {
            continue;
        };
        let Some(turn) = cx.turn_at(found.span.start) else {
            continue;
        };
        if turn.role != "system" {
            continue;
        }
        let finding = report.add(
            found.span,
            format!(
                "`{field}` looks user-supplied but is rendered in the system turn, which the model trusts most: text injected through it there carries system authority; move it into a user turn (or list it in `lint.trusted-inputs` in promptopt.toml)"
            ),
        );
        if let Some(fix) = move_to_user_turn(cx, found) {
            finding.with_fix(fix);
        }
    }
}

/// The field name when a rendered use reads an input the user (or a document) controls:
/// listed in `untrusted_inputs`, or named like free text from the user (`question`,
/// `user_message`, `document`) and not listed in `trusted_inputs`.
pub(super) fn untrusted(cx: &Context<'_>, found: &VariableUse) -> Option<String> {
    let Resolved::Input(path) = &found.resolved else {
        return None;
    };
    let named: Vec<&str> = path
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "[]" && s.parse::<usize>().is_err())
        .collect();
    let first = *named.first()?;
    let last = *named.last()?;
    let dotted = named.join(".");
    let listed = |list: &[String]| {
        list.iter()
            .any(|name| name == first || name == last || *name == dotted)
    };
    if listed(&cx.options.untrusted_inputs) {
        return Some(dotted);
    }
    if listed(&cx.options.trusted_inputs) {
        return None;
    }
    looks_user_supplied(last).then_some(dotted)
}

/// Free text a user or a fetched document writes, by the last word of the field's name. Not
/// `email`: an email field is an address (`email_body`, `email_text` are caught by their last
/// word).
const FREE_TEXT: &[&str] = &[
    "input",
    "inputs",
    "query",
    "queries",
    "question",
    "questions",
    "message",
    "messages",
    "msg",
    "request",
    "prompt",
    "text",
    "content",
    "document",
    "documents",
    "doc",
    "docs",
    "comment",
    "comments",
    "feedback",
    "review",
    "reviews",
    "utterance",
    "transcript",
    "body",
    "post",
    "article",
    "reply",
    "ask",
    "complaint",
    "ticket",
    "webpage",
    "html",
];

/// Words that make the field the developer's own text (`system_prompt`, `example_input`,
/// `format_instructions`), or contact data rather than free text (`user_address`).
const OWN_TEXT: &[&str] = &[
    "system",
    "instruction",
    "instructions",
    "example",
    "examples",
    "sample",
    "samples",
    "template",
    "format",
    "schema",
    "guideline",
    "guidelines",
    "rule",
    "rules",
    "persona",
    "policy",
    "tool",
    "tools",
    "few",
    "shot",
    "reference",
    "expected",
    "gold",
    "golden",
    "default",
    "static",
    "assistant",
    "model",
    "bot",
    "ai",
    "agent",
    "output",
    "response",
    "id",
    "ids",
    "type",
    "count",
    "length",
    "language",
    "lang",
    "locale",
    "name",
    "title",
    "address",
    "url",
    "date",
    "time",
];

/// Judges a field name: `user_input`, `question`, `customerMessage`, `email_body` are user
/// text; `system_prompt`, `example_input`, `user_name`, `email`, `user_email` are not.
pub(super) fn looks_user_supplied(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    if words.iter().any(|w| OWN_TEXT.contains(&w.as_str())) {
        return false;
    }
    FREE_TEXT.contains(&last.as_str()) || words == ["user"]
}

/// Lowercase words of an identifier: `userInput2` → user, input; `email-body` → email, body.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphabetic() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Moves the use's line (a top-level line of plain text and tags) to the start of the next
/// user turn, or into a new user turn right after the system turn. Dotprompt only.
fn move_to_user_turn(cx: &Context<'_>, found: &VariableUse) -> Option<Fix> {
    if cx.format() != Format::Dotprompt {
        return None;
    }
    let (_, line) = tag_line(cx, found.span.start)?;
    let line = line?;
    if !line.top_level {
        return None;
    }
    let source = cx.source();
    let text = line.content.text(source);
    let turns = cx.turns();
    let current = turns
        .iter()
        .position(|t| t.span.contains(found.span.start))?;
    let next_user = turns
        .iter()
        .skip(current + 1)
        .find(|t| t.role == "user" && t.marker.is_some());
    let nl = line_ending(source);
    // The length of the line break at `at`, if one starts there.
    let break_at = |at: usize| {
        let rest = source.get(at..).unwrap_or_default();
        if rest.starts_with("\r\n") {
            2
        } else {
            usize::from(rest.starts_with('\n'))
        }
    };
    let delete_end = line.line.end + break_at(line.line.end);
    let delete = Edit::delete(crate::text::Span::new(line.line.start, delete_end));
    let insert = match next_user {
        Some(turn) => {
            let marker = turn.marker?;
            match break_at(marker.end) {
                0 => Edit::insert(marker.end, format!("{nl}{text}{nl}")),
                n => Edit::insert(marker.end + n, format!("{text}{nl}")),
            }
        }
        None => {
            let end = turns.get(current)?.span.end;
            let lead = if source.get(..end).is_some_and(|s| s.ends_with('\n')) {
                ""
            } else {
                nl
            };
            Edit::insert(end, format!("{lead}{{{{role \"user\"}}}}{nl}{text}{nl}"))
        }
    };
    Some(Fix::suggested(
        "Move the line into a user turn",
        vec![delete, insert],
    ))
}

#[cfg(test)]
mod tests {
    use super::{RULE, looks_user_supplied};
    use crate::lint::testing::{check_with, fixed, flagged, messages};
    use crate::lint::{Format, LintOptions, NoWorkspace};

    #[test]
    fn names_that_read_as_user_text() {
        for name in [
            "user_input",
            "input",
            "query",
            "searchQuery",
            "question",
            "user_message",
            "messages",
            "document",
            "docs",
            "text",
            "content",
            "pageContent",
            "customer_feedback",
            "email_body",
            "prompt",
            "user_prompt",
            "user",
            "request",
            "ticket",
        ] {
            assert!(looks_user_supplied(name), "{name}");
        }
        for name in [
            "system_prompt",
            "example_input",
            "format_instructions",
            "user_name",
            "user_email",
            "email",
            "user_id",
            "topic",
            "language",
            "context",
            "history",
            "chat_history",
            "persona",
            "tone",
            "company",
            "assistant_message",
            "max_length",
            "input_language",
            "doc_type",
            "expected_output",
            "product_name",
            "today",
            "userRole",
        ] {
            assert!(!looks_user_supplied(name), "{name}");
        }
    }

    #[test]
    fn flags_user_text_in_the_system_turn() {
        let source = "{{role \"system\"}}\nYou help with {{topic}}. The user asked: {{question}}\n{{role \"user\"}}\n{{question}}";
        assert_eq!(flagged(&RULE, source), ["question"]);
        let found = messages(&RULE, source);
        assert!(
            found[0]
                .starts_with("`question` looks user-supplied but is rendered in the system turn"),
            "{found:?}"
        );
    }

    #[test]
    fn an_email_field_is_an_address_not_text() {
        for source in [
            "{{role \"system\"}}\nReply to {{email}} and {{user.email}}.",
            "{{role \"user\"}}\nWrite to {{email}} and {{user.email}}.",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
            assert_eq!(
                messages(&super::super::undelimited_input::RULE, source),
                Vec::<String>::new(),
                "{source}"
            );
        }
        assert_eq!(
            flagged(&RULE, "{{role \"system\"}}\nReply to: {{email_body}}"),
            ["email_body"]
        );
    }

    #[test]
    fn user_turns_and_implicit_first_turns_are_fine() {
        for source in [
            // Text before the first role marker is a user turn in dotprompt.
            "Answer {{question}}",
            "{{role \"system\"}}Be kind.\n{{role \"user\"}}\n{{user_input}}",
            "{{role \"system\"}}Speak {{language}} about {{topic}}.{{#if question}}{{/if}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }

    #[test]
    fn configured_lists_win() {
        let source = "{{role \"system\"}}Profile: {{bio}}. Ask: {{query}}";
        let options = LintOptions {
            untrusted_inputs: vec!["bio".into()],
            trusted_inputs: vec!["query".into()],
            ..LintOptions::default()
        };
        let found = check_with(&RULE, Format::Dotprompt, source, options, &NoWorkspace);
        let flagged: Vec<&str> = found.iter().map(|f| f.span.text(source)).collect();
        assert_eq!(flagged, ["bio"]);
    }

    #[test]
    fn fix_moves_the_line_into_the_next_user_turn() {
        let source =
            "{{role \"system\"}}\nBe brief.\nQuestion: {{question}}\n{{role \"user\"}}\nThanks.";
        assert_eq!(
            fixed(&RULE, source),
            "{{role \"system\"}}\nBe brief.\n{{role \"user\"}}\nQuestion: {{question}}\nThanks."
        );
    }

    #[test]
    fn fix_opens_a_user_turn_when_there_is_none() {
        let source = "{{role \"system\"}}\nBe brief.\n{{query}}\n{{role \"model\"}}\nOK";
        assert_eq!(
            fixed(&RULE, source),
            "{{role \"system\"}}\nBe brief.\n{{role \"user\"}}\n{{query}}\n{{role \"model\"}}\nOK"
        );
        let source = "{{role \"system\"}}\nBe brief. {{#if x}}{{query}}{{/if}}";
        assert_eq!(fixed(&RULE, source), source, "no fix inside a block");
    }

    #[test]
    fn fix_keeps_crlf_line_endings() {
        let source = "{{role \"system\"}}\r\nBe brief.\r\nQuestion: {{question}}\r\n{{role \"user\"}}\r\nThanks.";
        assert_eq!(
            fixed(&RULE, source),
            "{{role \"system\"}}\r\nBe brief.\r\n{{role \"user\"}}\r\nQuestion: {{question}}\r\nThanks."
        );
        let source = "{{role \"system\"}}\r\nBe brief.\r\n{{query}}\r\n{{role \"model\"}}\r\nOK";
        assert_eq!(
            fixed(&RULE, source),
            "{{role \"system\"}}\r\nBe brief.\r\n{{role \"user\"}}\r\n{{query}}\r\n{{role \"model\"}}\r\nOK"
        );
    }
}
