//! Finding the YAML front matter, as dotprompt's `FRONTMATTER_AND_BODY_REGEX` does:
//! leading blank or `#` lines (license headers) are skipped, the opening `---` must be followed
//! by a line break, and so must the closing `---`. Written as a scanner instead of a regex so
//! each piece keeps its span.

use crate::text::Span;

/// Where the front matter and the body are in a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// From the opening `---` through the line break after the closing `---`.
    pub block: Span,
    /// The YAML between the fences, without the line breaks next to them.
    pub yaml: Span,
    /// Everything after the closing fence's line break.
    pub body: Span,
}

/// Splits `source` (starting at `start`, past any byte order mark) into front matter and body;
/// `None` when it has no front matter by dotprompt's rules.
pub fn split(source: &str, start: usize) -> Option<Split> {
    let text = &source[start..];
    let mut at = 0;
    // Skip lines that are blank (spaces and tabs only) or comments, each ended by `\n`.
    loop {
        let line_end = text[at..].find('\n').map(|i| at + i);
        let Some(line_end) = line_end else { break };
        let line = &text[at..line_end];
        let skippable = line.starts_with('#') || line.bytes().all(|b| b == b' ' || b == b'\t');
        if !skippable {
            break;
        }
        at = line_end + 1;
    }
    let open = at;
    let after_dashes = text[open..].strip_prefix("---")?;
    // The regex's greedy `\s*` before the line break backtracks when nothing closes: try the
    // latest possible start of the YAML first, then earlier ones.
    for break_end in line_break_ends(after_dashes).into_iter().rev() {
        let yaml_start = open + 3 + break_end;
        if let Some(found) = closing_fence(text, yaml_start) {
            let (yaml_end, body_start) = found;
            return Some(Split {
                block: Span::new(start + open, start + body_start),
                yaml: Span::new(start + yaml_start, start + yaml_end),
                body: Span::new(start + body_start, source.len()),
            });
        }
    }
    None
}

/// The closing fence: a line break, `---`, optional whitespace, a line break. The YAML is the
/// shortest text before such a fence (the regex is lazy). Returns (yaml end, body start).
fn closing_fence(text: &str, yaml_start: usize) -> Option<(usize, usize)> {
    let mut search = yaml_start;
    loop {
        let dashes = search + text[search..].find("---")?;
        if let Some(break_len) = line_break_before(&text[..dashes])
            && dashes - break_len >= yaml_start
            && let Some(&after) = line_break_ends(&text[dashes + 3..]).last()
        {
            return Some((dashes - break_len, dashes + 3 + after));
        }
        search = dashes + 1;
    }
}

/// The offsets just after each line break in the whitespace that starts `text`.
fn line_break_ends(text: &str) -> Vec<usize> {
    let ws = &text[..text.len() - text.trim_start().len()];
    ws.char_indices()
        .filter(|&(i, c)| c == '\n' || (c == '\r' && !ws[i + 1..].starts_with('\n')))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Length of the line break that ends `text`, if it ends with one.
fn line_break_before(text: &str) -> Option<usize> {
    if text.ends_with("\r\n") {
        Some(2)
    } else if text.ends_with('\n') || text.ends_with('\r') {
        Some(1)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(source: &str) -> Option<(&str, &str)> {
        split(source, 0).map(|s| (s.yaml.text(source), s.body.text(source)))
    }

    #[test]
    fn splits_yaml_and_body() {
        assert_eq!(
            parts("---\nname: x\n---\nHello"),
            Some(("name: x", "Hello"))
        );
        assert_eq!(
            parts("---\r\nname: x\r\n---\r\nHi\r\n"),
            Some(("name: x", "Hi\r\n"))
        );
        assert_eq!(parts("---\na: 1\nb: 2\n---\n"), Some(("a: 1\nb: 2", "")));
    }

    #[test]
    fn skips_license_header_and_blank_lines() {
        let source = "# Copyright 2025\n\n# SPDX: Apache-2.0\n---\nname: x\n---\nbody";
        let split = split(source, 0).unwrap();
        assert_eq!(split.yaml.text(source), "name: x");
        assert_eq!(split.block.start, source.find("---").unwrap());
    }

    #[test]
    fn no_front_matter_by_dotprompts_rules() {
        assert_eq!(parts("Hello {{name}}"), None);
        assert_eq!(
            parts("---\nname: x\n---"),
            None,
            "closing fence needs a line break"
        );
        assert_eq!(parts("---\n---\nbody"), None, "no line between the fences");
        assert_eq!(parts("text\n---\nname: x\n---\n"), None);
        assert_eq!(parts("---\nname: x\n"), None, "unterminated");
    }

    #[test]
    fn empty_front_matter_is_found_with_empty_yaml() {
        assert_eq!(parts("---\n\n---\nbody"), Some(("", "body")));
    }

    #[test]
    fn dashes_inside_yaml_values_do_not_close() {
        let source = "---\ndescription: a---b\n---\nbody";
        assert_eq!(parts(source), Some(("description: a---b", "body")));
    }
}
