//! Jinja2 expressions, parsed just enough to check their syntax and collect the variables they
//! read. The grammar follows Jinja2's `parser.py` level by level (conditional, `or`, `and`,
//! `not`, comparisons, `+ -`, `~`, `* / // %`, `**`, unary, primary, then postfix `.attr`,
//! `[index]` and calls, then filters `|f(...)` and tests `is [not] t`), without building a
//! tree: each name read in load position is recorded with its constant path.
//!
//! Recursion follows the expression's nesting, so it is capped at [`MAX_EXPR_DEPTH`]; the
//! lexer already caps brackets.

use super::VariableUsage;
use super::lexer::{Token, TokenKind};
use crate::text::Span;

/// Parentheses, brackets, `not` and unary signs nested deeper than this are an error.
const MAX_EXPR_DEPTH: usize = 64;

/// A name read by an expression, before scoping decides whether it is a free variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawRef {
    pub root: String,
    pub path: Vec<String>,
    pub span: Span,
    pub usage: VariableUsage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ExprError {
    pub span: Span,
    pub message: String,
}

pub(super) type PResult<T> = Result<T, ExprError>;

/// A name bound by a statement (`for` target, `set`, macro parameter, …).
pub(super) type Binding = (String, Span);

pub(super) struct ExprParser<'a> {
    source: &'a str,
    tokens: &'a [Token],
    pos: usize,
    /// Where the tag's inside ends, for errors about a missing token at the end.
    end: usize,
    depth: usize,
    usage: VariableUsage,
    pub refs: Vec<RawRef>,
}

impl<'a> ExprParser<'a> {
    pub fn new(source: &'a str, tokens: &'a [Token], end: usize) -> Self {
        Self {
            source,
            tokens,
            pos: 0,
            end,
            depth: 0,
            usage: VariableUsage::Output,
            refs: Vec::new(),
        }
    }

    // ---- token access -------------------------------------------------------------------

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<Token> {
        self.tokens.get(self.pos + ahead).copied()
    }

    fn text(&self, token: Token) -> &'a str {
        token.span.text(self.source)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    pub fn is_op(&self, op: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Op && self.text(t) == op)
    }

    pub fn is_name(&self, name: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Name && self.text(t) == name)
    }

    /// Whether the token `ahead` places on is the name `name`.
    pub fn peek_is_name_at(&self, ahead: usize, name: &str) -> bool {
        self.peek_at(ahead)
            .is_some_and(|t| t.kind == TokenKind::Name && self.text(t) == name)
    }

    /// Skips up to `count` tokens.
    pub fn skip_any(&mut self, count: usize) {
        self.pos = (self.pos + count).min(self.tokens.len());
    }

    pub fn skip_op(&mut self, op: &str) -> bool {
        let found = self.is_op(op);
        if found {
            self.pos += 1;
        }
        found
    }

    pub fn skip_name(&mut self, name: &str) -> bool {
        let found = self.is_name(name);
        if found {
            self.pos += 1;
        }
        found
    }

    /// Where the current token is, or an empty span at the end of the tag.
    fn here(&self) -> Span {
        self.peek().map_or(Span::empty(self.end), |t| t.span)
    }

    fn describe_current(&self) -> String {
        match self.peek() {
            None => "the end of the tag".into(),
            Some(t) => format!("`{}`", self.text(t)),
        }
    }

    pub fn fail<T>(&self, expected: &str) -> PResult<T> {
        Err(ExprError {
            span: self.here(),
            message: format!("expected {expected}, found {}", self.describe_current()),
        })
    }

    pub fn expect_op(&mut self, op: &str) -> PResult<Span> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Op && self.text(t) == op => {
                self.pos += 1;
                Ok(t.span)
            }
            _ => self.fail(&format!("`{op}`")),
        }
    }

    pub fn expect_name(&mut self) -> PResult<Token> {
        match self.peek() {
            Some(t) if t.kind == TokenKind::Name => {
                self.pos += 1;
                Ok(t)
            }
            _ => self.fail("a name"),
        }
    }

    pub fn expect_name_word(&mut self, word: &str) -> PResult<()> {
        if self.skip_name(word) {
            Ok(())
        } else {
            self.fail(&format!("`{word}`"))
        }
    }

    /// Fails unless every token was read.
    pub fn expect_end(&self, what: &str) -> PResult<()> {
        if self.at_end() {
            Ok(())
        } else {
            self.fail(&format!("the end of {what}"))
        }
    }

    pub fn set_usage(&mut self, usage: VariableUsage) {
        self.usage = usage;
    }

    fn with_usage<T>(
        &mut self,
        usage: VariableUsage,
        parse: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> PResult<T> {
        let saved = std::mem::replace(&mut self.usage, usage);
        let result = parse(self);
        self.usage = saved;
        result
    }

    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_EXPR_DEPTH {
            return Err(ExprError {
                span: self.here(),
                message: format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
            });
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    // ---- expressions --------------------------------------------------------------------

    /// Jinja's `parse_tuple`: one expression, or several separated by commas. `extra_end`
    /// names end the tuple early (`in` after a `for` target, `recursive`, …).
    pub fn tuple(&mut self, with_condexpr: bool, extra_end: &[&str]) -> PResult<()> {
        let mut count = 0;
        loop {
            if count > 0 {
                self.expect_op(",")?;
            }
            if self.at_end() || self.is_op(")") || extra_end.iter().any(|name| self.is_name(name)) {
                break;
            }
            self.expression(with_condexpr)?;
            count += 1;
            if !self.is_op(",") {
                break;
            }
        }
        if count == 0 {
            return self.fail("an expression");
        }
        Ok(())
    }

    pub fn expression(&mut self, with_condexpr: bool) -> PResult<()> {
        self.nested(|p| if with_condexpr { p.condexpr() } else { p.or() })
    }

    fn condexpr(&mut self) -> PResult<()> {
        self.or()?;
        while self.skip_name("if") {
            self.with_usage(VariableUsage::Condition, Self::or)?;
            if self.skip_name("else") {
                self.nested(Self::condexpr)?;
            }
        }
        Ok(())
    }

    fn or(&mut self) -> PResult<()> {
        self.and()?;
        while self.skip_name("or") {
            self.and()?;
        }
        Ok(())
    }

    fn and(&mut self) -> PResult<()> {
        self.not()?;
        while self.skip_name("and") {
            self.not()?;
        }
        Ok(())
    }

    fn not(&mut self) -> PResult<()> {
        if self.skip_name("not") {
            return self.nested(Self::not);
        }
        self.compare()
    }

    fn compare(&mut self) -> PResult<()> {
        self.math1()?;
        loop {
            if ["==", "!=", ">", ">=", "<", "<="]
                .iter()
                .any(|op| self.is_op(op))
                || self.is_name("in")
            {
                self.pos += 1;
            } else if self.is_name("not")
                && self
                    .peek_at(1)
                    .is_some_and(|t| t.kind == TokenKind::Name && self.text(t) == "in")
            {
                self.pos += 2;
            } else {
                return Ok(());
            }
            self.math1()?;
        }
    }

    fn math1(&mut self) -> PResult<()> {
        self.concat()?;
        while self.skip_op("+") || self.skip_op("-") {
            self.concat()?;
        }
        Ok(())
    }

    fn concat(&mut self) -> PResult<()> {
        self.math2()?;
        while self.skip_op("~") {
            self.math2()?;
        }
        Ok(())
    }

    fn math2(&mut self) -> PResult<()> {
        self.pow()?;
        while ["*", "/", "//", "%"].iter().any(|op| self.is_op(op)) {
            self.pos += 1;
            self.pow()?;
        }
        Ok(())
    }

    fn pow(&mut self) -> PResult<()> {
        self.unary(true)?;
        while self.skip_op("**") {
            self.unary(true)?;
        }
        Ok(())
    }

    fn unary(&mut self, with_filter: bool) -> PResult<()> {
        if self.skip_op("-") || self.skip_op("+") {
            self.nested(|p| p.unary(false))?;
        } else {
            let path = self.primary()?;
            self.postfix(path)?;
        }
        if with_filter {
            self.filter_expr()?;
        }
        Ok(())
    }

    /// A primary expression. Returns the index of the reference it started, when it is a
    /// plain name that postfix lookups may extend.
    fn primary(&mut self) -> PResult<Option<usize>> {
        let Some(token) = self.peek() else {
            return self.fail("an expression");
        };
        match token.kind {
            TokenKind::Name => {
                self.pos += 1;
                let name = self.text(token);
                if matches!(name, "true" | "false" | "none" | "True" | "False" | "None") {
                    return Ok(None);
                }
                self.refs.push(RawRef {
                    root: name.to_string(),
                    path: vec![name.to_string()],
                    span: token.span,
                    usage: self.usage,
                });
                Ok(Some(self.refs.len() - 1))
            }
            TokenKind::Str => {
                while self.peek().is_some_and(|t| t.kind == TokenKind::Str) {
                    self.pos += 1;
                }
                Ok(None)
            }
            TokenKind::Int | TokenKind::Float => {
                self.pos += 1;
                Ok(None)
            }
            TokenKind::Op => match self.text(token) {
                "(" => {
                    self.pos += 1;
                    self.nested(|p| {
                        if !p.is_op(")") {
                            p.tuple(true, &[])?;
                        }
                        p.expect_op(")")
                    })?;
                    Ok(None)
                }
                "[" => {
                    self.pos += 1;
                    self.nested(|p| p.sequence("]", false))?;
                    Ok(None)
                }
                "{" => {
                    self.pos += 1;
                    self.nested(|p| p.sequence("}", true))?;
                    Ok(None)
                }
                _ => self.fail("an expression"),
            },
        }
    }

    /// The items of a list (`[a, b]`) or dict (`{k: v}`) literal, after its opening bracket.
    fn sequence(&mut self, close: &str, dict: bool) -> PResult<()> {
        let mut first = true;
        while !self.is_op(close) {
            if !first {
                self.expect_op(",")?;
                if self.is_op(close) {
                    break;
                }
            }
            first = false;
            self.expression(true)?;
            if dict {
                self.expect_op(":")?;
                self.expression(true)?;
            }
        }
        self.expect_op(close)?;
        Ok(())
    }

    /// `.attr`, `[index]` and calls after a primary. Constant lookups extend the reference
    /// `path` (when the primary was a name); anything else ends it. A called attribute is a
    /// method (`name.upper()`), not data, so it is taken off the path again.
    fn postfix(&mut self, mut path: Option<usize>) -> PResult<()> {
        // The span end before the last segment was added, to take a method back off.
        let mut previous_end: Option<usize> = None;
        loop {
            if self.skip_op(".") {
                let Some(token) = self
                    .peek()
                    .filter(|t| matches!(t.kind, TokenKind::Name | TokenKind::Int))
                else {
                    return self.fail("an attribute name after `.`");
                };
                self.pos += 1;
                if let Some(r) = path.and_then(|i| self.refs.get_mut(i)) {
                    previous_end = Some(r.span.end);
                    r.path.push(token.span.text(self.source).to_string());
                    r.span.end = token.span.end;
                }
            } else if self.is_op("[") {
                self.pos += 1;
                let constant = match (self.peek(), self.peek_at(1)) {
                    (Some(key), Some(close))
                        if matches!(key.kind, TokenKind::Str | TokenKind::Int)
                            && close.kind == TokenKind::Op
                            && self.text(close) == "]" =>
                    {
                        Some((key, close))
                    }
                    _ => None,
                };
                if let Some((key, close)) = constant {
                    self.pos += 2;
                    if let Some(r) = path.and_then(|i| self.refs.get_mut(i)) {
                        previous_end = Some(r.span.end);
                        r.path
                            .push(constant_key(key.span.text(self.source), key.kind));
                        r.span.end = close.span.end;
                    }
                } else {
                    path = None;
                    self.with_usage(VariableUsage::Argument, |p| p.nested(Self::subscript))?;
                }
            } else if self.is_op("(") {
                if let (Some(r), Some(end)) =
                    (path.and_then(|i| self.refs.get_mut(i)), previous_end)
                    && r.path.len() > 1
                {
                    r.path.pop();
                    r.span.end = end;
                }
                path = None;
                self.call_args()?;
            } else {
                return Ok(());
            }
        }
    }

    /// The inside of `[...]` that is not a constant: indexes and slices, then `]`.
    fn subscript(&mut self) -> PResult<()> {
        let mut first = true;
        while !self.is_op("]") {
            if !first {
                self.expect_op(",")?;
            }
            first = false;
            // `a:b:c`, each part optional.
            let mut parts = 0;
            loop {
                if !self.is_op(":") && !self.is_op("]") && !self.is_op(",") {
                    self.expression(true)?;
                }
                if parts < 2 && self.skip_op(":") {
                    parts += 1;
                } else {
                    break;
                }
            }
        }
        self.expect_op("]")?;
        Ok(())
    }

    /// `( args )` of a call, filter or test: positional, `name=value`, `*args`, `**kwargs`.
    pub fn call_args(&mut self) -> PResult<()> {
        self.expect_op("(")?;
        self.with_usage(VariableUsage::Argument, |p| {
            p.nested(|p| {
                let mut first = true;
                while !p.is_op(")") {
                    if !first {
                        p.expect_op(",")?;
                        if p.is_op(")") {
                            break;
                        }
                    }
                    first = false;
                    if p.skip_op("*") || p.skip_op("**") {
                        p.expression(true)?;
                    } else if p.peek().is_some_and(|t| t.kind == TokenKind::Name)
                        && p.peek_at(1).is_some_and(|t| {
                            t.kind == TokenKind::Op && t.span.text(p.source) == "="
                        })
                    {
                        p.pos += 2;
                        p.expression(true)?;
                    } else {
                        p.expression(true)?;
                    }
                }
                p.expect_op(")")?;
                Ok(())
            })
        })
    }

    /// Filters, tests and calls after a unary expression.
    fn filter_expr(&mut self) -> PResult<()> {
        loop {
            if self.skip_op("|") {
                self.filter()?;
            } else if self.skip_name("is") {
                self.test()?;
            } else if self.is_op("(") {
                self.call_args()?;
            } else {
                return Ok(());
            }
        }
    }

    /// One filter after `|` (or the first of `{% filter %}`): a dotted name, then arguments.
    /// Filter names are not variables.
    pub fn filter(&mut self) -> PResult<()> {
        self.dotted_name("a filter name")?;
        if self.is_op("(") {
            self.call_args()?;
        }
        Ok(())
    }

    /// Filters chained with `|` after the first one.
    pub fn filter_chain(&mut self) -> PResult<()> {
        self.filter()?;
        while self.skip_op("|") {
            self.filter()?;
        }
        Ok(())
    }

    /// A test after `is`: `defined`, `not none`, `divisibleby(3)`, `sameas false`.
    fn test(&mut self) -> PResult<()> {
        self.skip_name("not");
        self.dotted_name("a test name after `is`")?;
        if self.is_op("(") {
            return self.call_args();
        }
        let starts_argument = self.peek().is_some_and(|t| match t.kind {
            TokenKind::Name => !matches!(self.text(t), "else" | "or" | "and"),
            TokenKind::Str | TokenKind::Int | TokenKind::Float => true,
            TokenKind::Op => matches!(self.text(t), "(" | "[" | "{"),
        });
        if starts_argument {
            if self.is_name("is") {
                return Err(ExprError {
                    span: self.here(),
                    message: "tests cannot be chained with a second `is`".into(),
                });
            }
            self.with_usage(VariableUsage::Argument, |p| {
                let path = p.primary()?;
                p.postfix(path)
            })?;
        }
        Ok(())
    }

    fn dotted_name(&mut self, what: &str) -> PResult<()> {
        if !self.peek().is_some_and(|t| t.kind == TokenKind::Name) {
            return self.fail(what);
        }
        self.pos += 1;
        while self.skip_op(".") {
            self.expect_name()?;
        }
        Ok(())
    }

    // ---- assignment targets -------------------------------------------------------------

    /// Names assigned by `for` and `set`: `x`, `k, v`, `(k, (a, b))`. Stops before any of
    /// `extra_end` (the `in` of a `for`).
    pub fn targets(&mut self, extra_end: &[&str]) -> PResult<Vec<Binding>> {
        let mut names = Vec::new();
        self.target_list(&mut names, extra_end)?;
        Ok(names)
    }

    fn target_list(&mut self, names: &mut Vec<Binding>, extra_end: &[&str]) -> PResult<()> {
        let mut count = 0;
        loop {
            if count > 0 {
                self.expect_op(",")?;
            }
            if self.at_end()
                || self.is_op(")")
                || self.is_op("=")
                || extra_end.iter().any(|name| self.is_name(name))
            {
                break;
            }
            if self.skip_op("(") {
                self.nested(|p| {
                    p.target_list(names, &[])?;
                    p.expect_op(")")
                })?;
            } else {
                names.push(self.target_name()?);
            }
            count += 1;
            if !self.is_op(",") {
                break;
            }
        }
        if count == 0 {
            return self.fail("a name to assign to");
        }
        Ok(())
    }

    /// One name that can be assigned to (not `true`, `none`, …).
    pub fn target_name(&mut self) -> PResult<Binding> {
        let token = self.expect_name()?;
        let name = self.text(token);
        if matches!(name, "true" | "false" | "none" | "True" | "False" | "None") {
            return Err(ExprError {
                span: token.span,
                message: format!("cannot assign to `{name}`"),
            });
        }
        Ok((name.to_string(), token.span))
    }

    /// `set ns.attr = …` assigns to an attribute of a `namespace()`, which is read, not
    /// bound. Returns whether the target had that form (and was consumed).
    pub fn namespace_target(&mut self) -> PResult<bool> {
        let is_attr = self.peek().is_some_and(|t| t.kind == TokenKind::Name)
            && self
                .peek_at(1)
                .is_some_and(|t| t.kind == TokenKind::Op && self.text(t) == ".");
        if !is_attr {
            return Ok(false);
        }
        let namespace = self.expect_name()?;
        let name = self.text(namespace).to_string();
        self.refs.push(RawRef {
            root: name.clone(),
            path: vec![name],
            span: namespace.span,
            usage: VariableUsage::Argument,
        });
        self.expect_op(".")?;
        self.expect_name()?;
        Ok(true)
    }

    /// Macro and call-block parameters: `(a, b=default)`; defaults are read as arguments.
    pub fn signature(&mut self) -> PResult<Vec<Binding>> {
        self.expect_op("(")?;
        let mut params = Vec::new();
        let mut seen_default = false;
        while !self.is_op(")") {
            if !params.is_empty() {
                self.expect_op(",")?;
                if self.is_op(")") {
                    break;
                }
            }
            let param = self.target_name()?;
            if self.skip_op("=") {
                seen_default = true;
                self.with_usage(VariableUsage::Argument, |p| p.expression(true))?;
            } else if seen_default {
                return Err(ExprError {
                    span: param.1,
                    message: format!(
                        "parameter `{}` without a default follows one with a default",
                        param.0
                    ),
                });
            }
            params.push(param);
        }
        self.expect_op(")")?;
        Ok(params)
    }
}

/// The path segment of a constant index: the string's content, or the integer as written.
fn constant_key(text: &str, kind: TokenKind) -> String {
    if kind != TokenKind::Str || text.len() < 2 {
        return text.to_string();
    }
    let inner = &text[1..text.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}
