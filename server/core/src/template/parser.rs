//! An error-tolerant Handlebars parser with exact spans.
//!
//! The handlebars crate renders, but it stops at the first error and keeps no spans, and an
//! editor needs the whole tree of a half-typed file. So the structure is parsed here by hand:
//! tags are found by scanning for `{{`, their insides are tokenized (see `lexer`) and parsed by
//! recursive descent, and blocks are matched with an explicit stack so deep nesting never
//! recurses. A broken tag becomes one [`Node::Invalid`] and one error; parsing resumes after it.

use super::lexer::{Token, TokenKind, tokenize};
use super::syntax::*;
use crate::text::Span;

/// Blocks nested deeper than this are not followed (handlebars itself recurses per level).
pub const MAX_BLOCK_DEPTH: usize = 256;
/// Sub-expressions nested deeper than this are rejected.
const MAX_SUBEXPRESSION_DEPTH: usize = 64;

/// Parses `source[start..]` as a Handlebars template. Spans are offsets into `source`.
pub fn parse_template(source: &str, start: usize) -> Template {
    let start = start.min(source.len());
    let mut parser = Parser {
        source,
        pos: start,
        stack: Vec::new(),
        root: Vec::new(),
        errors: Vec::new(),
    };
    parser.run();
    Template {
        nodes: parser.root,
        errors: parser.errors,
        span: Span::new(start, source.len()),
    }
}

struct Parser<'s> {
    source: &'s str,
    pos: usize,
    stack: Vec<Block>,
    root: Vec<Node>,
    errors: Vec<TemplateError>,
}

/// Where a tag's delimiters are, before its inside is parsed.
struct RawTag {
    span: Span,
    /// The inside: after `{{`, `~` and the sigil; before `~` and `}}`.
    inner: Span,
    strip_before: bool,
    strip_after: bool,
    triple: bool,
    closed: bool,
}

impl<'s> Parser<'s> {
    fn run(&mut self) {
        while self.pos < self.source.len() {
            let Some(open) = self.find_open(self.pos) else {
                self.push_text(self.pos, self.source.len());
                break;
            };
            self.push_text(self.pos, open);
            if self.source[open..].starts_with("{{{{") {
                self.raw_block(open);
            } else if self.comment_at(open) {
                self.comment(open);
            } else {
                self.tag(open);
            }
            if self.stack.len() > MAX_BLOCK_DEPTH {
                self.too_deep();
                return;
            }
        }
        self.close_all_unclosed(true);
    }

    /// The next `{{` that opens a tag; `\{{` is an escaped, literal mustache.
    fn find_open(&self, from: usize) -> Option<usize> {
        let mut at = from;
        loop {
            let found = at + self.source[at..].find("{{")?;
            let bytes = self.source.as_bytes();
            let escaped =
                found > 0 && bytes[found - 1] == b'\\' && !(found > 1 && bytes[found - 2] == b'\\');
            if !escaped {
                return Some(found);
            }
            at = found + 2;
        }
    }

    fn push_text(&mut self, start: usize, end: usize) {
        if end > start {
            self.push(Node::Text(Span::new(start, end)));
        }
    }

    fn push(&mut self, node: Node) {
        let children = match self.stack.last_mut() {
            None => &mut self.root,
            Some(block) => match block.else_branches.last_mut() {
                Some(branch) => &mut branch.body,
                None => &mut block.body,
            },
        };
        children.push(node);
    }

    fn error(&mut self, span: Span, kind: TemplateErrorKind, message: impl Into<String>) {
        self.errors.push(TemplateError {
            span,
            kind,
            message: message.into(),
        });
    }

    fn comment_at(&self, open: usize) -> bool {
        let after = &self.source[open + 2..];
        after.starts_with('!') || after.starts_with("~!")
    }

    fn comment(&mut self, open: usize) {
        let mut at = open + 2;
        let strip_before = self.source[at..].starts_with('~');
        if strip_before {
            at += 1;
        }
        at += 1; // `!`
        let long = self.source[at..].starts_with("--");
        let content_start = if long { at + 2 } else { at };
        let terminator = if long { "--" } else { "" };
        let end = self.source[content_start..]
            .find(&format!("{terminator}}}}}"))
            .map(|found| content_start + found);
        let Some(close) = end else {
            let span = Span::new(open, self.source.len());
            let hint = if long { "--}}" } else { "}}" };
            self.error(
                Span::new(open, content_start),
                TemplateErrorKind::UnclosedComment,
                format!("this comment is never closed: add `{hint}` where it should end"),
            );
            self.push(Node::Comment(Comment {
                tag: Tag {
                    span,
                    strip_before,
                    strip_after: false,
                },
                content: Span::new(content_start, self.source.len()),
            }));
            self.pos = self.source.len();
            return;
        };
        let mut content_end = close;
        let mut strip_after = false;
        if self.source[..close].ends_with('~') && close > content_start {
            content_end -= 1;
            strip_after = true;
        }
        let tag_end = close + terminator.len() + 2;
        self.push(Node::Comment(Comment {
            tag: Tag {
                span: Span::new(open, tag_end),
                strip_before,
                strip_after,
            },
            content: Span::new(content_start, content_end),
        }));
        self.pos = tag_end;
    }

    /// `{{{{name}}}} ... {{{{/name}}}}`: the body is text, whatever it contains.
    fn raw_block(&mut self, open: usize) {
        let Some(open_end) = self.source[open..].find("}}}}").map(|i| open + i + 4) else {
            self.unclosed_tag(open, "}}}}");
            return;
        };
        let inner = Span::new(open + 4, open_end - 4);
        let tokens = tokenize(inner.text(self.source), inner.start);
        let call = match CallParser::new(&tokens, inner).call_until_end() {
            Ok(call) => call,
            Err(error) => {
                self.invalid(Span::new(open, open_end), error);
                return;
            }
        };
        let name = call.target_text(self.source).to_string();
        let close_text = format!("{{{{{{{{/{name}}}}}}}}}");
        let open_tag = Tag {
            span: Span::new(open, open_end),
            strip_before: false,
            strip_after: false,
        };
        let (body_end, close) = match self.source[open_end..].find(&close_text) {
            Some(i) => {
                let close_start = open_end + i;
                let close_span = Span::new(close_start, close_start + close_text.len());
                let name_start = close_start + 5;
                let close = CloseTag {
                    tag: Tag {
                        span: close_span,
                        strip_before: false,
                        strip_after: false,
                    },
                    name: Ident {
                        span: Span::new(name_start, name_start + name.len()),
                        name,
                    },
                };
                (close_start, Some(close))
            }
            None => {
                self.error(
                    open_tag.span,
                    TemplateErrorKind::UnclosedBlock,
                    format!("this raw block is never closed: add `{close_text}` where it ends"),
                );
                (self.source.len(), None)
            }
        };
        let body = if body_end > open_end {
            vec![Node::Text(Span::new(open_end, body_end))]
        } else {
            Vec::new()
        };
        let end = close.as_ref().map_or(body_end, |c| c.tag.span.end);
        self.push(Node::Block(Block {
            kind: BlockKind::Raw,
            span: Span::new(open, end),
            open: open_tag,
            call,
            block_params: Vec::new(),
            body,
            else_branches: Vec::new(),
            close,
        }));
        self.pos = end;
    }

    fn unclosed_tag(&mut self, open: usize, closer: &str) {
        // Without a `}}` the tag's end is unknowable; the next `{{` or line end is the best
        // guess for where the user stopped typing, and the rest of the file parses on.
        let rest = &self.source[open + 2..];
        let end = open
            + 2
            + [rest.find("{{"), rest.find('\n')]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(rest.len());
        self.error(
            Span::new(open, end),
            TemplateErrorKind::UnclosedTag,
            format!("this tag is never closed: add `{closer}`"),
        );
        self.push(Node::Invalid(Span::new(open, end)));
        self.pos = end;
    }

    fn invalid(&mut self, tag: Span, error: SyntaxError) {
        self.error(error.span, TemplateErrorKind::InvalidTag, error.message);
        self.push(Node::Invalid(tag));
        self.pos = tag.end;
    }

    fn scan_tag(&self, open: usize) -> RawTag {
        let triple = self.source[open..].starts_with("{{{");
        let mut at = open + if triple { 3 } else { 2 };
        let strip_before = self.source[at..].starts_with('~');
        if strip_before {
            at += 1;
        }
        let closer = if triple { "}}}" } else { "}}" };
        let bytes = self.source.as_bytes();
        let mut i = at;
        while i < bytes.len() {
            match bytes[i] {
                b'"' | b'\'' => {
                    // Skip a string only when it closes within the tag; otherwise the quote
                    // is a typo and the tag still ends at the next `}}`.
                    let quote = bytes[i];
                    let limit = self.source[i + 1..]
                        .find("}}")
                        .map_or(bytes.len(), |k| i + 1 + k);
                    match bytes[i + 1..limit].iter().position(|&b| b == quote) {
                        Some(k) => i += k + 2,
                        None => i += 1,
                    }
                }
                b'{' if self.source[i..].starts_with("{{") => break,
                b'}' if self.source[i..].starts_with(closer) => {
                    let strip_after = i > at && bytes[i - 1] == b'~';
                    let inner_end = if strip_after { i - 1 } else { i };
                    return RawTag {
                        span: Span::new(open, i + closer.len()),
                        inner: Span::new(at, inner_end),
                        strip_before,
                        strip_after,
                        triple,
                        closed: true,
                    };
                }
                _ => i += 1,
            }
        }
        RawTag {
            span: Span::new(open, i),
            inner: Span::new(at, i),
            strip_before,
            strip_after: false,
            triple,
            closed: false,
        }
    }

    fn tag(&mut self, open: usize) {
        let raw = self.scan_tag(open);
        if !raw.closed {
            self.unclosed_tag(open, if raw.triple { "}}}" } else { "}}" });
            return;
        }
        self.pos = raw.span.end;
        let tag = Tag {
            span: raw.span,
            strip_before: raw.strip_before,
            strip_after: raw.strip_after,
        };
        let inner = raw.inner.text(self.source);
        let trimmed_start = raw.inner.start + (inner.len() - inner.trim_start().len());
        let rest = &self.source[trimmed_start..raw.inner.end];

        if raw.triple {
            return self.expression(tag, Span::new(raw.inner.start, raw.inner.end), false);
        }
        let after = |n: usize| Span::new(trimmed_start + n, raw.inner.end);
        if rest.starts_with("#>") {
            self.open_block(tag, BlockKind::PartialBlock, after(2));
        } else if rest.starts_with("#*") {
            self.open_block(tag, BlockKind::Decorator, after(2));
        } else if rest.starts_with('#') {
            self.open_block(tag, BlockKind::Section, after(1));
        } else if let Some(after_caret) = rest.strip_prefix('^') {
            if after_caret.trim().is_empty() {
                self.else_branch(tag, after(1));
            } else {
                self.open_block(tag, BlockKind::Inverted, after(1));
            }
        } else if rest.starts_with('/') {
            self.close_block(tag, after(1));
        } else if rest.starts_with('>') {
            self.partial(tag, after(1));
        } else if rest.starts_with('&') {
            self.expression(tag, after(1), false);
        } else if rest.starts_with('*') {
            // A decorator statement (`{{*decorator}}`): kept as an expression for analysis.
            self.expression(tag, after(1), true);
        } else if is_else(rest) {
            self.else_branch(tag, after(4));
        } else {
            self.expression(tag, raw.inner, true);
        }
    }

    fn expression(&mut self, tag: Tag, inner: Span, escaped: bool) {
        let tokens = tokenize(inner.text(self.source), inner.start);
        match CallParser::new(&tokens, inner).call_until_end() {
            Ok(call) => self.push(Node::Expression(Expression { tag, call, escaped })),
            Err(error) => self.invalid(tag.span, error),
        }
    }

    fn open_block(&mut self, tag: Tag, kind: BlockKind, inner: Span) {
        let tokens = tokenize(inner.text(self.source), inner.start);
        let (call, block_params) = match CallParser::new(&tokens, inner).block_opening() {
            Ok(parsed) => parsed,
            Err(error) => {
                // Keep the block open so its `{{/name}}` still matches: one broken tag, one error.
                self.error(error.span, TemplateErrorKind::InvalidTag, error.message);
                let name = tokens.first().map_or(Span::empty(inner.start), |t| t.span);
                (Call::placeholder(name, &tokens), Vec::new())
            }
        };
        self.stack.push(Block {
            kind,
            span: tag.span,
            open: tag,
            call,
            block_params,
            body: Vec::new(),
            else_branches: Vec::new(),
            close: None,
        });
    }

    fn else_branch(&mut self, tag: Tag, inner: Span) {
        if self.stack.is_empty() {
            self.error(
                tag.span,
                TemplateErrorKind::StrayElse,
                "`{{else}}` outside of any block: remove it, or open a block such as `{{#if}}` before it",
            );
            self.push(Node::Invalid(tag.span));
            return;
        }
        let tokens = tokenize(inner.text(self.source), inner.start);
        let (chain, block_params) = if tokens.is_empty() {
            (None, Vec::new())
        } else {
            match CallParser::new(&tokens, inner).block_opening() {
                Ok((call, params)) => (Some(call), params),
                Err(error) => {
                    self.error(error.span, TemplateErrorKind::InvalidTag, error.message);
                    (None, Vec::new())
                }
            }
        };
        if let Some(block) = self.stack.last_mut() {
            block.else_branches.push(ElseBranch {
                tag,
                chain,
                block_params,
                body: Vec::new(),
            });
        }
    }

    fn close_block(&mut self, tag: Tag, inner: Span) {
        let text = inner.text(self.source);
        let name_text = text.trim();
        let name_start = inner.start + (text.len() - text.trim_start().len());
        let name = Ident {
            span: Span::new(name_start, name_start + name_text.len()),
            name: name_text.to_string(),
        };
        let matching = self
            .stack
            .iter()
            .rposition(|block| block.call.target_text(self.source) == name_text);
        let Some(index) = matching else {
            let message = match self.stack.last() {
                Some(open) => format!(
                    "`{{{{/{name_text}}}}}` does not match the open `{{{{#{}}}}}`: close that block first, or fix the name",
                    open.call.target_text(self.source)
                ),
                None => format!(
                    "`{{{{/{name_text}}}}}` closes a block that was never opened: remove it, or add `{{{{#{name_text}}}}}` before it"
                ),
            };
            self.error(tag.span, TemplateErrorKind::UnexpectedClose, message);
            self.push(Node::Invalid(tag.span));
            return;
        };
        while self.stack.len() > index + 1 {
            self.finish_unclosed(true);
        }
        if let Some(mut block) = self.stack.pop() {
            block.span = block.span.cover(tag.span);
            block.close = Some(CloseTag { tag, name });
            self.push(Node::Block(block));
        }
    }

    fn partial(&mut self, tag: Tag, inner: Span) {
        let tokens = tokenize(inner.text(self.source), inner.start);
        match CallParser::new(&tokens, inner).partial() {
            Ok((name, context, hash)) => self.push(Node::Partial(Partial {
                tag,
                name,
                context,
                hash,
            })),
            Err(error) => self.invalid(tag.span, error),
        }
    }

    /// Pops the innermost block, which has no close tag, into its parent.
    fn finish_unclosed(&mut self, report: bool) {
        let Some(mut block) = self.stack.pop() else {
            return;
        };
        if report {
            let name = block.call.target_text(self.source).to_string();
            self.error(
                block.open.span,
                TemplateErrorKind::UnclosedBlock,
                format!("this block is never closed: add `{{{{/{name}}}}}` where it should end"),
            );
        }
        let last_child = block
            .else_branches
            .last()
            .and_then(|b| b.body.last())
            .or(block.body.last())
            .map(Node::span);
        let last_else = block.else_branches.last().map(|b| b.tag.span);
        for end in [last_child, last_else].into_iter().flatten() {
            block.span = block.span.cover(end);
        }
        self.push(Node::Block(block));
    }

    fn close_all_unclosed(&mut self, report: bool) {
        while !self.stack.is_empty() {
            self.finish_unclosed(report);
        }
    }

    fn too_deep(&mut self) {
        let at = self
            .stack
            .last()
            .map_or(self.pos, |block| block.open.span.start);
        self.error(
            Span::new(at, self.source.len()),
            TemplateErrorKind::TooDeep,
            format!(
                "blocks are nested more than {MAX_BLOCK_DEPTH} deep here; the rest of the file is not checked: flatten the template or move parts into partials"
            ),
        );
        // The innermost block's open tag starts the unparsed rest.
        if let Some(block) = self.stack.pop() {
            self.push(Node::Invalid(Span::new(
                block.open.span.start,
                self.source.len(),
            )));
        }
        self.close_all_unclosed(false);
        self.pos = self.source.len();
    }
}

fn is_else(rest: &str) -> bool {
    rest.strip_prefix("else")
        .is_some_and(|after| after.is_empty() || after.starts_with(char::is_whitespace))
}

impl Call {
    /// The target as written (`each`, `../x`, `layout`), used to match open and close tags.
    pub fn target_text<'s>(&self, source: &'s str) -> &'s str {
        self.target.span().text(source)
    }

    fn placeholder(name: Span, tokens: &[Token]) -> Call {
        let segments = match tokens.first() {
            Some(Token {
                kind: TokenKind::Id(name),
                span,
            }) => vec![Ident {
                span: *span,
                name: name.clone(),
            }],
            _ => Vec::new(),
        };
        Call {
            span: name,
            target: Expr::Path(Path {
                span: name,
                data: false,
                parents: 0,
                this: false,
                segments,
            }),
            params: Vec::new(),
            hash: Vec::new(),
        }
    }
}

struct SyntaxError {
    span: Span,
    message: String,
}

/// Recursive descent over the tokens of one tag.
struct CallParser<'t> {
    tokens: &'t [Token],
    index: usize,
    inner: Span,
    depth: usize,
}

type PartialParts = (Expr, Option<Expr>, Vec<HashPair>);

impl<'t> CallParser<'t> {
    fn new(tokens: &'t [Token], inner: Span) -> Self {
        Self {
            tokens,
            index: 0,
            inner,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<&'t Token> {
        self.tokens.get(self.index)
    }

    fn peek_kind(&self) -> Option<&'t TokenKind> {
        self.peek().map(|t| &t.kind)
    }

    fn next(&mut self) -> Option<&'t Token> {
        let token = self.tokens.get(self.index)?;
        self.index += 1;
        Some(token)
    }

    fn fail<T>(&self, span: Span, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            span,
            message: message.into(),
        })
    }

    fn here(&self) -> Span {
        self.peek()
            .map_or(Span::empty(self.inner.end), |token| token.span)
    }

    fn call_until_end(&mut self) -> Result<Call, SyntaxError> {
        let call = self.call()?;
        self.expect_end()?;
        Ok(call)
    }

    fn block_opening(&mut self) -> Result<(Call, Vec<Ident>), SyntaxError> {
        let call = self.call()?;
        let mut params = Vec::new();
        if let Some(TokenKind::OpenBlockParams) = self.peek_kind() {
            self.next();
            loop {
                match self.next() {
                    Some(Token {
                        kind: TokenKind::Id(name),
                        span,
                    }) => params.push(Ident {
                        span: *span,
                        name: name.clone(),
                    }),
                    Some(Token {
                        kind: TokenKind::Pipe,
                        ..
                    }) if !params.is_empty() => break,
                    Some(token) => {
                        return self.fail(
                            token.span,
                            "block parameters are names between pipes: `as |item index|`",
                        );
                    }
                    None => {
                        return self.fail(
                            Span::empty(self.inner.end),
                            "block parameters need a closing `|`: `as |item index|`",
                        );
                    }
                }
            }
        }
        self.expect_end()?;
        Ok((call, params))
    }

    fn partial(&mut self) -> Result<PartialParts, SyntaxError> {
        let name = match self.peek_kind() {
            Some(TokenKind::OpenParen) => self.expr()?,
            Some(TokenKind::String(_) | TokenKind::Number(_)) => self.expr()?,
            Some(TokenKind::Id(_)) => self.partial_name()?,
            _ => {
                return self.fail(
                    self.here(),
                    "a partial needs a name: `{{> name}}` includes `_name.prompt`",
                );
            }
        };
        let context = match self.peek_kind() {
            Some(TokenKind::Id(_)) if self.next_is_equals(1) => None,
            None => None,
            _ => Some(self.expr()?),
        };
        let hash = self.hash_pairs()?;
        self.expect_end()?;
        Ok((name, context, hash))
    }

    /// Partial names may contain `/`, `.` and `-` (`{{> dir/name.v2}}`): take every token up
    /// to the first whitespace gap as one name.
    fn partial_name(&mut self) -> Result<Expr, SyntaxError> {
        let first = self.here();
        let mut span = first;
        let mut segments = Vec::new();
        while let Some(token) = self.peek() {
            let adjacent = token.span.start == span.end || segments.is_empty();
            if !adjacent {
                break;
            }
            match &token.kind {
                TokenKind::Id(name) => segments.push(Ident {
                    span: token.span,
                    name: name.clone(),
                }),
                TokenKind::Separator | TokenKind::Dot => {}
                _ => break,
            }
            span = span.cover(token.span);
            self.next();
        }
        Ok(Expr::Path(Path {
            span,
            data: false,
            parents: 0,
            this: false,
            segments,
        }))
    }

    fn expect_end(&self) -> Result<(), SyntaxError> {
        match self.peek() {
            None => Ok(()),
            Some(token) => self.fail(token.span, unexpected(&token.kind)),
        }
    }

    fn next_is_equals(&self, offset: usize) -> bool {
        matches!(
            self.tokens.get(self.index + offset).map(|t| &t.kind),
            Some(TokenKind::Equals)
        )
    }

    fn call(&mut self) -> Result<Call, SyntaxError> {
        if self.peek().is_none() {
            return self.fail(
                Span::empty(self.inner.start),
                "empty tag: write a variable or helper name between the braces",
            );
        }
        let target = self.expr()?;
        let mut params = Vec::new();
        loop {
            match self.peek_kind() {
                None | Some(TokenKind::CloseParen | TokenKind::OpenBlockParams) => break,
                Some(TokenKind::Id(_)) if self.next_is_equals(1) => break,
                _ => {
                    let last_end = params.last().map_or(target.span(), Expr::span).end;
                    if self.here().start == last_end {
                        return self.fail(
                            self.here(),
                            "arguments must be separated by spaces: `helper a b`",
                        );
                    }
                    params.push(self.expr()?);
                }
            }
        }
        let hash = self.hash_pairs()?;
        let mut span = target.span();
        if let Some(last) = params.last() {
            span = span.cover(last.span());
        }
        if let Some(last) = hash.last() {
            span = span.cover(last.span);
        }
        Ok(Call {
            span,
            target,
            params,
            hash,
        })
    }

    fn hash_pairs(&mut self) -> Result<Vec<HashPair>, SyntaxError> {
        let mut pairs = Vec::new();
        while let Some(Token {
            kind: TokenKind::Id(key),
            span,
        }) = self.peek()
        {
            if !self.next_is_equals(1) {
                return self.fail(
                    *span,
                    "positional arguments must come before `key=value` arguments",
                );
            }
            self.index += 2;
            if matches!(
                self.peek_kind(),
                None | Some(TokenKind::CloseParen | TokenKind::OpenBlockParams)
            ) {
                return self.fail(
                    span.cover(self.tokens[self.index - 1].span),
                    format!("`{key}=` needs a value: `{key}=\"text\"` or `{key}=variable`"),
                );
            }
            let value = self.expr()?;
            pairs.push(HashPair {
                span: span.cover(value.span()),
                key: Ident {
                    span: *span,
                    name: key.clone(),
                },
                value,
            });
        }
        Ok(pairs)
    }

    fn expr(&mut self) -> Result<Expr, SyntaxError> {
        let Some(token) = self.peek() else {
            return self.fail(self.here(), "expected a value here");
        };
        let literal = |value| {
            Ok(Expr::Literal(Literal {
                span: token.span,
                value,
            }))
        };
        match &token.kind {
            TokenKind::OpenParen => self.subexpression(),
            TokenKind::String(s) => {
                self.next();
                literal(LiteralValue::String(s.clone()))
            }
            TokenKind::Number(n) => {
                self.next();
                literal(LiteralValue::Number(*n))
            }
            TokenKind::Boolean(b) => {
                self.next();
                literal(LiteralValue::Boolean(*b))
            }
            TokenKind::Null => {
                self.next();
                literal(LiteralValue::Null)
            }
            TokenKind::Undefined => {
                self.next();
                literal(LiteralValue::Undefined)
            }
            TokenKind::Id(_) | TokenKind::Data | TokenKind::Parent | TokenKind::Dot => {
                self.path().map(Expr::Path)
            }
            other => self.fail(token.span, unexpected(other)),
        }
    }

    fn subexpression(&mut self) -> Result<Expr, SyntaxError> {
        let open = self.here();
        self.depth += 1;
        if self.depth > MAX_SUBEXPRESSION_DEPTH {
            return self.fail(
                open,
                format!(
                    "sub-expressions nest more than {MAX_SUBEXPRESSION_DEPTH} deep: split them up"
                ),
            );
        }
        self.next();
        let mut call = self.call()?;
        match self.next() {
            Some(Token {
                kind: TokenKind::CloseParen,
                span,
            }) => {
                call.span = open.cover(*span);
                self.depth -= 1;
                Ok(Expr::SubExpression(Box::new(call)))
            }
            Some(token) => self.fail(token.span, unexpected(&token.kind)),
            None => self.fail(open, "this `(` is never closed: add `)`"),
        }
    }

    fn path(&mut self) -> Result<Path, SyntaxError> {
        let start = self.here();
        let mut path = Path {
            span: start,
            data: false,
            parents: 0,
            this: false,
            segments: Vec::new(),
        };
        if let Some(TokenKind::Data) = self.peek_kind() {
            self.next();
            path.data = true;
        }
        // Leading `../` and `./`.
        loop {
            match self.peek_kind() {
                Some(TokenKind::Parent) => {
                    let token = self.next();
                    path.parents += 1;
                    if let Some(t) = token {
                        path.span = path.span.cover(t.span);
                    }
                    if !self.eat_separator(&mut path) {
                        return Ok(path);
                    }
                }
                Some(TokenKind::Dot) => {
                    if let Some(t) = self.next() {
                        path.span = path.span.cover(t.span);
                    }
                    path.this = true;
                    return Ok(path);
                }
                _ => break,
            }
        }
        loop {
            match self.next() {
                Some(Token {
                    kind: TokenKind::Id(name),
                    span,
                }) => {
                    path.span = path.span.cover(*span);
                    if name == "this" && path.segments.is_empty() && !path.data {
                        path.this = true;
                    } else {
                        path.segments.push(Ident {
                            span: *span,
                            name: name.clone(),
                        });
                    }
                }
                Some(token) => return self.fail(token.span, unexpected(&token.kind)),
                None => {
                    return self.fail(
                        Span::empty(path.span.end),
                        "a path cannot end with a separator: remove the trailing `.` or `/`",
                    );
                }
            }
            if !self.eat_separator(&mut path) {
                return Ok(path);
            }
        }
    }

    /// Consumes a `.`/`/` glued to the previous token; true when one was consumed.
    fn eat_separator(&mut self, path: &mut Path) -> bool {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Separator,
                span,
            }) if span.start == path.span.end => {
                path.span = path.span.cover(*span);
                self.next();
                true
            }
            _ => false,
        }
    }
}

fn unexpected(kind: &TokenKind) -> String {
    match kind {
        TokenKind::UnterminatedString => {
            "this string is never closed: add the closing quote".to_string()
        }
        TokenKind::Unexpected(c) => format!("`{c}` is not allowed here"),
        TokenKind::Equals => "`=` must follow a name: `key=value`".to_string(),
        TokenKind::CloseParen => "this `)` has no matching `(`".to_string(),
        TokenKind::OpenParen => "unexpected `(`".to_string(),
        TokenKind::Pipe | TokenKind::OpenBlockParams => {
            "block parameters (`as |x|`) belong only in a block's opening tag".to_string()
        }
        TokenKind::Separator | TokenKind::Dot | TokenKind::Parent => {
            "a path separator must sit between two names: `a.b`".to_string()
        }
        TokenKind::Data => "`@` must be followed by a name: `@index`".to_string(),
        other => format!("unexpected {other:?}"),
    }
}
