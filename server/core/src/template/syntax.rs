//! The Handlebars syntax tree. Every node carries its exact byte span in the document source,
//! so the linter and the language server can point at, rewrite and navigate any piece of it.

use crate::text::Span;

/// A parsed template body: the nodes in source order plus everything that could not be parsed.
/// A broken tag becomes one [`Node::Invalid`] and one error; the rest still parses.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub nodes: Vec<Node>,
    pub errors: Vec<TemplateError>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Literal text, output as written. Escaped mustaches (`\{{x}}`) are text too.
    Text(Span),
    /// `{{! ... }}` or `{{!-- ... --}}`.
    Comment(Comment),
    /// `{{path}}`, `{{{path}}}`, `{{helper arg key=value}}`.
    Expression(Expression),
    /// `{{#helper}}...{{else}}...{{/helper}}` and its inverted, partial-block, decorator and raw
    /// forms.
    Block(Block),
    /// `{{> name context key=value}}`.
    Partial(Partial),
    /// A tag that could not be parsed; its error is in [`Template::errors`].
    Invalid(Span),
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Text(span) | Node::Invalid(span) => *span,
            Node::Comment(comment) => comment.tag.span,
            Node::Expression(expression) => expression.tag.span,
            Node::Block(block) => block.span,
            Node::Partial(partial) => partial.tag.span,
        }
    }
}

/// The delimiters of one tag: its whole span and its whitespace control (`{{~` and `~}}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    pub span: Span,
    pub strip_before: bool,
    pub strip_after: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub tag: Tag,
    /// The comment's text without its delimiters (and without `--` for long comments).
    pub content: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub tag: Tag,
    pub call: Call,
    /// False for `{{{x}}}` and `{{&x}}`. (Dotprompt never escapes; kept for fidelity.)
    pub escaped: bool,
}

/// A helper call or a plain value lookup: `target param... key=value...`.
/// `{{name}}` is a call with no arguments whose target is the path `name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub span: Span,
    pub target: Expr,
    pub params: Vec<Expr>,
    pub hash: Vec<HashPair>,
}

impl Call {
    /// The helper or variable name when the target is a simple one-segment path.
    pub fn simple_name(&self) -> Option<&str> {
        match &self.target {
            Expr::Path(path) => path.simple_name(),
            _ => None,
        }
    }

    pub fn has_arguments(&self) -> bool {
        !self.params.is_empty() || !self.hash.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HashPair {
    pub span: Span,
    pub key: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub span: Span,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Path(Path),
    Literal(Literal),
    /// `(helper arg key=value)`; the call's span includes the parentheses.
    SubExpression(Box<Call>),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Path(path) => path.span,
            Expr::Literal(literal) => literal.span,
            Expr::SubExpression(call) => call.span,
        }
    }
}

/// A value path: `name`, `a.b.c`, `a/b`, `this.x`, `./x`, `../x`, `@index`, `@root.x`, `[odd key]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub span: Span,
    /// Starts with `@`: a data variable such as `@index`, `@root` or `@state`.
    pub data: bool,
    /// How many `../` lead the path.
    pub parents: u32,
    /// Starts with `this` or `.` (so it can never name a helper).
    pub this: bool,
    /// The named segments after any `@`, `../` and `this`; empty for a bare `this` or `.`.
    pub segments: Vec<Ident>,
}

impl Path {
    /// The name of a plain one-segment path (`name`, not `this.name`, `../name` or `@name`).
    pub fn simple_name(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [only] if !self.data && self.parents == 0 && !self.this => Some(&only.name),
            _ => None,
        }
    }

    /// The path as written without `@`, `../` and `this.`: `a.b.c`.
    pub fn dotted(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join(".")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    pub span: Span,
    pub value: LiteralValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LiteralValue {
    String(String),
    Number(f64),
    Boolean(bool),
    Null,
    Undefined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `{{#helper}}`
    Section,
    /// `{{^name}}`: renders its body when the value is falsy.
    Inverted,
    /// `{{#> partial}}fallback{{/partial}}`
    PartialBlock,
    /// `{{#*inline "name"}}...{{/inline}}`
    Decorator,
    /// `{{{{raw}}}} literal {{{{/raw}}}}`: the body is never parsed.
    Raw,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    /// From the opening `{{` to the closing `}}` of the close tag (or the end of the last
    /// child when the block is unclosed).
    pub span: Span,
    pub open: Tag,
    pub call: Call,
    /// `as |item index|`
    pub block_params: Vec<Ident>,
    pub body: Vec<Node>,
    /// `{{else}}` and chained `{{else if x}}` branches, in order.
    pub else_branches: Vec<ElseBranch>,
    /// `None` when the block is never closed (an error says so).
    pub close: Option<CloseTag>,
}

impl Block {
    pub fn name(&self) -> Option<&str> {
        self.call.simple_name()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElseBranch {
    pub tag: Tag,
    /// The helper call of a chained `{{else if x}}`; `None` for a plain `{{else}}` or `{{^}}`.
    pub chain: Option<Call>,
    pub block_params: Vec<Ident>,
    pub body: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseTag {
    pub tag: Tag,
    /// The name as written after `/`.
    pub name: Ident,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    pub tag: Tag,
    /// The partial's name as written: a path (`_header` → `header`), a string or a
    /// sub-expression for dynamic partials.
    pub name: Expr,
    pub context: Option<Expr>,
    pub hash: Vec<HashPair>,
}

impl Partial {
    /// The static partial name (`{{> header}}`, `{{> "header"}}`, `{{> dir/name}}`).
    pub fn static_name(&self, source: &str) -> Option<String> {
        partial_name(&self.name, source)
    }
}

pub(crate) fn partial_name(expr: &Expr, source: &str) -> Option<String> {
    match expr {
        Expr::Path(path) if !path.data => Some(path.span.text(source).to_string()),
        Expr::Literal(Literal {
            value: LiteralValue::String(s),
            ..
        }) => Some(s.clone()),
        Expr::Literal(literal) => Some(literal.span.text(source).to_string()),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub span: Span,
    pub kind: TemplateErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// `{{` with no `}}`.
    UnclosedTag,
    /// Text inside a tag that is not Handlebars syntax.
    InvalidTag,
    /// A block opened and never closed.
    UnclosedBlock,
    /// `{{/name}}` with no open block of that name.
    UnexpectedClose,
    /// `{{else}}` outside of any block.
    StrayElse,
    /// A comment with no end.
    UnclosedComment,
    /// Blocks nested deeper than the parser follows; the rest of the file is not parsed.
    TooDeep,
}

/// Visits every node depth-first in source order, else branches included.
pub fn walk<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Node)) {
    // An explicit stack keeps walks of deep templates off the call stack.
    let mut stack: Vec<std::slice::Iter<'a, Node>> = vec![nodes.iter()];
    while let Some(top) = stack.last_mut() {
        let Some(node) = top.next() else {
            stack.pop();
            continue;
        };
        visit(node);
        if let Node::Block(block) = node {
            for branch in block.else_branches.iter().rev() {
                stack.push(branch.body.iter());
            }
            stack.push(block.body.iter());
        }
    }
}

/// Visits every path in the template: targets, arguments, hash values, sub-expressions,
/// block and else-chain calls, and partial arguments.
pub fn for_each_path<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Path)) {
    fn expr<'a>(e: &'a Expr, visit: &mut dyn FnMut(&'a Path)) {
        match e {
            Expr::Path(path) => visit(path),
            Expr::Literal(_) => {}
            Expr::SubExpression(inner) => call(inner, visit),
        }
    }
    fn call<'a>(c: &'a Call, visit: &mut dyn FnMut(&'a Path)) {
        expr(&c.target, visit);
        c.params.iter().for_each(|p| expr(p, visit));
        c.hash.iter().for_each(|pair| expr(&pair.value, visit));
    }
    walk(nodes, &mut |node| match node {
        Node::Expression(e) => call(&e.call, visit),
        Node::Block(block) => {
            call(&block.call, visit);
            for chain in block.else_branches.iter().filter_map(|b| b.chain.as_ref()) {
                call(chain, visit);
            }
        }
        Node::Partial(partial) => {
            if let Some(context) = &partial.context {
                expr(context, visit);
            }
            partial
                .hash
                .iter()
                .for_each(|pair| expr(&pair.value, visit));
        }
        Node::Text(_) | Node::Comment(_) | Node::Invalid(_) => {}
    });
}
