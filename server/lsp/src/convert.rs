//! Byte spans ↔ LSP ranges (UTF-16 positions), and core severities ↔ LSP severities.

use promptopt_core::lint::Severity;
use promptopt_core::text::{LineIndex, Span, Utf16Position};
use tower_lsp_server::ls_types::{DiagnosticSeverity, Position, Range};

/// A text with its line index: what every position conversion needs.
#[derive(Clone, Copy)]
pub struct Lines<'a> {
    pub text: &'a str,
    pub index: &'a LineIndex,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str, index: &'a LineIndex) -> Self {
        Self { text, index }
    }

    pub fn position(&self, offset: usize) -> Position {
        let p = self.index.to_utf16(self.text, offset);
        Position::new(p.line, p.character)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(self.position(span.start), self.position(span.end))
    }

    /// The byte offset of a client position, clamped into the text.
    pub fn offset(&self, position: Position) -> usize {
        self.index.from_utf16(
            self.text,
            Utf16Position {
                line: position.line,
                character: position.character,
            },
        )
    }

    /// The byte span of a client range; a reversed range is read start-first.
    pub fn span(&self, range: Range) -> Span {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        Span::new(a.min(b), a.max(b))
    }
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "a😀b\nçd\r\nx";
        let index = LineIndex::new(text);
        let lines = Lines::new(text, &index);
        // 😀 is two UTF-16 units and four bytes.
        let b = text.find('b').unwrap();
        assert_eq!(lines.position(b), Position::new(0, 3));
        assert_eq!(lines.offset(Position::new(0, 3)), b);
        let d = text.find('d').unwrap();
        assert_eq!(lines.position(d), Position::new(1, 1));
        // Past the end of a line clamps to the line's end, before "\r\n".
        assert_eq!(lines.offset(Position::new(1, 99)), text.find('\r').unwrap());
        // Past the last line clamps to the end of the text.
        assert_eq!(lines.offset(Position::new(9, 0)), text.len());
    }
}
