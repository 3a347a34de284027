//! Facts of a dotprompt file, read from its Handlebars tree: turns from `{{role}}` markers,
//! prose from text nodes, and every variable use resolved through `#each`/`#with` scopes,
//! block params, `../`, `@root` and partials.

use serde_json::Value;

use super::{
    Facts, Inputs, PartialUse, Prose, Resolved, Usage, VariableUse, assign_turns,
    turns_from_markers,
};
use crate::document::{Document, FrontMatter};
use crate::lint::context::Workspace;
use crate::lint::options::LintOptions;
use crate::render::known_helpers;
use crate::schema::picoschema::{self, NoSchemas};
use crate::template::{Block, BlockKind, Call, Expr, LiteralValue, Node, Path};
use crate::text::Span;

/// Partials nest rarely more than a few levels; deeper chains are almost surely cycles.
const MAX_PARTIAL_DEPTH: usize = 16;

pub(super) fn collect(
    path: &str,
    document: &Document,
    options: &LintOptions,
    workspace: &dyn Workspace,
) -> Facts {
    let source = document.source();
    let body = document.template_span;
    let mut markers = Vec::new();
    let mut prose = Vec::new();
    crate::template::walk(&document.template.nodes, &mut |node| match node {
        Node::Text(span) => prose.push(Prose {
            span: *span,
            turn: 0,
        }),
        Node::Expression(expression) => {
            if let Some(role) = role_marker(&expression.call) {
                markers.push((role, expression.tag.span));
            }
        }
        _ => {}
    });
    let turns = turns_from_markers(body, "user", &markers);
    assign_turns(&mut prose, &turns);

    let mut analyzer = Analyzer {
        source,
        options,
        workspace,
        from: path,
        uses: Vec::new(),
        partials: Vec::new(),
        scopes: vec![Scope::root()],
        guards: Vec::new(),
        partial_stack: Vec::new(),
        via: None,
    };
    analyzer.nodes(&document.template.nodes);

    let (inputs, inputs_unreadable) = inputs(document);
    Facts {
        body,
        prose,
        turns,
        uses: analyzer.uses,
        partials: analyzer.partials,
        inputs,
        inputs_unreadable,
        code_blocks: Vec::new(),
    }
}

/// `{{role "system"}}` → `system`; `{{history}}` → `history`.
fn role_marker(call: &Call) -> Option<String> {
    match call.simple_name()? {
        "role" => match call.params.first()? {
            Expr::Literal(literal) => match &literal.value {
                LiteralValue::String(role) => Some(role.clone()),
                _ => None,
            },
            _ => None,
        },
        "history" if !call.has_arguments() => Some("history".into()),
        _ => None,
    }
}

fn inputs(document: &Document) -> (Option<Inputs>, bool) {
    let FrontMatter::Parsed(parsed) = &document.front_matter else {
        return (None, false);
    };
    let Some(schema) = parsed
        .metadata
        .input
        .as_ref()
        .and_then(|input| input.schema.as_ref())
    else {
        return (None, false);
    };
    let span = parsed
        .spans
        .get(&["input", "schema"])
        .map_or(parsed.split.yaml, |node| node.value);
    match compile_tolerant(schema) {
        Ok(Some(compiled)) => {
            let picoschema = !matches!(schema, Value::Object(map) if picoschema::is_json_schema(map) || map.contains_key("properties"));
            let mut yaml_path = vec!["input".to_string(), "schema".to_string()];
            if !picoschema {
                yaml_path.push("properties".into());
            }
            let inputs = Inputs {
                schema: compiled,
                span,
                yaml_path,
                picoschema,
            };
            (Some(inputs), false)
        }
        Ok(None) => (None, false),
        Err(_) => (None, true),
    }
}

/// Compiles the input schema; when picoschema fields are broken, compiles it again with each
/// broken top-level field read as `any`, so one typo (reported by `picoschema-invalid`) does
/// not silence every variable rule.
fn compile_tolerant(schema: &Value) -> Result<Option<Value>, picoschema::PicoschemaError> {
    let error = match picoschema::compile(schema, &NoSchemas) {
        Ok(compiled) => return Ok(compiled),
        Err(error) => error,
    };
    let Value::Object(fields) = schema else {
        return Err(error);
    };
    let mut repaired = serde_json::Map::new();
    for (key, value) in fields {
        let single = Value::Object(serde_json::Map::from_iter([(key.clone(), value.clone())]));
        if picoschema::compile(&single, &NoSchemas).is_ok() {
            repaired.insert(key.clone(), value.clone());
        } else {
            let field = picoschema::FieldKey::parse(key);
            let name = format!("{}{}", field.name, if field.optional { "?" } else { "" });
            repaired.insert(name, Value::String("any".into()));
        }
    }
    picoschema::compile(&Value::Object(repaired), &NoSchemas).map_err(|_| error)
}

#[derive(Debug, Clone)]
struct Scope {
    /// The context's path from the input root; `None` when it cannot be followed.
    base: Option<Vec<String>>,
    /// Block params (`as |item index|`) and partial hash arguments visible here.
    params: Vec<(String, Binding)>,
    /// The `#each`/`#with` argument as written.
    written: Option<String>,
}

impl Scope {
    fn root() -> Self {
        Self {
            base: Some(Vec::new()),
            params: Vec::new(),
            written: None,
        }
    }
}

#[derive(Debug, Clone)]
enum Binding {
    Path(Resolved),
    Data(String),
}

struct Analyzer<'a> {
    source: &'a str,
    options: &'a LintOptions,
    workspace: &'a dyn Workspace,
    from: &'a str,
    uses: Vec<VariableUse>,
    partials: Vec<PartialUse>,
    /// Context-changing scopes only (`#each`, `#with`, partials): `#if` does not change
    /// what `../` refers to.
    scopes: Vec<Scope>,
    /// Paths known to be set in the current position.
    guards: Vec<Vec<String>>,
    partial_stack: Vec<String>,
    /// While analysing a partial: its name and the tag that includes it.
    via: Option<(String, Span)>,
}

impl Analyzer<'_> {
    fn is_helper(&self, name: &str) -> bool {
        known_helpers().any(|helper| helper.name == name)
            || self.options.extra_helpers.iter().any(|h| h == name)
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::Expression(expression) => self.expression_call(&expression.call),
                Node::Block(block) => self.block(block),
                Node::Partial(partial) => {
                    let context = partial.context.as_ref();
                    if let Some(context) = context {
                        self.expr(context, Usage::Argument);
                    }
                    for pair in &partial.hash {
                        self.expr(&pair.value, Usage::Argument);
                    }
                    if let Some(name) = partial.static_name(self.source) {
                        let hash = partial
                            .hash
                            .iter()
                            .map(|pair| (pair.key.name.clone(), &pair.value))
                            .collect::<Vec<_>>();
                        self.partial(&name, partial.tag.span, context, &hash);
                    }
                }
                Node::Text(_) | Node::Comment(_) | Node::Invalid(_) => {}
            }
        }
    }

    /// `{{x}}` is a variable; `{{helper args}}` calls a helper whose arguments are variables.
    fn expression_call(&mut self, call: &Call) {
        match &call.target {
            Expr::Path(path) if !call.has_arguments() => {
                let helper = path.simple_name().is_some_and(|name| self.is_helper(name));
                if !helper {
                    self.path(path, Usage::Output);
                }
            }
            Expr::Path(_) | Expr::Literal(_) => self.arguments(call),
            Expr::SubExpression(inner) => {
                self.arguments(inner);
                self.arguments(call);
            }
        }
    }

    fn arguments(&mut self, call: &Call) {
        for param in &call.params {
            self.expr(param, Usage::Argument);
        }
        for pair in &call.hash {
            self.expr(&pair.value, Usage::Argument);
        }
    }

    fn expr(&mut self, expr: &Expr, usage: Usage) {
        match expr {
            Expr::Path(path) => {
                let helper = path.simple_name().is_some_and(|name| self.is_helper(name));
                if !helper {
                    self.path(path, usage);
                }
            }
            Expr::Literal(_) => {}
            Expr::SubExpression(call) => self.arguments(call),
        }
    }

    fn block(&mut self, block: &Block) {
        match block.kind {
            BlockKind::Raw => return,
            BlockKind::PartialBlock => {
                if let Some(name) =
                    crate::template::syntax::partial_name(&block.call.target, self.source)
                {
                    let context = block.call.params.first();
                    self.partial(&name, block.open.span, context, &[]);
                }
                self.arguments(&block.call);
                self.nodes(&block.body);
                return;
            }
            BlockKind::Decorator => {
                self.nodes(&block.body);
                return;
            }
            BlockKind::Section | BlockKind::Inverted => {}
        }
        let first = block.call.params.first();
        let name = block.name().unwrap_or_default();
        let inverted = block.kind == BlockKind::Inverted;
        match (name, first) {
            ("each", Some(target)) if !inverted => {
                let resolved = self.expr_resolved(target, Usage::Iteration);
                let element = match &resolved {
                    Some(Resolved::Input(path)) => {
                        let mut element = path.clone();
                        element.push("[]".into());
                        Resolved::Input(element)
                    }
                    _ => Resolved::Unknown,
                };
                let mut params = Vec::new();
                if let Some(item) = block.block_params.first() {
                    params.push((item.name.clone(), Binding::Path(element.clone())));
                }
                if let Some(index) = block.block_params.get(1) {
                    params.push((index.name.clone(), Binding::Data("index".into())));
                }
                let scope = Scope {
                    base: match element {
                        Resolved::Input(path) => Some(path),
                        _ => None,
                    },
                    params,
                    written: Some(target.span().text(self.source).to_string()),
                };
                self.scoped_body(&block.body, scope, guard_of(&resolved));
                self.else_branches(block);
            }
            ("with", Some(target)) if !inverted => {
                let resolved = self.expr_resolved(target, Usage::Scope);
                let mut params = Vec::new();
                if let Some(alias) = block.block_params.first() {
                    params.push((
                        alias.name.clone(),
                        Binding::Path(resolved.clone().unwrap_or(Resolved::Unknown)),
                    ));
                }
                let scope = Scope {
                    base: match &resolved {
                        Some(Resolved::Input(path)) => Some(path.clone()),
                        _ => None,
                    },
                    params,
                    written: Some(target.span().text(self.source).to_string()),
                };
                self.scoped_body(&block.body, scope, guard_of(&resolved));
                self.else_branches(block);
            }
            ("if" | "unless", Some(target)) => {
                let resolved = self.expr_resolved(target, Usage::Condition);
                let guard = guard_of(&resolved);
                let (body_guard, else_guard) = if name == "if" && !inverted {
                    (guard, None)
                } else {
                    (None, guard)
                };
                self.guarded(&block.body, body_guard);
                let mut else_guard = else_guard;
                for branch in &block.else_branches {
                    let mut guard = else_guard.take();
                    if let Some(chain) = &branch.chain {
                        if chain.simple_name() == Some("if")
                            && let Some(target) = chain.params.first()
                        {
                            guard = guard_of(&self.expr_resolved(target, Usage::Condition));
                        } else {
                            self.arguments(chain);
                        }
                    }
                    self.guarded(&branch.body, guard);
                }
            }
            _ => {
                if !self.is_helper(name)
                    && block.call.params.is_empty()
                    && block.call.hash.is_empty()
                {
                    // `{{#name}}…{{/name}}` on a plain value: a section over that value.
                    if let Expr::Path(path) = &block.call.target {
                        let usage = if inverted {
                            Usage::Condition
                        } else {
                            Usage::Scope
                        };
                        self.path(path, usage);
                    }
                } else {
                    self.arguments(&block.call);
                }
                self.nodes(&block.body);
                self.else_branches(block);
            }
        }
    }

    fn else_branches(&mut self, block: &Block) {
        for branch in &block.else_branches {
            if let Some(chain) = &branch.chain {
                self.arguments(chain);
            }
            self.nodes(&branch.body);
        }
    }

    fn scoped_body(&mut self, body: &[Node], scope: Scope, guard: Option<Vec<String>>) {
        self.scopes.push(scope);
        self.guarded(body, guard);
        self.scopes.pop();
    }

    fn guarded(&mut self, body: &[Node], guard: Option<Vec<String>>) {
        let pushed = guard.is_some();
        if let Some(guard) = guard {
            self.guards.push(guard);
        }
        self.nodes(body);
        if pushed {
            self.guards.pop();
        }
    }

    fn expr_resolved(&mut self, expr: &Expr, usage: Usage) -> Option<Resolved> {
        match expr {
            Expr::Path(path) => Some(self.path(path, usage)),
            Expr::SubExpression(call) => {
                self.arguments(call);
                None
            }
            Expr::Literal(_) => None,
        }
    }

    /// Records a use of `path` and returns what it resolves to.
    fn path(&mut self, path: &Path, usage: Usage) -> Resolved {
        let resolved = self.resolve(path);
        let guarded = match &resolved {
            Resolved::Input(p) => self
                .guards
                .iter()
                .any(|g| !g.is_empty() && p.starts_with(g)),
            _ => true,
        };
        let (span, via_partial) = match &self.via {
            Some((name, tag)) => (*tag, Some(name.clone())),
            None => (path.span, None),
        };
        self.uses.push(VariableUse {
            span,
            written: path.span.text(self.source).to_string(),
            resolved: resolved.clone(),
            usage,
            guarded,
            via_partial,
            scope: self.scopes.last().and_then(|s| s.written.clone()),
        });
        resolved
    }

    fn resolve(&self, path: &Path) -> Resolved {
        let names: Vec<String> = path.segments.iter().map(|s| s.name.clone()).collect();
        if path.data {
            return match names.split_first() {
                Some((first, rest)) if first == "root" => Resolved::Input(rest.to_vec()),
                Some((first, _)) => Resolved::Data(first.clone()),
                None => Resolved::Unknown,
            };
        }
        if path.parents == 0 && !path.this {
            if let Some((first, rest)) = names.split_first() {
                for scope in self.scopes.iter().rev() {
                    if let Some((_, binding)) = scope.params.iter().rev().find(|(n, _)| n == first)
                    {
                        return match binding {
                            Binding::Path(Resolved::Input(base)) => {
                                Resolved::Input(base.iter().chain(rest).cloned().collect())
                            }
                            Binding::Path(other) => other.clone(),
                            Binding::Data(name) => Resolved::Data(name.clone()),
                        };
                    }
                }
            }
        }
        let depth = self.scopes.len().saturating_sub(1 + path.parents as usize);
        match self.scopes.get(depth).and_then(|scope| scope.base.as_ref()) {
            Some(base) => Resolved::Input(base.iter().chain(&names).cloned().collect()),
            None => Resolved::Unknown,
        }
    }

    fn partial(&mut self, name: &str, tag: Span, context: Option<&Expr>, hash: &[(String, &Expr)]) {
        let in_partial = !self.partial_stack.is_empty();
        let mut record = PartialUse {
            name: name.to_string(),
            // Inside a partial, `tag` points into the partial's source: report at the tag
            // in this file that led there.
            span: self.via.as_ref().map_or(tag, |(_, outer)| *outer),
            found: true,
            cycle: None,
        };
        if let Some(start) = self.partial_stack.iter().position(|n| n == name) {
            let mut cycle = self.partial_stack[start..].to_vec();
            cycle.push(name.to_string());
            record.cycle = Some(cycle);
            if !in_partial || self.partials.iter().all(|p| p.cycle.is_none()) {
                self.partials.push(record);
            }
            return;
        }
        if self.partial_stack.len() >= MAX_PARTIAL_DEPTH {
            return;
        }
        let Some(text) = self.workspace.partial(self.from, name) else {
            if !in_partial {
                record.found = false;
                self.partials.push(record);
            }
            return;
        };
        if !in_partial {
            self.partials.push(record);
        }
        let partial = Document::parse(&text);
        let base = match context.map(|c| self.resolve_quiet(c)) {
            Some(Resolved::Input(path)) => Some(path),
            Some(_) => None,
            None => self.scopes.last().and_then(|s| s.base.clone()),
        };
        let params = hash
            .iter()
            .map(|(key, value)| (key.clone(), Binding::Path(self.resolve_quiet(value))))
            .collect();
        let scope = Scope {
            base,
            params,
            written: None,
        };
        // Paths inside the partial point into its own source; uses are reported at the tag.
        let outer_via = self.via.clone();
        if self.via.is_none() {
            self.via = Some((name.to_string(), tag));
        }
        self.partial_stack.push(name.to_string());
        self.scopes.push(scope);
        self.nested(&text, &partial.template.nodes);
        self.scopes.pop();
        self.partial_stack.pop();
        self.via = outer_via;
    }

    /// Analyses another source's nodes (a partial's) with this analyzer's state.
    fn nested(&mut self, source: &str, nodes: &[Node]) {
        let mut inner = Analyzer {
            source,
            options: self.options,
            workspace: self.workspace,
            from: self.from,
            uses: std::mem::take(&mut self.uses),
            partials: std::mem::take(&mut self.partials),
            scopes: std::mem::take(&mut self.scopes),
            guards: std::mem::take(&mut self.guards),
            partial_stack: std::mem::take(&mut self.partial_stack),
            via: self.via.clone(),
        };
        inner.nodes(nodes);
        self.uses = inner.uses;
        self.partials = inner.partials;
        self.scopes = inner.scopes;
        self.guards = inner.guards;
        self.partial_stack = inner.partial_stack;
    }

    fn resolve_quiet(&self, expr: &Expr) -> Resolved {
        match expr {
            Expr::Path(path) => self.resolve(path),
            _ => Resolved::Unknown,
        }
    }
}

fn guard_of(resolved: &Option<Resolved>) -> Option<Vec<String>> {
    match resolved {
        Some(Resolved::Input(path)) if !path.is_empty() => Some(path.clone()),
        _ => None,
    }
}
