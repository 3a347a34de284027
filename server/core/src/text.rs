//! Source positions: byte spans, and their conversion to LSP positions (line and UTF-16 code
//! unit, both 0-based) and to human positions (line and column in characters, both 1-based).
//!
//! Every span in the document model is a byte range into the original source, so slicing is
//! free and exact; conversion happens only at the edges (LSP, CLI output).

use serde::Serialize;

/// A half-open byte range `[start, end)` into a document's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    pub const fn empty(at: usize) -> Self {
        Self { start: at, end: at }
    }

    pub const fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    pub const fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset < self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn shift(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }

    /// The text under the span, or `""` when the span does not fall on character boundaries
    /// of `source` (which only a bug elsewhere could cause; slicing must never panic).
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// A position as LSP counts it: 0-based line, 0-based UTF-16 code unit within the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Utf16Position {
    pub line: u32,
    pub character: u32,
}

/// A position as people count it: 1-based line, 1-based column in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct HumanPosition {
    pub line: u32,
    pub column: u32,
}

/// Maps byte offsets of one text to line-based positions and back.
///
/// Lines end at `\n`; a `\r` before it belongs to the line's terminator, as in LSP.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts; always begins with 0.
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Self {
            line_starts,
            len: text.len(),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line containing `offset` (offsets past the end clamp to the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        self.line_starts.partition_point(|&start| start <= offset) - 1
    }

    /// Byte span of a 0-based line without its terminator.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let Some(&start) = self.line_starts.get(line) else {
            return Span::empty(self.len);
        };
        let mut end = self
            .line_starts
            .get(line + 1)
            .map_or(self.len, |&next| next - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Span::new(start, end)
    }

    pub fn to_utf16(&self, text: &str, offset: usize) -> Utf16Position {
        let offset = floor_char_boundary(text, offset.min(self.len));
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Utf16Position {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The byte offset of an LSP position. A character past the end of its line clamps to the
    /// line's end (LSP says so); a position inside a surrogate pair rounds down to the char.
    pub fn from_utf16(&self, text: &str, position: Utf16Position) -> usize {
        let line = position.line as usize;
        if line >= self.line_starts.len() {
            return self.len;
        }
        let span = self.line_span(text, line);
        let mut units = 0usize;
        for (i, ch) in span.text(text).char_indices() {
            if units + ch.len_utf16() > position.character as usize {
                return span.start + i;
            }
            units += ch.len_utf16();
        }
        span.end
    }

    pub fn to_human(&self, text: &str, offset: usize) -> HumanPosition {
        let offset = floor_char_boundary(text, offset.min(self.len));
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        HumanPosition {
            line: line as u32 + 1,
            column: text[start..offset].chars().count() as u32 + 1,
        }
    }

    pub fn from_human(&self, text: &str, position: HumanPosition) -> usize {
        let Some(line) = (position.line as usize).checked_sub(1) else {
            return 0;
        };
        if line >= self.line_starts.len() {
            return self.len;
        }
        let span = self.line_span(text, line);
        let column = (position.column as usize).saturating_sub(1);
        span.text(text)
            .char_indices()
            .nth(column)
            .map_or(span.end, |(i, _)| span.start + i)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    // "é" is 2 bytes / 1 UTF-16 unit; "😀" is 4 bytes / 2 UTF-16 units; "中" is 3 bytes / 1 unit.
    const TEXT: &str = "héllo\r\n😀 x\n中文{{name}}\n";

    #[test]
    fn utf16_positions_count_surrogate_pairs() {
        let index = LineIndex::new(TEXT);
        let x = TEXT.find('x').unwrap();
        assert_eq!(
            index.to_utf16(TEXT, x),
            Utf16Position {
                line: 1,
                character: 3
            }
        );
        let brace = TEXT.find("{{").unwrap();
        assert_eq!(
            index.to_utf16(TEXT, brace),
            Utf16Position {
                line: 2,
                character: 2
            }
        );
    }

    #[test]
    fn human_positions_count_characters_from_one() {
        let index = LineIndex::new(TEXT);
        let x = TEXT.find('x').unwrap();
        assert_eq!(
            index.to_human(TEXT, x),
            HumanPosition { line: 2, column: 3 }
        );
        assert_eq!(
            index.to_human(TEXT, 0),
            HumanPosition { line: 1, column: 1 }
        );
    }

    #[test]
    fn every_char_boundary_round_trips_through_both_systems() {
        let index = LineIndex::new(TEXT);
        for (offset, ch) in TEXT.char_indices() {
            if ch == '\n' || ch == '\r' {
                continue; // terminators clamp to the line end, tested below
            }
            let lsp = index.to_utf16(TEXT, offset);
            assert_eq!(index.from_utf16(TEXT, lsp), offset, "utf16 at {offset}");
            let human = index.to_human(TEXT, offset);
            assert_eq!(index.from_human(TEXT, human), offset, "human at {offset}");
        }
    }

    #[test]
    fn positions_past_the_line_end_clamp_before_crlf() {
        let index = LineIndex::new(TEXT);
        let end = index.from_utf16(
            TEXT,
            Utf16Position {
                line: 0,
                character: 99,
            },
        );
        assert_eq!(&TEXT[..end], "héllo");
        assert_eq!(
            index.from_utf16(
                TEXT,
                Utf16Position {
                    line: 99,
                    character: 0
                }
            ),
            TEXT.len()
        );
    }

    #[test]
    fn a_position_inside_a_surrogate_pair_rounds_down() {
        let index = LineIndex::new(TEXT);
        let emoji = TEXT.find('😀').unwrap();
        assert_eq!(
            index.from_utf16(
                TEXT,
                Utf16Position {
                    line: 1,
                    character: 1
                }
            ),
            emoji
        );
    }

    #[test]
    fn offsets_inside_a_character_do_not_panic() {
        let index = LineIndex::new(TEXT);
        let inside_e = 2; // second byte of 'é'
        assert_eq!(
            index.to_utf16(TEXT, inside_e),
            Utf16Position {
                line: 0,
                character: 1
            }
        );
        assert_eq!(index.to_human(TEXT, 10_000).line, 4);
    }
}
