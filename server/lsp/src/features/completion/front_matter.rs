//! Completion in the front matter: keys by where the cursor is indented, model ids from the
//! model table after `model:`, and the documented values of other keys.

use promptopt_core::document::keys;
use promptopt_core::text::Span;
use promptopt_core::tokens::thousands;
use tower_lsp_server::ls_types::{CompletionItem, CompletionItemKind};

use super::{Items, word_start};
use crate::features::World;
use promptopt_core::lint::text::line_start;

pub fn complete(world: &World, offset: usize) -> Vec<CompletionItem> {
    let text = &world.snapshot.text;
    let line_start = line_start(text, offset);
    let line = &text[line_start..offset];
    let indent = indentation(line);
    let parent = parent_path(&text[..line_start], indent);
    match line.find(':') {
        Some(colon) => {
            let key = line[..colon].trim().trim_start_matches("- ");
            let mut path = parent;
            path.push(key.to_string());
            values(world, offset, &path)
        }
        None => {
            let start = word_start(text, offset, |c| c.is_alphanumeric() || c == '_');
            let mut items = Items::new(world, Span::new(start, offset));
            for doc in keys::dotprompt_children(&parent) {
                let Some(name) = doc.path.last() else {
                    continue;
                };
                items.add(
                    name,
                    &format!("{name}: "),
                    CompletionItemKind::PROPERTY,
                    "",
                    doc.summary,
                    false,
                );
            }
            items.finish()
        }
    }
}

fn values(world: &World, offset: usize, path: &[String]) -> Vec<CompletionItem> {
    let text = &world.snapshot.text;
    let start = word_start(text, offset, |c| {
        c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@' | ':')
    });
    let typed = &text[start..offset];
    let is_model = path == ["model"] || path.ends_with(&["configuration".into(), "name".into()]);
    if is_model {
        // Keep a provider prefix the user typed (`openai/`, `googleai/`): complete after it.
        let start = typed.rfind('/').map_or(start, |slash| start + slash + 1);
        let mut items = Items::new(world, Span::new(start, offset));
        for info in world.options().models().models() {
            let mut detail = format!(
                "{} · {} context · ${}/${} per M tokens",
                info.provider,
                thousands(info.context_window),
                info.input_price,
                info.output_price
            );
            if let Some(deprecated) = &info.deprecated {
                detail.push_str(&format!(" · deprecated {deprecated}"));
            }
            items.push(&info.id, CompletionItemKind::VALUE, &detail, "");
        }
        return items.finish();
    }
    let mut items = Items::new(world, Span::new(start, offset));
    if let Some(doc) = keys::dotprompt_key(path) {
        for value in doc.values {
            items.push(value, CompletionItemKind::VALUE, "", doc.summary);
        }
    }
    items.finish()
}

fn indentation(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ').count()
}

/// The keys of the mappings enclosing a line indented by `indent`, read from the lines above:
/// each less-indented `key:` line opens one level.
fn parent_path(above: &str, indent: usize) -> Vec<String> {
    let mut path = Vec::new();
    let mut limit = indent;
    for line in above.lines().rev() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
            continue;
        }
        let own = indentation(line);
        if own >= limit {
            continue;
        }
        let Some((key, _)) = trimmed.split_once(':') else {
            continue;
        };
        path.push(key.trim().to_string());
        limit = own;
        if own == 0 {
            break;
        }
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::parent_path;
    use crate::features::completion::tests::{inserted, labels};

    #[test]
    fn keys_follow_the_indentation() {
        let found = labels("a.prompt", "---\nmo|\n---\nHi");
        assert!(found.contains(&"model".to_string()), "{found:?}");
        assert!(found.contains(&"config".to_string()), "{found:?}");
        assert_eq!(
            inserted("a.prompt", "---\nmo|\n---\nHi", "model").as_deref(),
            Some("model: ")
        );
        let found = labels("a.prompt", "---\nmodel: gpt-4o\nconfig:\n  te|\n---\nHi");
        assert!(found.contains(&"temperature".to_string()), "{found:?}");
        assert!(!found.contains(&"model".to_string()), "{found:?}");
    }

    #[test]
    fn model_ids_come_from_the_model_table_after_any_provider_prefix() {
        let found = labels("a.prompt", "---\nmodel: |\n---\nHi");
        assert!(found.contains(&"gpt-4o".to_string()), "{found:?}");
        assert!(found.len() > 20, "{}", found.len());
        let found = labels("a.prompt", "---\nmodel: openai/gp|\n---\nHi");
        assert!(found.contains(&"gpt-4o".to_string()), "{found:?}");
        let found = labels("a.prompt", "---\noutput:\n  format: |\n---\nHi");
        assert_eq!(found, ["json", "text", "media"]);
    }

    #[test]
    fn parent_paths_skip_blank_and_comment_lines() {
        let above = "input:\n  # the data\n  schema:\n\n";
        assert_eq!(parent_path(above, 4), ["input", "schema"]);
        assert_eq!(parent_path(above, 0), Vec::<String>::new());
    }
}
