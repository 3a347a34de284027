//! Words and sentences of a prompt's prose, computed once per file and shared by every rule
//! that reads text.

use std::sync::LazyLock;

use regex::Regex;

use super::facts::Prose;
use crate::text::Span;

/// A word: a run of letters, digits, apostrophes and inner hyphens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    pub span: Span,
}

impl Word {
    pub fn text(self, source: &str) -> &str {
        self.span.text(source)
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The words of every prose segment, in order.
pub fn words(source: &str, prose: &[Prose]) -> Vec<Word> {
    let mut out = Vec::new();
    for segment in prose {
        let text = segment.span.text(source);
        if text.is_ascii() {
            ascii_words(text, segment.span.start, &mut out);
        } else {
            unicode_words(text, segment.span.start, &mut out);
        }
    }
    out
}

/// The words of one segment starting at `base`.
fn unicode_words(text: &str, base: usize, out: &mut Vec<Word>) {
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let joins = (c == '\'' || c == '’' || c == '-')
            && start.is_some()
            && chars.peek().is_some_and(|&(_, next)| is_word_char(next));
        if is_word_char(c) || joins {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Word {
                span: Span::new(base + s, base + i),
            });
        }
    }
    if let Some(s) = start {
        out.push(Word {
            span: Span::new(base + s, base + text.len()),
        });
    }
}

/// [`words`] of an ASCII segment, byte by byte: the same rules (a `’` cannot occur), without
/// decoding characters. Most prose is ASCII, and every text rule reads these words.
fn ascii_words(text: &str, base: usize, out: &mut Vec<Word>) {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        let joins = (b == b'\'' || b == b'-')
            && start.is_some()
            && bytes.get(i + 1).is_some_and(|&next| is_word(next));
        if is_word(b) || joins {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push(Word {
                span: Span::new(base + s, base + i),
            });
        }
    }
    if let Some(s) = start {
        out.push(Word {
            span: Span::new(base + s, base + text.len()),
        });
    }
}

/// The sentences of every prose segment: text up to `.`, `!` or `?` followed by whitespace,
/// or up to a line break. Leading list markers and whitespace are not part of a sentence.
pub fn sentences(source: &str, prose: &[Prose]) -> Vec<Span> {
    let mut out = Vec::new();
    for segment in prose {
        let text = segment.span.text(source);
        let base = segment.span.start;
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let end = match c {
                '\n' => Some(i),
                '.' | '!' | '?' => match chars.peek() {
                    Some(&(_, next)) if next.is_whitespace() => Some(i + 1),
                    None => Some(i + 1),
                    _ => None,
                },
                _ => None,
            };
            if let Some(end) = end {
                push_sentence(&mut out, text, base, start, end);
                start = if c == '\n' { i + 1 } else { end };
            }
        }
        push_sentence(&mut out, text, base, start, text.len());
    }
    out
}

fn push_sentence(out: &mut Vec<Span>, text: &str, base: usize, start: usize, end: usize) {
    let Some(piece) = text.get(start..end) else {
        return;
    };
    let trimmed_start = piece.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, '-' | '*' | '•' | '>' | '#')
    });
    let lead = piece.len() - trimmed_start.len();
    let trimmed = trimmed_start.trim_end();
    if trimmed.chars().any(char::is_alphanumeric) {
        let s = base + start + lead;
        out.push(Span::new(s, s + trimmed.len()));
    }
}

/// The line break a fix should write: `"\r\n"` when the source's first line ends with one,
/// else `"\n"`, so inserted lines match the file's own.
pub fn line_ending(source: &str) -> &'static str {
    match source.find('\n') {
        Some(i) if source.get(..i).is_some_and(|line| line.ends_with('\r')) => "\r\n",
        _ => "\n",
    }
}

/// `\w` and `\d` as the regex crate reads them (Unicode word characters, decimal digits),
/// for code that stands in for a regex and must agree with it on every character. Non-ASCII
/// characters are rare in prompts: they go through a one-class regex (cheap to compile, unlike
/// patterns that repeat the large Unicode classes).
static WORD_CHAR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\A\w\z").ok());
static DIGIT_CHAR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"\A\d\z").ok());

fn matches_char(class: &LazyLock<Option<Regex>>, c: char) -> bool {
    let mut buffer = [0; 4];
    class
        .as_ref()
        .is_some_and(|regex| regex.is_match(c.encode_utf8(&mut buffer)))
}

/// True for a character regex `\w` matches.
pub(crate) fn is_regex_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        matches_char(&WORD_CHAR, c)
    }
}

/// True for a character regex `\d` matches.
pub(crate) fn is_regex_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        matches_char(&DIGIT_CHAR, c)
    }
}

/// The start of the line holding `offset`.
pub fn line_start(source: &str, offset: usize) -> usize {
    source
        .get(..offset)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The end of the line holding `offset` (before its line break).
pub fn line_end(source: &str, offset: usize) -> usize {
    source
        .get(offset..)
        .and_then(|after| after.find('\n'))
        .map_or(source.len(), |i| offset + i)
        .max(offset.min(source.len()))
}

/// The whole lines (line break included) holding a front-matter entry from its key to the
/// end of its value: deleting them removes the entry. `None` when other content shares
/// those lines (flow style).
pub fn entry_lines(source: &str, key: Span, value: Span) -> Option<Span> {
    let start = line_start(source, key.start);
    if !source
        .get(start..key.start)?
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        return None;
    }
    let last = value.end.max(key.end);
    let end = line_end(source, last.saturating_sub(1).max(key.start));
    let rest = source.get(last..end)?.trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    let end = if source.get(end..end + 1) == Some("\n") {
        end + 1
    } else {
        end
    };
    Some(Span::new(start, end))
}

/// True when `at` is inside a `` `code span` `` on its line (an odd number of backticks
/// before it on the line).
pub fn in_inline_code(source: &str, at: usize) -> bool {
    source
        .get(line_start(source, at)..at)
        .is_some_and(|before| before.matches('`').count() % 2 == 1)
}

/// Levenshtein-closest candidate within a distance that still reads as a typo.
pub fn did_you_mean<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::levenshtein(&word.to_lowercase(), &c.to_lowercase()),
                c,
            )
        })
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose(text: &str) -> Vec<Prose> {
        vec![Prose {
            span: Span::new(0, text.len()),
            turn: 0,
        }]
    }

    #[test]
    fn words_keep_inner_apostrophes_and_hyphens() {
        let text = "Don't re-use it, 'quoted' end-";
        let got: Vec<&str> = words(text, &prose(text))
            .iter()
            .map(|w| w.text(text))
            .collect();
        assert_eq!(got, ["Don't", "re-use", "it", "quoted", "end"]);
    }

    proptest::proptest! {
        /// The ASCII path splits exactly like the general one.
        #[test]
        fn ascii_words_are_words(text in "[a-zA-Z0-9_' .,\\n-]{0,40}") {
            let mut general = Vec::new();
            unicode_words(&text, 3, &mut general);
            let mut ascii = Vec::new();
            ascii_words(&text, 3, &mut ascii);
            proptest::prop_assert_eq!(ascii, general);
        }
    }

    #[test]
    fn sentences_split_at_stops_and_lines() {
        let text = "Be brief. Use e.g.lists!\n- item one\n\n2.5 is a number? yes";
        let got: Vec<&str> = sentences(text, &prose(text))
            .iter()
            .map(|s| s.text(text))
            .collect();
        assert_eq!(
            got,
            [
                "Be brief.",
                "Use e.g.lists!",
                "item one",
                "2.5 is a number?",
                "yes"
            ]
        );
    }

    #[test]
    fn line_ending_follows_the_first_line() {
        assert_eq!(line_ending("a\r\nb\nc"), "\r\n");
        assert_eq!(line_ending("a\nb\r\nc"), "\n");
        assert_eq!(line_ending("one line"), "\n");
        assert_eq!(line_ending(""), "\n");
    }

    #[test]
    fn regex_classes_agree_with_the_regex_crate() {
        let word = Regex::new(r"\A\w\z").ok();
        let digit = Regex::new(r"\A\d\z").ok();
        for c in [
            'a', 'Z', '_', '5', ' ', '-', 'é', 'ſ', '\u{200d}', '\u{301}', '٣', '’', '—', '\u{a0}',
            '漢',
        ] {
            let text = c.to_string();
            assert_eq!(
                is_regex_word(c),
                word.as_ref().is_some_and(|r| r.is_match(&text)),
                "{c:?}"
            );
            assert_eq!(
                is_regex_digit(c),
                digit.as_ref().is_some_and(|r| r.is_match(&text)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        assert_eq!(did_you_mean("inputs", ["input", "output"]), Some("input"));
        assert_eq!(did_you_mean("zzz", ["input", "output"]), None);
    }

    #[test]
    fn entry_lines_cover_whole_lines_only() {
        let source = "a:\n  b: 1\n  c: {x: 1}\nd: 2";
        assert_eq!(
            entry_lines(source, Span::new(5, 6), Span::new(8, 9)),
            Some(Span::new(3, 10))
        );
        // The last line has no line break.
        assert_eq!(
            entry_lines(source, Span::new(22, 23), Span::new(25, 26)),
            Some(Span::new(22, 26))
        );
        // A key inside a flow mapping shares its line.
        assert_eq!(
            entry_lines(source, Span::new(16, 17), Span::new(19, 20)),
            None
        );
    }
}
