//! Tokens inside one Handlebars tag (between `{{` and `}}`), following handlebars.js's lexer:
//! identifiers, `[literal segments]`, strings, numbers, `@`, `.`/`/` separators, `=`, `(`, `)`,
//! `|`, and the `as |params|` keyword.

use crate::text::Span;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// An identifier or a `[bracketed]` segment; the text is the segment's name.
    Id(String),
    String(String),
    Number(f64),
    Boolean(bool),
    Null,
    Undefined,
    /// `@`
    Data,
    /// `.` or `/` between segments
    Separator,
    /// `..`
    Parent,
    /// `.` alone: the current context
    Dot,
    Equals,
    OpenParen,
    CloseParen,
    /// `as |`
    OpenBlockParams,
    /// `|`
    Pipe,
    /// Anything the grammar does not allow; carries what was found.
    Unexpected(char),
    /// A string with no closing quote.
    UnterminatedString,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Characters that cannot appear in an identifier (handlebars.js's `ID` rule), besides
/// whitespace and control characters.
fn is_id_char(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '!' | '"'
                | '#'
                | '%'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | '.'
                | '/'
                | ';'
                | '<'
                | '='
                | '>'
                | '@'
                | '['
                | '\\'
                | ']'
                | '^'
                | '`'
                | '{'
                | '|'
                | '}'
                | '~'
        ))
}

/// What may follow a literal for it to be a literal and not the start of an identifier.
fn ends_literal(next: Option<char>) -> bool {
    match next {
        None => true,
        Some(c) => c.is_whitespace() || matches!(c, '}' | ')' | '~' | '|' | '='),
    }
}

/// Splits `text` (the inside of a tag, starting at byte `base` of the source) into tokens.
pub(crate) fn tokenize(text: &str, base: usize) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut lexer = Lexer { text, pos: 0 };
    while let Some(token) = lexer.next_token() {
        tokens.push(Token {
            kind: token.0,
            span: Span::new(base + token.1, base + lexer.pos),
        });
    }
    tokens
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl Lexer<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn next_token(&mut self) -> Option<(TokenKind, usize)> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let c = self.peek()?;
        let kind = match c {
            '"' | '\'' => self.string(c),
            '[' => self.bracket_segment(),
            '@' => self.single(TokenKind::Data),
            '=' => self.single(TokenKind::Equals),
            '(' => self.single(TokenKind::OpenParen),
            ')' => self.single(TokenKind::CloseParen),
            '|' => self.single(TokenKind::Pipe),
            '/' => self.single(TokenKind::Separator),
            '.' if self.peek_at(1) == Some('.') => {
                self.pos += 2;
                TokenKind::Parent
            }
            '.' => {
                self.bump();
                // `.` is the current context when a segment cannot follow it directly.
                match self.peek() {
                    Some(n) if is_id_char(n) || n == '[' => TokenKind::Separator,
                    _ if start == 0 || self.text[..start].ends_with(char::is_whitespace) => {
                        TokenKind::Dot
                    }
                    _ => TokenKind::Separator,
                }
            }
            '-' | '0'..='9' if self.number_ahead() => self.number(),
            c if is_id_char(c) => self.identifier(),
            other => {
                self.bump();
                TokenKind::Unexpected(other)
            }
        };
        Some((kind, start))
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.bump();
        kind
    }

    fn string(&mut self, quote: char) -> TokenKind {
        self.bump();
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return TokenKind::UnterminatedString,
                Some('\\') if self.peek() == Some(quote) => {
                    self.bump();
                    value.push(quote);
                }
                Some(c) if c == quote => return TokenKind::String(value),
                Some(c) => value.push(c),
            }
        }
    }

    fn bracket_segment(&mut self) -> TokenKind {
        self.bump();
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return TokenKind::Unexpected('['),
                Some('\\') if self.peek() == Some(']') => {
                    self.bump();
                    value.push(']');
                }
                Some(']') => return TokenKind::Id(value),
                Some(c) => value.push(c),
            }
        }
    }

    fn number_ahead(&self) -> bool {
        let rest = self.rest();
        let digits = rest.strip_prefix('-').unwrap_or(rest);
        let int_len = digits.bytes().take_while(u8::is_ascii_digit).count();
        if int_len == 0 {
            return false;
        }
        let mut len = rest.len() - digits.len() + int_len;
        if let Some(fraction) = rest[len..].strip_prefix('.') {
            let frac_len = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if frac_len > 0 {
                len += 1 + frac_len;
            }
        }
        ends_literal(rest[len..].chars().next())
    }

    fn number(&mut self) -> TokenKind {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.bump();
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
            self.bump();
        }
        self.text[start..self.pos]
            .parse()
            .map_or(TokenKind::Unexpected('-'), TokenKind::Number)
    }

    fn identifier(&mut self) -> TokenKind {
        let start = self.pos;
        while self.peek().is_some_and(is_id_char) {
            self.bump();
        }
        let word = &self.text[start..self.pos];
        let literal_end = ends_literal(self.peek());
        match word {
            "true" if literal_end => TokenKind::Boolean(true),
            "false" if literal_end => TokenKind::Boolean(false),
            "null" if literal_end => TokenKind::Null,
            "undefined" if literal_end => TokenKind::Undefined,
            "as" if self.block_params_ahead() => {
                while self.peek().is_some_and(char::is_whitespace) {
                    self.bump();
                }
                self.bump(); // the `|` that block_params_ahead found
                TokenKind::OpenBlockParams
            }
            _ => TokenKind::Id(word.to_string()),
        }
    }

    fn block_params_ahead(&self) -> bool {
        let rest = self.rest();
        rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with('|')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<TokenKind> {
        tokenize(text, 0).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn paths_literals_and_hashes() {
        use TokenKind::*;
        assert_eq!(
            kinds(r#"helper a.b "s t" 12 -1.5 true null key=value"#),
            vec![
                Id("helper".into()),
                Id("a".into()),
                Separator,
                Id("b".into()),
                String("s t".into()),
                Number(12.0),
                Number(-1.5),
                Boolean(true),
                Null,
                Id("key".into()),
                Equals,
                Id("value".into()),
            ]
        );
    }

    #[test]
    fn data_parents_brackets_and_block_params() {
        use TokenKind::*;
        assert_eq!(
            kinds("each ../items.[odd key] as |item i|"),
            vec![
                Id("each".into()),
                Parent,
                Separator,
                Id("items".into()),
                Separator,
                Id("odd key".into()),
                OpenBlockParams,
                Id("item".into()),
                Id("i".into()),
                Pipe,
            ]
        );
        assert_eq!(
            kinds("@root.x"),
            vec![Data, Id("root".into()), Separator, Id("x".into())]
        );
        assert_eq!(kinds("."), vec![Dot]);
    }

    #[test]
    fn ids_may_contain_dashes_and_non_ascii() {
        assert_eq!(kinds("my-helper"), vec![TokenKind::Id("my-helper".into())]);
        assert_eq!(kinds("名前"), vec![TokenKind::Id("名前".into())]);
        assert_eq!(kinds("true-ish"), vec![TokenKind::Id("true-ish".into())]);
    }

    #[test]
    fn spans_are_offset_into_the_source() {
        let tokens = tokenize(" é x", 10);
        assert_eq!(tokens[0].span, Span::new(11, 13));
        assert_eq!(tokens[1].span, Span::new(14, 15));
    }

    #[test]
    fn broken_input_yields_tokens_not_panics() {
        assert_eq!(kinds("\"open"), vec![TokenKind::UnterminatedString]);
        assert_eq!(kinds("a } b").get(1), Some(&TokenKind::Unexpected('}')));
        assert_eq!(kinds("[open"), vec![TokenKind::Unexpected('[')]);
    }
}
