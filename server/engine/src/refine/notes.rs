//! Feedback written into the prompt itself, for refine to act on:
//!
//! ```handlebars
//! {{!-- promptopt-feedback
//! - Answers run too long; keep them under 80 words.
//! - It ignores the JSON output format.
//! --}}
//! ```
//!
//! Each non-empty line of such a comment is one note (a leading `-` or `*` is dropped). Refine
//! adds the notes to the request's feedback and removes the blocks from the refined prompt,
//! so feedback that has been acted on is not acted on again. The VS Code snippet
//! `refinePrompt` writes this block.

use std::ops::Range;

const OPEN: &str = "{{!-- promptopt-feedback";
const CLOSE: &str = "--}}";

/// The notes of every feedback block in `source`, in order.
pub fn feedback_notes(source: &str) -> Vec<String> {
    blocks(source)
        .flat_map(|block| {
            source[block.body]
                .lines()
                .map(|line| {
                    let line = line.trim();
                    line.strip_prefix(['-', '*']).unwrap_or(line).trim()
                })
                .filter(|note| !note.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// `source` without its feedback blocks (and the line break after each).
pub fn without_feedback_blocks(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for block in blocks(source) {
        out.push_str(&source[at..block.whole.start]);
        at = block.whole.end;
    }
    out.push_str(&source[at..]);
    out
}

struct Block {
    /// From the opening `{{!--` to past the closing `--}}` and its line break.
    whole: Range<usize>,
    body: Range<usize>,
}

fn blocks(source: &str) -> impl Iterator<Item = Block> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        let start = from + source.get(from..)?.find(OPEN)?;
        let body_start = start + OPEN.len();
        let body_end = body_start + source[body_start..].find(CLOSE)?;
        let mut end = body_end + CLOSE.len();
        if source[end..].starts_with("\r\n") {
            end += 2;
        } else if source[end..].starts_with('\n') {
            end += 1;
        }
        from = end;
        Some(Block {
            whole: start..end,
            body: body_start..body_end,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: &str = "---\nname: x\n---\n{{!-- promptopt-feedback\n- Too long.\n\n* Use JSON.\n--}}\nSummarize {{text}}.\n";

    #[test]
    fn each_line_of_a_block_is_a_note() {
        assert_eq!(feedback_notes(PROMPT), ["Too long.", "Use JSON."]);
    }

    #[test]
    fn blocks_are_removed_with_their_line_break() {
        assert_eq!(
            without_feedback_blocks(PROMPT),
            "---\nname: x\n---\nSummarize {{text}}.\n"
        );
    }

    #[test]
    fn other_comments_and_unclosed_blocks_are_left_alone() {
        let source = "{{!-- a comment --}}\n{{!-- promptopt-feedback\n- never closed\n";
        assert!(feedback_notes(source).is_empty());
        assert_eq!(without_feedback_blocks(source), source);
    }
}
