//! Tokens of a Prompty file: role lines, Jinja statements, expressions and comments.
//!
//! The Jinja lexer in core is private to its parser, so expressions are read here with a
//! small scanner of their own: names, strings, numbers, and the punctuation that decides
//! what a name is (`.` before a property, `|` or `is` before a filter or test, `(` after a
//! call).

use promptopt_core::prompty::{JinjaNode, KEYWORDS, PromptyDocument};
use promptopt_core::text::Span;

use super::{DECLARATION, DEFAULT_LIBRARY, Kind, Token};

pub fn tokens(document: &PromptyDocument) -> Vec<Token> {
    let source = document.source();
    let mut out: Vec<Token> = document
        .roles
        .iter()
        .map(|role| Token::new(role.name_span, Kind::Macro).with(DEFAULT_LIBRARY))
        .collect();
    for node in &document.nodes {
        match node {
            JinjaNode::Comment { span, .. } => out.push(Token::new(*span, Kind::Comment)),
            JinjaNode::Output { expr, .. } => expression(source, *expr, false, &mut out),
            JinjaNode::Statement {
                span,
                keyword,
                args,
            } => {
                if let Some(at) = keyword_at(source, *span, keyword) {
                    out.push(Token::new(at, Kind::Keyword));
                }
                expression(source, *args, keyword == "for", &mut out);
            }
            JinjaNode::Text(_) => {}
        }
    }
    out
}

/// Where a statement's keyword is written: after `{%`, a whitespace sign and spaces.
fn keyword_at(source: &str, span: Span, keyword: &str) -> Option<Span> {
    if keyword.is_empty() {
        return None;
    }
    let text = span.text(source);
    let inner = text.strip_prefix("{%")?;
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let trimmed = inner.trim_start();
    let start = span.start + (text.len() - trimmed.len());
    trimmed
        .starts_with(keyword)
        .then(|| Span::new(start, start + keyword.len()))
}

/// What came before a name, which decides what the name is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Before {
    Dot,
    /// `|` (a filter) or `is` (a test).
    FilterOrTest,
    Other,
}

/// Tokens of an expression. In a `for` statement the names before `in` are the loop's
/// targets: parameters it declares.
fn expression(source: &str, span: Span, for_targets: bool, out: &mut Vec<Token>) {
    let text = span.text(source);
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut before = Before::Other;
    let mut in_targets = for_targets;
    while let Some(&byte) = bytes.get(at) {
        let start = at;
        if byte.is_ascii_whitespace() {
            at += 1;
            continue;
        }
        if byte == b'\'' || byte == b'"' {
            at = string_end(bytes, at);
            out.push(Token::new(piece(span, start, at), Kind::String));
            before = Before::Other;
            continue;
        }
        if byte.is_ascii_digit() {
            while bytes
                .get(at)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_'))
            {
                at += 1;
            }
            out.push(Token::new(piece(span, start, at), Kind::Number));
            before = Before::Other;
            continue;
        }
        if byte.is_ascii_alphabetic() || byte == b'_' {
            while bytes
                .get(at)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                at += 1;
            }
            let word = text.get(start..at).unwrap_or("");
            let called = text
                .get(at..)
                .is_some_and(|rest| rest.trim_start().starts_with('('));
            let token = Token::new(piece(span, start, at), Kind::Variable);
            let token = match (before, word) {
                (Before::Dot, _) => token.kind_of(Kind::Property),
                (Before::FilterOrTest, _) => token.kind_of(Kind::Function),
                (_, "in") if in_targets => {
                    in_targets = false;
                    token.kind_of(Kind::Keyword)
                }
                (_, word) if KEYWORDS.contains(&word) => token.kind_of(Kind::Keyword),
                _ if called => token.kind_of(Kind::Function),
                _ if in_targets => token.kind_of(Kind::Parameter).with(DECLARATION),
                _ => token,
            };
            out.push(token);
            before = if word == "is" {
                Before::FilterOrTest
            } else {
                Before::Other
            };
            continue;
        }
        // Punctuation: skip a whole (possibly multi-byte) character.
        let width = text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(1, char::len_utf8);
        before = match byte {
            b'.' => Before::Dot,
            b'|' => Before::FilterOrTest,
            _ => Before::Other,
        };
        at += width;
    }
}

impl Token {
    fn kind_of(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }
}

/// Just past the string starting at `start` (its quote), escapes skipped; the end of the
/// text when it never closes.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes.get(start).copied();
    let mut at = start + 1;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        if byte == b'\\' {
            at += 1;
        } else if Some(byte) == quote {
            return at.min(bytes.len());
        }
    }
    bytes.len()
}

fn piece(span: Span, start: usize, end: usize) -> Span {
    Span::new(span.start + start, span.start + end.min(span.len()))
}
