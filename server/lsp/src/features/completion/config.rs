//! Completion in `promptopt.toml`: sections, `[lint]` keys, rule ids and levels.

use promptopt_core::lint::{LINT_KEY_DOCS, LINT_KEYS, rules};
use promptopt_core::text::Span;
use tower_lsp_server::ls_types::{CompletionItem, CompletionItemKind};

use super::{Items, word_start};
use crate::features::World;
use promptopt_core::lint::text::line_start;

const LEVELS: [&str; 5] = ["off", "hint", "info", "warning", "error"];

pub fn complete(world: &World, offset: usize) -> Vec<CompletionItem> {
    let text = &world.snapshot.text;
    let line_start = line_start(text, offset);
    let line = &text[line_start..offset];
    let start = word_start(text, offset, |c| {
        c.is_alphanumeric() || matches!(c, '-' | '_' | '.')
    });
    let mut items = Items::new(world, Span::new(start, offset));
    if line.trim_start().starts_with('[') {
        for section in ["lint", "lint.rules", "lint.overrides"] {
            items.push(section, CompletionItemKind::MODULE, "", "");
        }
        return items.finish();
    }
    let section = current_section(&text[..line_start]);
    match (section.as_deref(), line.split_once('=')) {
        (Some("lint.rules"), Some(_)) | (Some("lint.overrides.rules"), Some(_)) => {
            let start = word_start(text, offset, |c| c.is_alphanumeric());
            let mut levels = Items::new(world, Span::new(start, offset));
            for level in LEVELS {
                levels.push(level, CompletionItemKind::ENUM_MEMBER, "", "");
            }
            levels.finish()
        }
        (Some("lint.rules"), None) | (Some("lint.overrides.rules"), None) => {
            for rule in rules::all() {
                let snippet = format!("{} = \"${{1|{}|}}\"", rule.id, LEVELS.join(","));
                items.snippet(
                    rule.id,
                    &snippet,
                    CompletionItemKind::PROPERTY,
                    &format!("{} · {}", rule.category.as_str(), rule.severity.as_str()),
                    rule.summary,
                );
            }
            items.finish()
        }
        (Some("lint"), None) => {
            for (key, doc) in LINT_KEYS.iter().zip(LINT_KEY_DOCS) {
                items.add(
                    key,
                    &format!("{key} = "),
                    CompletionItemKind::PROPERTY,
                    "",
                    doc,
                    false,
                );
            }
            items.finish()
        }
        _ => Vec::new(),
    }
}

/// The `[section]` (or `[[section]]`) the cursor's line belongs to; a `rules` table inside
/// `[[lint.overrides]]` reads as `lint.overrides.rules`.
fn current_section(above: &str) -> Option<String> {
    let header = above
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| line.starts_with('['))?;
    Some(header.trim_matches(['[', ']']).trim().to_string())
}

#[cfg(test)]
mod tests {
    use crate::features::completion::tests::{inserted, labels};

    #[test]
    fn lint_keys_rule_ids_and_levels() {
        let found = labels("promptopt.toml", "[lint]\nmo|");
        assert!(found.contains(&"model".to_string()), "{found:?}");
        assert!(found.contains(&"token-budget".to_string()), "{found:?}");
        let found = labels("promptopt.toml", "[lint.rules]\nwall|");
        assert!(found.contains(&"wall-of-text".to_string()), "{found:?}");
        assert_eq!(
            inserted("promptopt.toml", "[lint.rules]\n|", "wall-of-text").as_deref(),
            Some("wall-of-text = \"${1|off,hint,info,warning,error|}\"")
        );
        let found = labels("promptopt.toml", "[lint.rules]\nwall-of-text = \"|");
        assert_eq!(found, ["off", "hint", "info", "warning", "error"]);
        let found = labels("promptopt.toml", "[|");
        assert!(found.contains(&"lint.rules".to_string()), "{found:?}");
    }
}
