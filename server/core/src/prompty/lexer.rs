//! Tokenizing the inside of one `{{ … }}` or `{% … %}` tag, the way Jinja2's lexer does:
//! at each position the closing delimiter is tried first, but only while no bracket is open
//! (so `{{ {'a': 1} }}` closes at the second `}}`); then whitespace, numbers, names, strings
//! (which may span lines, so a `}}` inside quotes does not close the tag) and operators.
//! A character Jinja has no token for is an error, as in Jinja ("unexpected char").

use crate::text::Span;

/// A tag whose inside runs longer than this without closing is treated as unclosed: no real
/// tag is this long, and the cap keeps a file full of stray `{{` linear to scan.
const MAX_TAG_BYTES: usize = 64 * 1024;
/// Brackets nested deeper than this inside one tag are an error (and bound the work per tag).
pub(super) const MAX_BRACKET_DEPTH: usize = 64;

/// The lexical error of a tag that runs into the next tag's opener.
pub(super) const NEW_TAG_OPENS: &str = "a new tag opens here";

/// Jinja's operators, longest first so `//` wins over `/`.
const OPERATORS: [&str; 26] = [
    "//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")", "{", "}",
    ">", "<", "=", ".", ":", "|", ",", ";",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    Name,
    Str,
    Int,
    Float,
    Op,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TagKind {
    /// `{{ … }}`: closed by `}}` or `-}}`.
    Output,
    /// `{% … %}`: closed by `%}`, `-%}` or `+%}`.
    Statement,
}

/// Where a tag closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Close {
    /// Where the closing delimiter starts, including its `-` or `+` sign.
    pub inner_end: usize,
    /// Just past the closing delimiter.
    pub tag_end: usize,
}

#[derive(Debug, Clone)]
pub(super) struct Lexed {
    pub tokens: Vec<Token>,
    /// The first lexical error: where, and what.
    pub error: Option<(Span, String)>,
    /// `None` when the tag never closes (before the end, or before the next tag opens).
    pub close: Option<Close>,
}

/// Tokenizes `source[from..end]`, the inside of a tag of `kind`, up to its closing delimiter.
pub(super) fn lex_tag(source: &str, from: usize, end: usize, kind: TagKind) -> Lexed {
    let end = end.min(source.len());
    let bytes = source.as_bytes();
    let mut limit = end.min(from.saturating_add(MAX_TAG_BYTES));
    while !source.is_char_boundary(limit) {
        limit -= 1;
    }
    let mut tokens: Vec<Token> = Vec::new();
    let mut brackets: Vec<u8> = Vec::new();
    let mut at = from;
    let fail = |at: usize, len: usize, message: String, tokens: Vec<Token>| {
        let span = Span::new(at, (at + len).min(end));
        Lexed {
            tokens,
            error: Some((span, message)),
            close: recover_close(source, at, end, kind),
        }
    };
    while at < limit {
        if brackets.is_empty()
            && let Some(close) = close_at(source, at, kind)
        {
            return Lexed {
                tokens,
                error: None,
                close: Some(close),
            };
        }
        let Some(ch) = source.get(at..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        let b = bytes[at];
        if ch.is_whitespace() {
            at += ch.len_utf8();
        } else if b.is_ascii_digit() {
            let after_dot = tokens
                .last()
                .is_some_and(|t| t.kind == TokenKind::Op && t.span.text(source) == ".");
            let (len, kind) = number_len(&bytes[at..limit], after_dot);
            tokens.push(Token {
                kind,
                span: Span::new(at, at + len),
            });
            at += len;
        } else if ch == '_' || ch.is_alphabetic() {
            let len = source[at..limit]
                .char_indices()
                .find(|&(_, c)| !(c == '_' || c.is_alphanumeric()))
                .map_or(limit - at, |(i, _)| i);
            tokens.push(Token {
                kind: TokenKind::Name,
                span: Span::new(at, at + len),
            });
            at += len;
        } else if ch == '\'' || ch == '"' {
            match string_len(&bytes[at..end], b) {
                Some(len) => {
                    tokens.push(Token {
                        kind: TokenKind::Str,
                        span: Span::new(at, at + len),
                    });
                    at += len;
                }
                None => {
                    return fail(
                        at,
                        1,
                        format!("the string starting with `{ch}` is never closed"),
                        tokens,
                    );
                }
            }
        } else if b == b'{' && matches!(bytes.get(at + 1), Some(b'{' | b'%' | b'#')) {
            // A new tag opens inside this one: this one was never closed. (Jinja would read
            // `{{` as two dict braces, but no real expression nests a dict as a dict key.)
            return Lexed {
                tokens,
                error: Some((Span::new(at, at + 2), NEW_TAG_OPENS.into())),
                close: None,
            };
        } else if let Some(op) = OPERATORS.iter().find(|op| source[at..].starts_with(**op)) {
            let len = op.len();
            match b {
                b'(' | b'[' | b'{' => {
                    if brackets.len() >= MAX_BRACKET_DEPTH {
                        return fail(
                            at,
                            len,
                            format!("brackets nested more than {MAX_BRACKET_DEPTH} deep"),
                            tokens,
                        );
                    }
                    brackets.push(b);
                }
                b')' | b']' | b'}' => {
                    let expected = match b {
                        b')' => b'(',
                        b']' => b'[',
                        _ => b'{',
                    };
                    match brackets.pop() {
                        Some(open) if open == expected => {}
                        Some(open) => {
                            let wanted = closing_of(open);
                            return fail(
                                at,
                                len,
                                format!("unexpected `{ch}`: expected `{wanted}` first"),
                                tokens,
                            );
                        }
                        None => {
                            let hint = match (kind, ch) {
                                (TagKind::Output, '}') => ": a tag closes with `}}`",
                                (TagKind::Statement, '}') => ": a tag closes with `%}`",
                                _ => "",
                            };
                            return fail(at, len, format!("unexpected `{ch}`{hint}"), tokens);
                        }
                    }
                }
                _ => {}
            }
            tokens.push(Token {
                kind: TokenKind::Op,
                span: Span::new(at, at + len),
            });
            at += len;
        } else {
            return fail(
                at,
                ch.len_utf8(),
                format!("unexpected character `{ch}`"),
                tokens,
            );
        }
    }
    Lexed {
        tokens,
        error: None,
        close: None,
    }
}

fn closing_of(open: u8) -> char {
    match open {
        b'(' => ')',
        b'[' => ']',
        _ => '}',
    }
}

/// The closing delimiter at `at`, if there is one.
fn close_at(source: &str, at: usize, kind: TagKind) -> Option<Close> {
    let rest = source.get(at..)?;
    let (signs, closer): (&[&str], &str) = match kind {
        TagKind::Output => (&["-"], "}}"),
        TagKind::Statement => (&["-", "+"], "%}"),
    };
    if rest.starts_with(closer) {
        return Some(Close {
            inner_end: at,
            tag_end: at + closer.len(),
        });
    }
    signs
        .iter()
        .find(|sign| {
            rest.strip_prefix(**sign)
                .is_some_and(|r| r.starts_with(closer))
        })
        .map(|sign| Close {
            inner_end: at,
            tag_end: at + sign.len() + closer.len(),
        })
}

/// After a lexical error, where the broken tag ends: the next closing delimiter, unless a new
/// tag opens first (then the tag is unclosed).
fn recover_close(source: &str, from: usize, end: usize, kind: TagKind) -> Option<Close> {
    let text = source.get(from..end)?;
    let closer = match kind {
        TagKind::Output => "}}",
        TagKind::Statement => "%}",
    };
    let close = text.find(closer)?;
    let opener = super::body::find_opener(text, 0);
    if opener.is_some_and(|open| open < close) {
        return None;
    }
    let tag_end = from + close + closer.len();
    let mut inner_end = from + close;
    if inner_end > from && matches!(source.as_bytes()[inner_end - 1], b'-' | b'+') {
        inner_end -= 1;
    }
    Some(Close { inner_end, tag_end })
}

/// Length and kind of the number at the start of `bytes` (which starts with a digit). After a
/// `.` only an integer is read, as Jinja's float pattern refuses to start right after a dot
/// (so `items.0.name` is three lookups).
fn number_len(bytes: &[u8], after_dot: bool) -> (usize, TokenKind) {
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b'_'))
            .map_or(bytes.len(), |i| from + i)
    };
    if bytes.len() > 1 && bytes[0] == b'0' && matches!(bytes[1] | 0x20, b'x' | b'o' | b'b') {
        let len = bytes[2..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .map_or(bytes.len(), |i| 2 + i);
        return (len, TokenKind::Int);
    }
    let mut len = digits(0);
    if after_dot {
        return (len, TokenKind::Int);
    }
    let mut kind = TokenKind::Int;
    if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
        len = digits(len + 1);
        kind = TokenKind::Float;
    }
    if bytes.get(len).is_some_and(|b| b | 0x20 == b'e') {
        let mut exp = len + 1;
        if matches!(bytes.get(exp), Some(b'+' | b'-')) {
            exp += 1;
        }
        if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
            len = digits(exp);
            kind = TokenKind::Float;
        }
    }
    (len, kind)
}

/// Length of the quoted string at the start of `bytes` (backslash escapes the next byte), or
/// `None` when it never closes.
fn string_len(bytes: &[u8], quote: u8) -> Option<usize> {
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(inside: &str) -> Vec<(TokenKind, &str)> {
        let source = format!("{{{{{inside}}}}}");
        let lexed = lex_tag(&source, 2, source.len(), TagKind::Output);
        assert!(lexed.error.is_none(), "{:?}", lexed.error);
        assert!(lexed.close.is_some());
        let tokens: Vec<_> = lexed
            .tokens
            .iter()
            .map(|t| (t.kind, t.span.start, t.span.end))
            .collect();
        tokens
            .into_iter()
            .map(|(k, s, e)| (k, &inside[s - 2..e - 2]))
            .collect()
    }

    #[test]
    fn tokens_of_an_expression() {
        use TokenKind::*;
        assert_eq!(
            kinds(" a.b[0] | join(', ') ~ 1.5e3 // 2 "),
            [
                (Name, "a"),
                (Op, "."),
                (Name, "b"),
                (Op, "["),
                (Int, "0"),
                (Op, "]"),
                (Op, "|"),
                (Name, "join"),
                (Op, "("),
                (Str, "', '"),
                (Op, ")"),
                (Op, "~"),
                (Float, "1.5e3"),
                (Op, "//"),
                (Int, "2"),
            ]
        );
        assert_eq!(
            kinds("x.0.1"),
            [(Name, "x"), (Op, "."), (Int, "0"), (Op, "."), (Int, "1")]
        );
    }

    #[test]
    fn braces_inside_brackets_and_strings_do_not_close() {
        let source = "{{ {'a': '}}'} }} tail";
        let lexed = lex_tag(source, 2, source.len(), TagKind::Output);
        assert_eq!(
            lexed.close.map(|c| &source[..c.tag_end]),
            Some("{{ {'a': '}}'} }}")
        );
    }
}
