//! The template body: text and Jinja2 tags in source order, blocks matched with an explicit
//! stack, and the free variables the tags read.
//!
//! Tags are found as Jinja2's lexer finds them with its default delimiters (the ones Prompty's
//! `Jinja2Renderer` uses): `{{ … }}`, `{% … %}`, `{# … #}`, each opener optionally followed by
//! `-` or `+` and each closer optionally preceded by `-` (and `+` for `%}` and `#}`).
//! `{% raw %}` … `{% endraw %}` is recognized like Jinja does, before parsing, and its content
//! is text.

use std::collections::HashSet;

use super::expr::{Binding, ExprError, ExprParser, PResult, RawRef};
use super::lexer::{Lexed, NEW_TAG_OPENS, TagKind, Token, TokenKind, lex_tag};
use super::{JinjaNode, PromptyError, PromptyErrorKind, VariableRef, VariableUsage};
use crate::template::MAX_BLOCK_DEPTH;
use crate::text::Span;

/// Tags that open a block, each closed by `end` + its name. (`set` only without `=`.)
const BLOCK_TAGS: [&str; 9] = [
    "for",
    "if",
    "block",
    "macro",
    "call",
    "filter",
    "with",
    "autoescape",
    "set",
];

pub(super) struct Body {
    pub nodes: Vec<JinjaNode>,
    pub variables: Vec<VariableRef>,
    pub errors: Vec<PromptyError>,
}

pub(super) fn parse_body(source: &str, body: Span) -> Body {
    let end = body.end.min(source.len());
    let mut scanner = Scanner {
        source,
        end,
        pos: body.start.min(end),
        nodes: Vec::new(),
        variables: Vec::new(),
        errors: Vec::new(),
        frames: Vec::new(),
        top_bound: HashSet::new(),
    };
    scanner.run();
    Body {
        nodes: scanner.nodes,
        variables: scanner.variables,
        errors: scanner.errors,
    }
}

/// The offset in `text` of the next `{{`, `{%` or `{#` at or after `from`.
pub(super) fn find_opener(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    while at + 1 < bytes.len() {
        let brace = at + bytes.get(at..)?.iter().position(|&b| b == b'{')?;
        if matches!(bytes.get(brace + 1), Some(b'{' | b'%' | b'#')) {
            return Some(brace);
        }
        at = brace + 1;
    }
    None
}

/// An open block.
struct Frame {
    keyword: &'static str,
    /// The opening tag.
    tag: Span,
    /// Names bound inside the block (loop targets, macro parameters, `set` in a scope).
    scope: Vec<String>,
    /// Whether `set` inside binds here (Jinja's scoped blocks) or further out (`if`).
    scoping: bool,
    /// For `if`: the roots its conditions (`if` and each `elif`) mention.
    guards: Vec<String>,
    else_seen: bool,
}

struct Scanner<'s> {
    source: &'s str,
    end: usize,
    pos: usize,
    nodes: Vec<JinjaNode>,
    variables: Vec<VariableRef>,
    errors: Vec<PromptyError>,
    frames: Vec<Frame>,
    /// Names bound at the top level (`set`, `macro`, `import` outside any scoped block).
    top_bound: HashSet<String>,
}

impl<'s> Scanner<'s> {
    fn run(&mut self) {
        while self.pos < self.end {
            let Some(open) = find_opener(&self.source[..self.end], self.pos) else {
                self.push_text(self.pos, self.end);
                break;
            };
            self.push_text(self.pos, open);
            self.pos = match self.source.as_bytes().get(open + 1) {
                Some(b'#') => self.comment(open),
                Some(b'{') => self.output(open),
                _ => self.statement(open),
            };
            if self.frames.len() > MAX_BLOCK_DEPTH {
                self.too_deep();
                return;
            }
        }
        for frame in std::mem::take(&mut self.frames) {
            let keyword = frame.keyword;
            self.error(
                frame.tag,
                PromptyErrorKind::UnclosedBlock,
                format!("`{{% {keyword} %}}` is never closed: add `{{% end{keyword} %}}` where the block ends"),
            );
        }
    }

    // ---- nodes and errors ---------------------------------------------------------------

    fn push_text(&mut self, start: usize, end: usize) {
        if end <= start {
            return;
        }
        if let Some(JinjaNode::Text(last)) = self.nodes.last_mut()
            && last.end == start
        {
            last.end = end;
            return;
        }
        self.nodes.push(JinjaNode::Text(Span::new(start, end)));
    }

    fn error(&mut self, span: Span, kind: PromptyErrorKind, message: String) {
        self.errors.push(PromptyError {
            span,
            kind,
            message,
        });
    }

    /// The span of `source[start..end]` without surrounding whitespace.
    fn trim(&self, start: usize, end: usize) -> Span {
        let text = self.source.get(start..end).unwrap_or("");
        let lead = text.len() - text.trim_start().len();
        let trimmed = text.trim().len();
        Span::new(start + lead, start + lead + trimmed)
    }

    /// Where the inside of a tag opening at `open` starts: past the delimiter and its sign.
    fn inner_start(&self, open: usize) -> usize {
        let after = open + 2;
        match self.source.as_bytes().get(after) {
            Some(b'-' | b'+') if after < self.end => after + 1,
            _ => after,
        }
    }

    /// A tag that never closes: an error, and its opener through the end of its line (or the
    /// next tag) kept as text. Returns where scanning resumes.
    fn unclosed(&mut self, open: usize, lexed_error: Option<(Span, String)>) -> usize {
        let (opener, closer) = match self.source.as_bytes().get(open + 1) {
            Some(b'{') => ("{{", "}}"),
            Some(b'#') => ("{#", "#}"),
            _ => ("{%", "%}"),
        };
        let rest = &self.source[..self.end];
        let line_end = rest[open..].find('\n').map_or(self.end, |i| open + i);
        let next_tag = find_opener(rest, open + 2).unwrap_or(self.end);
        let region_end = line_end.min(next_tag).max(open + 2).min(self.end);
        let why = match lexed_error {
            Some((_, reason)) if reason == NEW_TAG_OPENS => {
                " before the next tag opens".to_string()
            }
            Some((_, reason)) => format!(" ({reason})"),
            None => String::new(),
        };
        let span = self.trim(open, region_end);
        self.error(
            span,
            PromptyErrorKind::UnclosedTag,
            format!(
                "`{opener}` is not closed{why}: end the tag with `{closer}`, or write a literal `{opener}` as `{{{{ '{opener}' }}}}`"
            ),
        );
        self.push_text(open, region_end);
        region_end
    }

    fn too_deep(&mut self) {
        let at = self.frames.last().map_or(self.pos, |f| f.tag.start);
        self.error(
            Span::new(at, self.end),
            PromptyErrorKind::TooDeep,
            format!(
                "blocks are nested more than {MAX_BLOCK_DEPTH} deep here; the rest of the file is not checked: flatten the template"
            ),
        );
        self.frames.clear();
        self.push_text(self.pos, self.end);
        self.pos = self.end;
    }

    // ---- comments and output ------------------------------------------------------------

    fn comment(&mut self, open: usize) -> usize {
        let inner = self.inner_start(open);
        let Some(found) = self.source[inner.min(self.end)..self.end].find("#}") else {
            return self.unclosed(open, None);
        };
        let close = inner + found;
        let mut content_end = close;
        if content_end > inner && matches!(self.source.as_bytes()[content_end - 1], b'-' | b'+') {
            content_end -= 1;
        }
        let content = self.trim(inner, content_end);
        self.nodes.push(JinjaNode::Comment {
            span: Span::new(open, close + 2),
            content,
        });
        close + 2
    }

    fn output(&mut self, open: usize) -> usize {
        let inner = self.inner_start(open);
        let Lexed {
            tokens,
            error,
            close,
        } = lex_tag(self.source, inner, self.end, TagKind::Output);
        let Some(close) = close else {
            return self.unclosed(open, error);
        };
        let span = Span::new(open, close.tag_end);
        let expr = self.trim(inner, close.inner_end);
        self.nodes.push(JinjaNode::Output { span, expr });
        let text = expr.text(self.source);
        if let Some((at, reason)) = error {
            self.error(
                at,
                PromptyErrorKind::InvalidExpression,
                format!(
                    "invalid expression in `{{{{ {text} }}}}`: {reason}; Prompty renders with Jinja2, which will refuse this file"
                ),
            );
            return close.tag_end;
        }
        if tokens.is_empty() {
            self.error(
                span,
                PromptyErrorKind::InvalidExpression,
                "empty `{{ }}`: put a variable inside, or remove it (Jinja2 refuses an empty expression)".into(),
            );
            return close.tag_end;
        }
        let mut parser = ExprParser::new(self.source, &tokens, close.inner_end);
        parser.set_usage(VariableUsage::Output);
        let parsed = parser
            .tuple(true, &[])
            .and_then(|()| parser.expect_end("the `{{ … }}` tag"));
        match parsed {
            Ok(()) => self.resolve(parser.refs),
            Err(e) => {
                let message = output_error_message(self.source, &tokens, text, &e);
                self.error(
                    e.span.cover(expr),
                    PromptyErrorKind::InvalidExpression,
                    message,
                );
            }
        }
        close.tag_end
    }

    // ---- statements ---------------------------------------------------------------------

    fn statement(&mut self, open: usize) -> usize {
        let inner = self.inner_start(open);
        let Lexed {
            tokens,
            error,
            close,
        } = lex_tag(self.source, inner, self.end, TagKind::Statement);
        let Some(close) = close else {
            return self.unclosed(open, error);
        };
        let span = Span::new(open, close.tag_end);
        let keyword = match tokens.first() {
            Some(t) if t.kind == TokenKind::Name => t.span.text(self.source).to_string(),
            _ => String::new(),
        };
        let keyword_end = if keyword.is_empty() {
            inner
        } else {
            tokens.first().map_or(inner, |t| t.span.end)
        };
        let args = self.trim(keyword_end, close.inner_end);

        if keyword == "raw" && tokens.len() == 1 && error.is_none() {
            return self.raw_block(span, args);
        }
        self.nodes.push(JinjaNode::Statement {
            span,
            keyword: keyword.clone(),
            args,
        });
        let lex_failed = error.is_some();
        if let Some((at, reason)) = error {
            let shown = if keyword.is_empty() { "…" } else { &keyword };
            self.error(
                at,
                PromptyErrorKind::InvalidExpression,
                format!("invalid `{{% {shown} %}}` tag: {reason}"),
            );
        }
        if keyword.is_empty() {
            if !lex_failed {
                let message = if tokens.is_empty() {
                    "empty `{% %}`: a statement tag starts with a tag name (`for`, `if`, `set`, …)"
                } else {
                    "expected a tag name (`for`, `if`, `set`, …) after `{%`"
                };
                self.error(span, PromptyErrorKind::InvalidExpression, message.into());
            }
            return close.tag_end;
        }
        let stmt = Stmt {
            keyword: &keyword,
            span,
            args: tokens.get(1..).unwrap_or(&[]),
            inner_end: close.inner_end,
            lex_failed,
        };
        self.dispatch(&stmt);
        close.tag_end
    }

    fn raw_block(&mut self, open_span: Span, args: Span) -> usize {
        self.nodes.push(JinjaNode::Statement {
            span: open_span,
            keyword: "raw".into(),
            args,
        });
        match find_endraw(&self.source[..self.end], open_span.end) {
            Some(end_span) => {
                self.push_text(open_span.end, end_span.start);
                let inner = self.inner_start(end_span.start);
                let keyword_end = self.source[inner..end_span.end]
                    .find("endraw")
                    .map_or(end_span.end, |i| inner + i + "endraw".len());
                let args = Span::empty(keyword_end);
                self.nodes.push(JinjaNode::Statement {
                    span: end_span,
                    keyword: "endraw".into(),
                    args,
                });
                end_span.end
            }
            None => {
                self.error(
                    open_span,
                    PromptyErrorKind::UnclosedBlock,
                    "`{% raw %}` is never closed: add `{% endraw %}` where the literal text ends (until then the rest of the file is literal text)".into(),
                );
                self.push_text(open_span.end, self.end);
                self.end
            }
        }
    }

    fn dispatch(&mut self, stmt: &Stmt<'_>) {
        let keyword = stmt.keyword;
        match keyword {
            "for" => self.for_tag(stmt),
            "if" => self.if_tag(stmt),
            "elif" => self.elif_tag(stmt),
            "else" => self.else_tag(stmt),
            "set" => self.set_tag(stmt),
            "with" => self.with_tag(stmt),
            "macro" => self.macro_tag(stmt),
            "call" => self.call_tag(stmt),
            "filter" => self.simple_block(stmt, "filter", false, |p| p.filter_chain()),
            "autoescape" => self.simple_block(stmt, "autoescape", false, |p| p.expression(true)),
            "block" => self.simple_block(stmt, "block", true, |p| {
                p.expect_name()?;
                p.skip_name("scoped");
                p.skip_name("required");
                Ok(())
            }),
            "extends" => self.simple_tag(stmt, |p, _| p.expression(true)),
            "include" => self.simple_tag(stmt, |p, _| {
                p.expression(true)?;
                if p.skip_name("ignore") {
                    p.expect_name_word("missing")?;
                }
                import_context(p);
                Ok(())
            }),
            "import" => self.simple_tag(stmt, |p, bound| {
                p.expression(true)?;
                p.expect_name_word("as")?;
                bound.push(p.target_name()?);
                import_context(p);
                Ok(())
            }),
            "from" => self.simple_tag(stmt, from_tag),
            _ => {
                if let Some(opened) = keyword.strip_prefix("end")
                    && (BLOCK_TAGS.contains(&opened) || opened == "raw")
                {
                    self.end_tag(stmt, opened);
                } else {
                    self.unknown_tag(stmt);
                }
            }
        }
    }

    /// Parses a statement's arguments with `parse`, then checks nothing is left. Reports a
    /// syntax error unless the lexer already did.
    fn parse_args<T>(
        &mut self,
        stmt: &Stmt<'_>,
        tokens: &[Token],
        parse: impl FnOnce(&mut ExprParser<'_>) -> PResult<T>,
    ) -> (Option<T>, Vec<RawRef>) {
        let mut parser = ExprParser::new(self.source, tokens, stmt.inner_end);
        parser.set_usage(VariableUsage::Argument);
        let result = parse(&mut parser).and_then(|value| {
            parser.expect_end(&format!("the `{{% {} %}}` tag", stmt.keyword))?;
            Ok(value)
        });
        match result {
            Ok(value) if !stmt.lex_failed => (Some(value), parser.refs),
            Ok(_) => (None, Vec::new()),
            Err(e) => {
                self.statement_error(stmt, e);
                (None, Vec::new())
            }
        }
    }

    fn statement_error(&mut self, stmt: &Stmt<'_>, e: ExprError) {
        if stmt.lex_failed {
            return;
        }
        // An error at the end of the tag (something missing) points at the whole tag.
        let span = if e.span.is_empty() { stmt.span } else { e.span };
        self.error(
            span,
            PromptyErrorKind::InvalidExpression,
            format!("invalid `{{% {} %}}` tag: {}", stmt.keyword, e.message),
        );
    }

    fn for_tag(&mut self, stmt: &Stmt<'_>) {
        let mut targets: Vec<Binding> = Vec::new();
        let mut iterable_refs = 0;
        let (parsed, refs) = self.parse_args(stmt, stmt.args, |p| {
            targets = p.targets(&["in"])?;
            p.expect_name_word("in")?;
            p.set_usage(VariableUsage::Iterable);
            p.tuple(false, &["recursive"])?;
            iterable_refs = p.refs.len();
            if p.skip_name("if") {
                p.set_usage(VariableUsage::Condition);
                p.expression(true)?;
            }
            p.skip_name("recursive");
            Ok(())
        });
        let mut refs = refs;
        let condition = refs.split_off(iterable_refs.min(refs.len()));
        if parsed.is_some() {
            self.resolve(refs);
        }
        self.push_frame("for", stmt.span, true, Vec::new());
        for (name, _) in targets {
            self.bind_here(name);
        }
        if parsed.is_some() {
            self.resolve(condition);
        }
    }

    fn if_tag(&mut self, stmt: &Stmt<'_>) {
        let (_, refs) = self.parse_args(stmt, stmt.args, |p| {
            p.set_usage(VariableUsage::Condition);
            p.tuple(false, &[])
        });
        let guards = refs.iter().map(|r| r.root.clone()).collect();
        self.resolve(refs);
        self.push_frame("if", stmt.span, false, guards);
    }

    fn elif_tag(&mut self, stmt: &Stmt<'_>) {
        let placement = match self.frames.last() {
            Some(f) if f.keyword == "if" && !f.else_seen => None,
            Some(f) if f.keyword == "if" => {
                Some("`{% elif %}` after `{% else %}`: move it before the `{% else %}`")
            }
            _ => {
                Some("`{% elif %}` outside an `{% if %}` block: start the block with `{% if … %}`")
            }
        };
        if let Some(message) = placement {
            self.error(stmt.span, PromptyErrorKind::UnmatchedTag, message.into());
        }
        let (_, refs) = self.parse_args(stmt, stmt.args, |p| {
            p.set_usage(VariableUsage::Condition);
            p.tuple(false, &[])
        });
        let roots: Vec<String> = refs.iter().map(|r| r.root.clone()).collect();
        self.resolve(refs);
        if placement.is_none()
            && let Some(frame) = self.frames.last_mut()
        {
            frame.guards.extend(roots);
        }
    }

    fn else_tag(&mut self, stmt: &Stmt<'_>) {
        if !stmt.args.is_empty() && !stmt.lex_failed {
            let at = Span::new(
                stmt.args.first().map_or(stmt.span.start, |t| t.span.start),
                stmt.args.last().map_or(stmt.span.end, |t| t.span.end),
            );
            self.error(
                at,
                PromptyErrorKind::InvalidExpression,
                "`{% else %}` takes nothing after it: for another condition write `{% elif … %}`"
                    .into(),
            );
        }
        let message = match self.frames.last_mut() {
            Some(f) if f.keyword == "if" || f.keyword == "for" => {
                if f.else_seen {
                    Some(format!(
                        "a second `{{% else %}}` in the same `{{% {} %}}` block: remove one",
                        f.keyword
                    ))
                } else {
                    f.else_seen = true;
                    if f.keyword == "for" {
                        // A `for`'s `else` runs when nothing was iterated: no loop variables.
                        f.scope.clear();
                    }
                    None
                }
            }
            _ => Some(
                "`{% else %}` outside an `{% if %}` or `{% for %}` block: remove it or open the block"
                    .to_string(),
            ),
        };
        if let Some(message) = message {
            self.error(stmt.span, PromptyErrorKind::UnmatchedTag, message);
        }
    }

    fn set_tag(&mut self, stmt: &Stmt<'_>) {
        // `{% set x = … %}` assigns; `{% set x %}…{% endset %}` (maybe `| filter(k=v)`) is a
        // block. Only an `=` outside brackets tells them apart.
        let mut depth = 0usize;
        let mut is_block = true;
        for token in stmt.args.iter().filter(|t| t.kind == TokenKind::Op) {
            match token.span.text(self.source) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "=" if depth == 0 => is_block = false,
                _ => {}
            }
        }
        let mut targets: Vec<Binding> = Vec::new();
        let (_, refs) = self.parse_args(stmt, stmt.args, |p| {
            if !p.namespace_target()? {
                targets = p.targets(&[])?;
            }
            if is_block {
                if p.skip_op("|") {
                    p.filter_chain()?;
                }
            } else {
                p.expect_op("=")?;
                p.tuple(true, &[])?;
            }
            Ok(())
        });
        self.resolve(refs);
        for (name, _) in targets {
            self.bind(name);
        }
        // A bare `{% set %}` is a syntax error, not a block to close.
        if is_block && !stmt.args.is_empty() {
            self.push_frame("set", stmt.span, false, Vec::new());
        }
    }

    fn with_tag(&mut self, stmt: &Stmt<'_>) {
        let mut targets: Vec<Binding> = Vec::new();
        let (_, refs) = self.parse_args(stmt, stmt.args, |p| {
            while !p.at_end() {
                if !targets.is_empty() {
                    p.expect_op(",")?;
                }
                targets.extend(p.targets(&[])?);
                p.expect_op("=")?;
                p.expression(true)?;
            }
            Ok(())
        });
        self.resolve(refs);
        self.push_frame("with", stmt.span, true, Vec::new());
        for (name, _) in targets {
            self.bind_here(name);
        }
    }

    fn macro_tag(&mut self, stmt: &Stmt<'_>) {
        let mut name: Option<Binding> = None;
        let mut params: Vec<Binding> = Vec::new();
        let (_, refs) = self.parse_args(stmt, stmt.args, |p| {
            name = Some(p.target_name()?);
            params = p.signature()?;
            Ok(())
        });
        self.resolve(refs);
        if let Some((name, _)) = name {
            self.bind(name);
        }
        self.push_frame("macro", stmt.span, true, Vec::new());
        for implicit in ["varargs", "kwargs", "caller"] {
            self.bind_here(implicit.to_string());
        }
        for (param, _) in params {
            self.bind_here(param);
        }
    }

    fn call_tag(&mut self, stmt: &Stmt<'_>) {
        let mut params: Vec<Binding> = Vec::new();
        let (_, refs) = self.parse_args(stmt, stmt.args, |p| {
            if p.is_op("(") {
                params = p.signature()?;
            }
            p.expression(true)
        });
        self.resolve(refs);
        self.push_frame("call", stmt.span, true, Vec::new());
        for (param, _) in params {
            self.bind_here(param);
        }
    }

    fn simple_block(
        &mut self,
        stmt: &Stmt<'_>,
        keyword: &'static str,
        scoping: bool,
        parse: impl FnOnce(&mut ExprParser<'_>) -> PResult<()>,
    ) {
        let (_, refs) = self.parse_args(stmt, stmt.args, parse);
        self.resolve(refs);
        self.push_frame(keyword, stmt.span, scoping, Vec::new());
    }

    /// A tag without a body; `parse` may bind names (imports).
    fn simple_tag(
        &mut self,
        stmt: &Stmt<'_>,
        parse: impl FnOnce(&mut ExprParser<'_>, &mut Vec<Binding>) -> PResult<()>,
    ) {
        let mut bound = Vec::new();
        let (_, refs) = self.parse_args(stmt, stmt.args, |p| parse(p, &mut bound));
        self.resolve(refs);
        for (name, _) in bound {
            self.bind(name);
        }
    }

    fn end_tag(&mut self, stmt: &Stmt<'_>, opened: &str) {
        let extra = if opened == "block" {
            // `{% endblock name %}` may repeat the block's name.
            stmt.args.get(1..).unwrap_or(&[])
        } else {
            stmt.args
        };
        if !stmt.lex_failed
            && let (Some(first), Some(last)) = (extra.first(), extra.last())
        {
            self.error(
                first.span.cover(last.span),
                PromptyErrorKind::InvalidExpression,
                format!(
                    "`{{% {} %}}` takes nothing after it: remove the rest",
                    stmt.keyword
                ),
            );
        }
        let Some(index) = self.frames.iter().rposition(|f| f.keyword == opened) else {
            let hint = self.frames.last().map_or(String::new(), |f| {
                format!(
                    " (the open block is `{{% {} %}}`: did you mean `{{% end{} %}}`?)",
                    f.keyword, f.keyword
                )
            });
            self.error(
                stmt.span,
                PromptyErrorKind::UnmatchedTag,
                format!(
                    "`{{% {} %}}` has no `{{% {opened} %}}` to close: remove it{hint}",
                    stmt.keyword
                ),
            );
            return;
        };
        while self.frames.len() > index + 1 {
            if let Some(frame) = self.frames.pop() {
                let keyword = frame.keyword;
                self.error(
                    frame.tag,
                    PromptyErrorKind::UnclosedBlock,
                    format!(
                        "`{{% {keyword} %}}` is not closed before `{{% {} %}}`: add `{{% end{keyword} %}}` inside the `{{% {opened} %}}` block",
                        stmt.keyword
                    ),
                );
            }
        }
        self.frames.pop();
    }

    fn unknown_tag(&mut self, stmt: &Stmt<'_>) {
        let keyword = stmt.keyword;
        let hint = match keyword {
            "break" | "continue" => {
                "needs Jinja's loop-controls extension, which Prompty does not enable: filter the items (`{% for x in items if … %}`) instead".to_string()
            }
            "do" => "needs Jinja's expression-statement extension, which Prompty does not enable: use `{% set %}`".to_string(),
            "trans" | "endtrans" | "pluralize" => {
                "needs Jinja's i18n extension, which Prompty does not enable".to_string()
            }
            "elseif" | "elsif" => "did you mean `{% elif … %}`?".to_string(),
            "foreach" | "each" => "did you mean `{% for x in items %}`?".to_string(),
            "end" => match self.frames.last() {
                Some(f) => format!("did you mean `{{% end{} %}}`?", f.keyword),
                None => "Jinja closes blocks with `{% endfor %}`, `{% endif %}`, …".to_string(),
            },
            _ => "Jinja's tags are `for`, `if`/`elif`/`else`, `set`, `with`, `macro`, `call`, `filter`, `block`, `include`, `import`, `from`, `extends`, `raw`, `autoescape` and their `end…` tags".to_string(),
        };
        self.error(
            stmt.span,
            PromptyErrorKind::UnknownTag,
            format!("unknown tag `{{% {keyword} %}}`: {hint}"),
        );
    }

    // ---- scopes -------------------------------------------------------------------------

    fn push_frame(&mut self, keyword: &'static str, tag: Span, scoping: bool, guards: Vec<String>) {
        self.frames.push(Frame {
            keyword,
            tag,
            scope: Vec::new(),
            scoping,
            guards,
            else_seen: false,
        });
    }

    /// Binds `name` where `set` would: the innermost scoped block, or the top level.
    fn bind(&mut self, name: String) {
        match self.frames.iter_mut().rev().find(|f| f.scoping) {
            Some(frame) => frame.scope.push(name),
            None => {
                self.top_bound.insert(name);
            }
        }
    }

    /// Binds `name` in the innermost block (just pushed).
    fn bind_here(&mut self, name: String) {
        match self.frames.last_mut() {
            Some(frame) => frame.scope.push(name),
            None => {
                self.top_bound.insert(name);
            }
        }
    }

    fn is_bound(&self, name: &str) -> bool {
        self.top_bound.contains(name)
            || self
                .frames
                .iter()
                .any(|f| f.scope.iter().any(|bound| bound == name))
    }

    /// Keeps the references that are template inputs.
    fn resolve(&mut self, refs: Vec<RawRef>) {
        for r in refs {
            if super::is_reserved(&r.root) || self.is_bound(&r.root) {
                continue;
            }
            let guarded = self.frames.iter().any(|f| f.guards.contains(&r.root));
            self.variables.push(VariableRef {
                root: r.root,
                path: r.path,
                span: r.span,
                usage: r.usage,
                guarded,
            });
        }
    }
}

/// A parsed `{% … %}` tag, for the handlers.
struct Stmt<'t> {
    keyword: &'t str,
    span: Span,
    /// The tokens after the keyword.
    args: &'t [Token],
    inner_end: usize,
    /// The lexer already reported an error: parse for structure only.
    lex_failed: bool,
}

/// `with context` / `without context` after an include or import.
fn import_context(p: &mut ExprParser<'_>) {
    if (p.is_name("with") || p.is_name("without")) && p.peek_is_name_at(1, "context") {
        p.skip_any(2);
    }
}

/// `{% from 'file' import a, b as c [with context] %}`.
fn from_tag(p: &mut ExprParser<'_>, bound: &mut Vec<Binding>) -> PResult<()> {
    p.expression(true)?;
    p.expect_name_word("import")?;
    let mut first = true;
    loop {
        if !first {
            p.expect_op(",")?;
        }
        first = false;
        if (p.is_name("with") || p.is_name("without")) && p.peek_is_name_at(1, "context") {
            p.skip_any(2);
            break;
        }
        let name = p.target_name()?;
        if p.skip_name("as") {
            bound.push(p.target_name()?);
        } else {
            bound.push(name);
        }
        if !p.is_op(",") {
            import_context(p);
            break;
        }
    }
    Ok(())
}

/// The span of the `{% endraw %}` that closes a raw block, searching from `from`: like Jinja's
/// raw-block pattern, `{%` (with an optional `-`/`+`), `endraw` between optional whitespace,
/// then `%}` (optionally `-%}` or `+%}`).
fn find_endraw(text: &str, from: usize) -> Option<Span> {
    let mut at = from;
    loop {
        let open = at + text.get(at..)?.find("{%")?;
        let mut rest = &text[open + 2..];
        rest = rest
            .strip_prefix('-')
            .or_else(|| rest.strip_prefix('+'))
            .unwrap_or(rest);
        let rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("endraw") {
            let after = after.trim_start();
            let close_len = if after.starts_with("-%}") || after.starts_with("+%}") {
                Some(3)
            } else if after.starts_with("%}") {
                Some(2)
            } else {
                None
            };
            if let Some(len) = close_len {
                let end = text.len() - after.len() + len;
                return Some(Span::new(open, end));
            }
        }
        at = open + 2;
    }
}

/// The message for an output tag that does not parse, with a hint for the common mistakes.
fn output_error_message(source: &str, tokens: &[Token], text: &str, e: &ExprError) -> String {
    let tail = "Prompty renders with Jinja2, which will refuse this file";
    let all_names = tokens.len() >= 2 && tokens.iter().all(|t| t.kind == TokenKind::Name);
    let first = tokens.first().map_or("", |t| t.span.text(source));
    if all_names
        && matches!(
            first.to_ascii_lowercase().as_str(),
            "foreach" | "each" | "for"
        )
    {
        return format!(
            "`{{{{ {text} }}}}` is not Jinja: a loop is written `{{% for x in items %}}` … `{{% endfor %}}`; {tail}"
        );
    }
    if all_names {
        return format!(
            "`{{{{ {text} }}}}` is not a Jinja expression (a variable name cannot contain spaces): write one name such as `{{{{ {} }}}}`, or keep literal braces with `{{% raw %}}…{{% endraw %}}`; {tail}",
            suggested_name(source, tokens)
        );
    }
    format!(
        "invalid expression in `{{{{ {text} }}}}`: {}; if the braces are meant literally, wrap them in `{{% raw %}}…{{% endraw %}}`; {tail}",
        e.message
    )
}

fn suggested_name(source: &str, tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.span.text(source).to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}
