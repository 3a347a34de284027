//! Formatting: `core::format`, which only touches whitespace the renderer ignores.

use promptopt_core::format::format as format_file;
use tower_lsp_server::ls_types::TextEdit;

use super::World;
use crate::documents::Kind;

pub fn format(world: &World) -> Option<Vec<TextEdit>> {
    if world.snapshot.kind == Kind::Config {
        return None;
    }
    let lines = world.snapshot.lines();
    let edits = format_file(world.snapshot.file())
        .into_iter()
        .map(|edit| TextEdit::new(lines.range(edit.span), edit.text))
        .collect();
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testing::world;

    #[test]
    fn formats_with_edits_that_keep_the_render() {
        let (prompt, _) = world("a.prompt", "---\nmodel: x  \n---\nHi {{ name }}\n");
        let edits = format(&prompt).unwrap();
        let mut text = prompt.snapshot.text.to_string();
        for edit in edits.iter().rev() {
            let span = prompt.snapshot.lines().span(edit.range);
            text.replace_range(span.start..span.end, &edit.new_text);
        }
        assert_eq!(text, "---\nmodel: x\n---\nHi {{name}}\n");
        let (config, _) = world("promptopt.toml", "[lint]  \n");
        assert!(format(&config).is_none());
    }
}
