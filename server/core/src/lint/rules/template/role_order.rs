//! `role-order`: turns in an order the model APIs do not accept, or that say nothing. A
//! system turn after user or model turns (Gemini takes one system instruction, first), several
//! system turns, and empty turns (a role marker followed only by whitespace or comments before
//! the next marker or the end: the renderer drops the message, often not what was meant).

use crate::lint::{Category, Context, Docs, FixKind, Formats, Report, Rule, Severity, Turn};
use crate::template::{Node, walk};
use crate::text::Span;

pub(crate) static RULE: Rule = Rule {
    id: "role-order",
    category: Category::Template,
    severity: Severity::Warning,
    enabled_by_default: true,
    fix: FixKind::None,
    formats: Formats::TEMPLATED,
    summary: "A system turn after the conversation started, several system turns, or an empty turn",
    docs: Docs {
        why: "Model APIs expect one system instruction at the start: Gemini rejects a system message anywhere but first, and other providers merge or move late ones, so instructions placed after user or model turns (or split across several system turns) do not act as written. A role marker with nothing after it renders no message at all: its text probably ended up in another turn.",
        bad: "{{role \"user\"}}\n{{question}}\n{{role \"system\"}}\nAnswer in one sentence.\n",
        good: "{{role \"system\"}}\nAnswer in one sentence.\n{{role \"user\"}}\n{{question}}\n",
        fix: "Put all system instructions in one system turn at the top, before `{{history}}` and the user's turn; delete role markers that have nothing after them.",
    },
    check,
};

fn check(cx: &Context<'_>, report: &mut Report) {
    let content = content_starts(cx);
    let has_content = |span: Span| {
        let from = content.partition_point(|&at| at < span.start);
        content.get(from).is_some_and(|&at| at < span.end)
    };
    let mut system_turns = 0;
    let mut conversation_started = false;
    for turn in cx.turns() {
        let Some(marker) = turn.marker else {
            // Text before the first marker is a turn only when there is text: a user turn in
            // dotprompt, a system turn in Prompty.
            if has_content(turn.span) {
                if turn.role.eq_ignore_ascii_case("system") {
                    system_turns += 1;
                } else {
                    conversation_started = true;
                }
            }
            continue;
        };
        let role = turn.role.to_lowercase();
        let body = Span::new(marker.end, turn.span.end);
        let empty = role != "history" && !has_content(body);
        if empty {
            report.add(
                marker,
                format!(
                    "empty {} turn: nothing follows this marker before {}, so no message is rendered; write the turn's text after it or delete the marker",
                    turn.role,
                    next_marker_name(cx.turns(), turn)
                ),
            );
        }
        if role == "system" {
            system_turns += 1;
            if conversation_started {
                report.add(
                    marker,
                    "system turn after the conversation started: models take system instructions first (Gemini rejects a system message anywhere else); move these instructions into the system turn at the top",
                );
            } else if system_turns > 1 && !empty {
                report.add(
                    marker,
                    "a second system turn: models expect one system instruction; merge this text into the first system turn",
                );
            }
        } else if !empty {
            conversation_started = true;
        }
    }
}

fn next_marker_name(turns: &[Turn], turn: &Turn) -> &'static str {
    if turns
        .iter()
        .any(|t| t.span.start == turn.span.end && t.marker.is_some())
    {
        "the next role marker"
    } else {
        "the end"
    }
}

/// Offsets where something the model would read starts: non-blank prose, variables, and any
/// tag but comments and role markers. Sorted.
fn content_starts(cx: &Context<'_>) -> Vec<usize> {
    let mut starts: Vec<usize> = cx
        .prose()
        .iter()
        .filter_map(|prose| {
            let text = cx.text(prose.span);
            let blank = text.len() - text.trim_start().len();
            (blank < text.len()).then_some(prose.span.start + blank)
        })
        .collect();
    starts.extend(
        cx.uses()
            .iter()
            .filter(|u| u.via_partial.is_none())
            .map(|u| u.span.start),
    );
    let markers: Vec<usize> = cx
        .turns()
        .iter()
        .filter_map(|turn| turn.marker.map(|m| m.start))
        .collect();
    if let Some(document) = cx.document() {
        walk(&document.template.nodes, &mut |node| match node {
            Node::Text(_) | Node::Comment(_) => {}
            Node::Block(block) => {
                starts.push(block.open.span.start);
                starts.extend(block.else_branches.iter().map(|b| b.tag.span.start));
                starts.extend(block.close.iter().map(|c| c.tag.span.start));
            }
            other => {
                let start = other.span().start;
                if !markers.contains(&start) {
                    starts.push(start);
                }
            }
        });
    }
    starts.sort_unstable();
    starts
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::lint::testing::{flagged, messages};

    #[test]
    fn system_after_the_conversation_started() {
        let source = "{{role \"user\"}}{{q}}\n{{role \"system\"}}Be brief.";
        assert_eq!(flagged(&RULE, source), ["{{role \"system\"}}"]);
        // Text before the first marker is the user's turn.
        let implicit = "Hello there.\n{{role \"system\"}}Be brief.";
        let found = messages(&RULE, implicit);
        assert!(
            found[0].contains("after the conversation started"),
            "{found:?}"
        );
        let after_history = "{{role \"system\"}}A\n{{history}}{{role \"system\"}}B";
        assert_eq!(messages(&RULE, after_history).len(), 1);
    }

    #[test]
    fn several_system_turns() {
        let found = messages(
            &RULE,
            "{{role \"system\"}}A\n{{role \"system\"}}B\n{{role \"user\"}}{{q}}",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("second system turn"), "{found:?}");
    }

    #[test]
    fn empty_turns() {
        let source =
            "{{role \"system\"}}\n  {{!-- todo --}}\n{{role \"user\"}}{{q}}{{role \"model\"}}\n";
        assert_eq!(
            flagged(&RULE, source),
            ["{{role \"system\"}}", "{{role \"model\"}}"]
        );
        let found = messages(&RULE, source);
        assert!(
            found[0].contains("before the next role marker"),
            "{found:?}"
        );
        assert!(found[1].contains("before the end"), "{found:?}");
    }

    #[test]
    fn near_misses() {
        for source in [
            "{{role \"system\"}}Be brief.\n{{history}}\n{{role \"user\"}}{{q}}",
            "{{!-- header --}}\n{{role \"system\"}}Be brief.\n{{role \"user\"}}{{q}}",
            "{{role \"system\"}}{{> rules}}{{role \"user\"}}{{#if q}}{{q}}{{/if}}",
            "{{role \"system\"}}{{instructions}}{{role \"model\"}}{{media url=u}}",
            "Just a single user message {{q}}",
            "{{role \"user\"}}{{#each turns}}{{role this.role}}{{this.text}}{{/each}}",
        ] {
            assert_eq!(messages(&RULE, source), Vec::<String>::new(), "{source}");
        }
    }
}
