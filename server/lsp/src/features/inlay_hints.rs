//! Inlay hints: the tokens of each message after its role marker, and the whole prompt's
//! tokens and estimated cost per call after the front matter.

use promptopt_core::tokens::{cost_usd, count_for_model, dollars, thousands};
use tower_lsp_server::ls_types::{InlayHint, InlayHintKind, InlayHintLabel, Range};

use super::World;
use crate::documents::Kind;

pub fn inlay_hints(world: &World, range: Range) -> Option<Vec<InlayHint>> {
    let settings = &world.settings.inlay_hints;
    if world.snapshot.kind == Kind::Config || !(settings.tokens || settings.cost) {
        return None;
    }
    let lines = world.snapshot.lines();
    let visible = lines.span(range);
    let text = &world.snapshot.text;
    let mut hints = Vec::new();
    world.with_context(|cx| {
        let (name, _) = cx.model().unzip();
        let info = name.and_then(|name| cx.options.models().lookup(name));
        let approx = |estimated: bool| if estimated { "≈" } else { "" };
        if settings.tokens {
            for turn in cx.turns() {
                let Some(marker) = turn.marker else {
                    continue;
                };
                if marker.end < visible.start || marker.start > visible.end {
                    continue;
                }
                let counted = count_for_model(cx.text(turn.span), info);
                hints.push(hint(
                    lines.position(line_end(text, marker.end)),
                    format!("{}{} tokens", approx(counted.estimated), thousands(counted.tokens)),
                    "The tokens of this message as written, before inputs are rendered.",
                ));
            }
        }
        // The summary goes at the end of the front matter's closing fence, else the first line.
        let anchor = cx
            .file
            .front_matter_split()
            .map_or(line_end(text, 0), |split| line_end(text, split.yaml.end + 1));
        if anchor < visible.start || anchor > visible.end {
            return;
        }
        let all = count_for_model(cx.text(cx.body()), info);
        let mut label = Vec::new();
        if settings.tokens {
            label.push(format!("{}{} tokens", approx(all.estimated), thousands(all.tokens)));
        }
        if settings.cost {
            if let Some(info) = info {
                label.push(format!("{}/call", dollars(cost_usd(all.tokens, 0, info))));
            }
        }
        if !label.is_empty() {
            hints.push(hint(
                lines.position(anchor),
                label.join(" · "),
                "The whole prompt's tokens and input cost per call at the model's list price, before inputs are rendered.",
            ));
        }
    });
    Some(hints)
}

fn line_end(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text[offset..]
        .find(['\r', '\n'])
        .map_or(text.len(), |i| offset + i)
}

fn hint(position: tower_lsp_server::ls_types::Position, label: String, tooltip: &str) -> InlayHint {
    InlayHint {
        position,
        label: InlayHintLabel::String(label),
        kind: Some(InlayHintKind::TYPE),
        text_edits: None,
        tooltip: Some(tower_lsp_server::ls_types::InlayHintTooltip::String(
            tooltip.to_string(),
        )),
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testing::world;
    use tower_lsp_server::ls_types::Position;

    fn labels(text: &str) -> Vec<(u32, String)> {
        let (world, _) = world("a.prompt", text);
        let all = Range::new(Position::new(0, 0), Position::new(u32::MAX, 0));
        inlay_hints(&world, all)
            .unwrap_or_default()
            .into_iter()
            .map(|h| match h.label {
                InlayHintLabel::String(s) => (h.position.line, s),
                InlayHintLabel::LabelParts(_) => (h.position.line, String::new()),
            })
            .collect()
    }

    #[test]
    fn each_message_and_the_whole_prompt_get_their_tokens_and_cost() {
        let found = labels(
            "---\nmodel: gpt-4o\n---\n{{role \"system\"}}\nYou are terse.\n{{role \"user\"}}\nSay hello to the team.\n",
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, 3, "the message hints sit on the marker lines");
        assert!(found[0].1.ends_with(" tokens"), "{found:?}");
        assert_eq!(found[2].0, 2, "the summary sits on the closing fence");
        assert!(found[2].1.contains("tokens · "), "{found:?}");
        assert!(found[2].1.ends_with("/call"), "{found:?}");
    }

    #[test]
    fn an_unknown_model_gets_estimated_tokens_and_no_cost() {
        let found = labels("Say hello.\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].1.starts_with('≈'), "{found:?}");
        assert!(!found[0].1.contains("/call"), "{found:?}");
    }
}
