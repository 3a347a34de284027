//! What the helper rules share: every helper call site of a template, and the helpers a
//! template may call.

use crate::lint::Context;
use crate::render::{HelperInfo, known_helpers};
use crate::template::{Block, BlockKind, Call, ElseBranch, Expr, Expression, Node, walk};

/// Where a call was written.
#[derive(Clone, Copy)]
pub(super) enum Site<'a> {
    /// `{{name args}}`
    Expression(&'a Expression),
    /// `{{#name args}}` or `{{^name args}}` (not partial blocks, decorators or raw blocks).
    Block(&'a Block),
    /// `{{else name args}}` in a chain.
    Else(&'a ElseBranch),
    /// `(name args)` inside another call.
    SubExpression,
}

/// Visits every call of the template in source order, sub-expressions after their parent.
pub(super) fn for_each_call<'a>(nodes: &'a [Node], visit: &mut dyn FnMut(&'a Call, Site<'a>)) {
    fn nested<'a>(call: &'a Call, visit: &mut dyn FnMut(&'a Call, Site<'a>)) {
        let args = call
            .params
            .iter()
            .chain(call.hash.iter().map(|pair| &pair.value));
        for arg in std::iter::once(&call.target).chain(args) {
            if let Expr::SubExpression(inner) = arg {
                visit(inner, Site::SubExpression);
                nested(inner, visit);
            }
        }
    }
    walk(nodes, &mut |node| match node {
        Node::Expression(expression) => {
            visit(&expression.call, Site::Expression(expression));
            nested(&expression.call, visit);
        }
        Node::Block(block) => {
            if matches!(block.kind, BlockKind::Section | BlockKind::Inverted) {
                visit(&block.call, Site::Block(block));
            }
            if block.kind != BlockKind::Raw {
                nested(&block.call, visit);
            }
            for branch in &block.else_branches {
                if let Some(chain) = &branch.chain {
                    visit(chain, Site::Else(branch));
                    nested(chain, visit);
                }
            }
        }
        Node::Partial(partial) => {
            let args = partial
                .context
                .iter()
                .chain(partial.hash.iter().map(|pair| &pair.value));
            for arg in std::iter::once(&partial.name).chain(args) {
                if let Expr::SubExpression(inner) = arg {
                    visit(inner, Site::SubExpression);
                    nested(inner, visit);
                }
            }
        }
        Node::Text(_) | Node::Comment(_) | Node::Invalid(_) => {}
    });
}

/// The helper a call names, when it names one this template may call.
pub(super) fn helper(name: &str) -> Option<&'static HelperInfo> {
    known_helpers().find(|helper| helper.name == name)
}

/// Every helper name the template may call: dotprompt's, Handlebars' and the configured ones.
pub(super) fn helper_names<'c>(cx: &'c Context<'_>) -> Vec<&'c str> {
    known_helpers()
        .map(|helper| helper.name)
        .chain(cx.options.extra_helpers.iter().map(String::as_str))
        .collect()
}

/// Renders a dotprompt source with `input` as its data, as dotprompt would: render truth for
/// the rules' tests.
#[cfg(test)]
pub(super) fn render(
    source: &str,
    input: serde_json::Value,
) -> Result<serde_json::Value, crate::render::RenderError> {
    let document = crate::document::Document::parse(source);
    let data = crate::render::DataArgument {
        input: input.as_object().cloned().unwrap_or_default(),
        ..crate::render::DataArgument::default()
    };
    let no_partials = |_: &str| -> Option<String> { None };
    crate::render::render(
        &document,
        &data,
        &serde_json::Map::new(),
        &crate::render::RenderEnv {
            partials: &no_partials,
            schemas: &crate::schema::NoSchemas,
        },
    )
}
