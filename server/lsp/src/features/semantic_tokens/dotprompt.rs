//! Tokens of a dotprompt template, read from its Handlebars tree. (Recursion follows the
//! tree, whose depth the parser caps.)

use promptopt_core::document::Document;
use promptopt_core::render::known_helpers;
use promptopt_core::template::{
    Block, BlockKind, Call, ElseBranch, Expr, Ident, LiteralValue, Node, Partial, Path,
};
use promptopt_core::text::Span;

use super::{DECLARATION, DEFAULT_LIBRARY, Kind, READONLY, Token};

pub fn tokens(document: &Document, extra_helpers: &[String]) -> Vec<Token> {
    let mut collector = Collector {
        source: document.source(),
        extra_helpers,
        params: Vec::new(),
        out: Vec::new(),
    };
    collector.nodes(&document.template.nodes);
    collector.out
}

struct Collector<'a> {
    source: &'a str,
    extra_helpers: &'a [String],
    /// Block params in scope (`as |item|`), innermost last.
    params: Vec<&'a str>,
    out: Vec<Token>,
}

impl<'a> Collector<'a> {
    fn push(&mut self, span: Span, kind: Kind, modifiers: u32) {
        self.out.push(Token::new(span, kind).with(modifiers));
    }

    fn builtin(&self, name: &str) -> bool {
        known_helpers().any(|helper| helper.name == name)
    }

    fn is_helper(&self, name: &str) -> bool {
        self.builtin(name) || self.extra_helpers.iter().any(|h| h == name)
    }

    fn library(&self, name: &str) -> u32 {
        if self.builtin(name) {
            DEFAULT_LIBRARY
        } else {
            0
        }
    }

    fn nodes(&mut self, nodes: &'a [Node]) {
        for node in nodes {
            match node {
                Node::Comment(comment) => self.push(comment.tag.span, Kind::Comment, 0),
                Node::Expression(expression) => self.expression(&expression.call),
                Node::Block(block) => self.block(block),
                Node::Partial(partial) => self.partial(partial),
                Node::Text(_) | Node::Invalid(_) => {}
            }
        }
    }

    /// `{{role "system"}}` and `{{history}}` are role markers; anything else a call.
    fn expression(&mut self, call: &'a Call) {
        let marker = match call.simple_name() {
            Some("role") => true,
            Some("history") => !call.has_arguments(),
            _ => false,
        };
        if marker {
            self.push(call.target.span(), Kind::Macro, DEFAULT_LIBRARY);
            self.arguments(call);
        } else {
            self.call(call, false);
        }
    }

    /// A call's target is a helper when it has arguments, is a known helper, or sits in a
    /// sub-expression (which always calls one); otherwise it reads a variable.
    fn call(&mut self, call: &'a Call, in_subexpression: bool) {
        match &call.target {
            Expr::Path(path) => {
                let name = path.simple_name();
                let helper = in_subexpression
                    || call.has_arguments()
                    || name.is_some_and(|n| self.is_helper(n));
                if helper {
                    let modifiers = name.map_or(0, |n| self.library(n));
                    self.push(path.span, Kind::Function, modifiers);
                } else {
                    self.path(path);
                }
            }
            other => self.expr(other),
        }
        self.arguments(call);
    }

    fn arguments(&mut self, call: &'a Call) {
        for param in &call.params {
            self.expr(param);
        }
        for pair in &call.hash {
            self.push(pair.key.span, Kind::Parameter, 0);
            self.expr(&pair.value);
        }
    }

    fn expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Path(path) => self.path(path),
            Expr::Literal(literal) => {
                let kind = match literal.value {
                    LiteralValue::String(_) => Kind::String,
                    LiteralValue::Number(_) => Kind::Number,
                    LiteralValue::Boolean(_) | LiteralValue::Null | LiteralValue::Undefined => {
                        Kind::Keyword
                    }
                };
                self.push(literal.span, kind, 0);
            }
            Expr::SubExpression(call) => self.call(call, true),
        }
    }

    /// `this` is a keyword; a data variable (`@index`, `@root`) is read-only; a block param
    /// is a parameter; later segments are properties.
    fn path(&mut self, path: &'a Path) {
        let first_start = path
            .segments
            .first()
            .map_or(path.span.end, |s| s.span.start);
        if path.this {
            let prefix = Span::new(path.span.start, first_start);
            if let Some(at) = prefix.text(self.source).find("this") {
                let start = prefix.start + at;
                self.push(Span::new(start, start + 4), Kind::Keyword, 0);
            }
        }
        let mut segments = path.segments.iter();
        if let Some(first) = segments.next() {
            let plain = !path.data && path.parents == 0 && !path.this;
            if path.data {
                // `@` and the name read as one token.
                let span = Span::new(path.span.start.min(first.span.start), first.span.end);
                self.push(span, Kind::Variable, READONLY | DEFAULT_LIBRARY);
            } else if plain && self.params.contains(&first.name.as_str()) {
                self.push(first.span, Kind::Parameter, 0);
            } else {
                self.push(first.span, Kind::Variable, 0);
            }
        }
        for segment in segments {
            self.push(segment.span, Kind::Property, 0);
        }
    }

    fn block(&mut self, block: &'a Block) {
        let name_kind = self.open_tag(block);
        let scoping = block.kind == BlockKind::Section
            && matches!(block.name(), Some("each" | "with"))
            && !block.call.params.is_empty();
        let before = self.params.len();
        if scoping {
            self.params
                .extend(block.block_params.iter().map(|p| p.name.as_str()));
        }
        self.nodes(&block.body);
        self.params.truncate(before);
        for branch in &block.else_branches {
            self.else_branch(branch);
        }
        if let (Some(close), Some((kind, modifiers))) = (&block.close, name_kind) {
            self.push(close.name.span, kind, modifiers);
        }
    }

    /// The open tag's tokens; returns how its name was colored, for the close tag.
    fn open_tag(&mut self, block: &'a Block) -> Option<(Kind, u32)> {
        let name_kind = match (&block.call.target, block.kind) {
            (Expr::Path(path), BlockKind::PartialBlock) => {
                self.push(path.span, Kind::Namespace, 0);
                Some((Kind::Namespace, 0))
            }
            (Expr::Path(path), BlockKind::Decorator | BlockKind::Raw) => {
                self.push(path.span, Kind::Keyword, 0);
                Some((Kind::Keyword, 0))
            }
            (Expr::Path(path), BlockKind::Section | BlockKind::Inverted) => {
                let name = path.simple_name();
                let helper = block.call.has_arguments() || name.is_some_and(|n| self.is_helper(n));
                if helper {
                    let modifiers = name.map_or(0, |n| self.library(n));
                    self.push(path.span, Kind::Keyword, modifiers);
                    Some((Kind::Keyword, modifiers))
                } else {
                    // `{{#user}}…{{/user}}`: a section over a value.
                    self.path(path);
                    Some((Kind::Variable, 0))
                }
            }
            (other, _) => {
                self.expr(other);
                None
            }
        };
        if block.kind != BlockKind::Raw {
            self.arguments(&block.call);
            self.block_params(block.call.span.end, &block.block_params);
        }
        name_kind
    }

    /// `as |item index|`: `as` is a keyword, the names declare parameters.
    fn block_params(&mut self, after: usize, params: &[Ident]) {
        let Some(first) = params.first() else {
            return;
        };
        let between = Span::new(after, first.span.start);
        if let Some(at) = between.text(self.source).find("as") {
            let start = between.start + at;
            self.push(Span::new(start, start + 2), Kind::Keyword, 0);
        }
        for param in params {
            self.push(param.span, Kind::Parameter, DECLARATION);
        }
    }

    fn else_branch(&mut self, branch: &'a ElseBranch) {
        let tag = branch.tag.span;
        let inner = tag
            .text(self.source)
            .trim_start_matches(['{', '~', ' ', '\t', '\r', '\n']);
        let at = tag.len() - inner.len();
        if inner.starts_with("else") {
            let start = tag.start + at;
            self.push(Span::new(start, start + 4), Kind::Keyword, 0);
        }
        if let Some(chain) = &branch.chain {
            // `{{else if x}}`: the chained helper reads as a block name.
            let library = chain.simple_name().map_or(0, |n| self.library(n));
            self.push(chain.target.span(), Kind::Keyword, library);
            self.arguments(chain);
            self.block_params(chain.span.end, &branch.block_params);
        }
        self.nodes(&branch.body);
    }

    fn partial(&mut self, partial: &'a Partial) {
        match &partial.name {
            Expr::SubExpression(call) => self.call(call, true),
            name => self.push(name.span(), Kind::Namespace, 0),
        }
        if let Some(context) = &partial.context {
            self.expr(context);
        }
        for pair in &partial.hash {
            self.push(pair.key.span, Kind::Parameter, 0);
            self.expr(&pair.value);
        }
    }
}
