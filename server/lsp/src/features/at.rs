//! What sits at an offset of a prompt: a variable, a helper, a partial, a data variable, a
//! front-matter key, or plain text. Hover, completion and signature help start here.

use promptopt_core::lint::{Context, Format, ParsedFile, Resolved, VariableUse};
use promptopt_core::render::{HelperInfo, known_helpers};
use promptopt_core::template::{Block, Call, Expr, Node, walk};
use promptopt_core::text::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Variable(VariableUse),
    Helper {
        info: &'static HelperInfo,
        span: Span,
    },
    Partial {
        name: String,
        span: Span,
    },
    DataVariable {
        name: String,
        span: Span,
    },
    /// A key or value in the front matter, by its YAML path.
    FrontMatter {
        path: Vec<String>,
        key: Option<Span>,
        value: Span,
    },
    Text,
}

/// How far back to look for the `{{` of the tag being typed.
const MAX_TAG: usize = 4096;

/// The offset just after the `{{` (or `{%` in Prompty) of an unclosed tag before `offset`.
pub fn open_tag(text: &str, offset: usize, format: Format) -> Option<usize> {
    let window_start = offset.saturating_sub(MAX_TAG);
    let window_start = (window_start..=offset).find(|&i| text.is_char_boundary(i))?;
    let before = text.get(window_start..offset)?;
    let open = match format {
        Format::Prompty => before.rfind("{{").max(before.rfind("{%")),
        _ => before.rfind("{{"),
    }?;
    let after_open = &before[open + 2..];
    if after_open.contains("}}") || after_open.contains("%}") {
        return None;
    }
    Some(window_start + open + 2)
}

/// Whether `offset` is in the front matter's YAML (its end included).
pub fn in_front_matter(file: &ParsedFile, offset: usize) -> bool {
    file.front_matter_split()
        .is_some_and(|split| touches(split.yaml, offset))
}

/// Inclusive at the end, so a cursor just after a name still points at it.
pub fn touches(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

pub fn target_at(cx: &Context<'_>, offset: usize) -> Target {
    if let Some(target) = front_matter_at(cx, offset) {
        return target;
    }
    if let Some(found) = cx
        .uses()
        .iter()
        .find(|u| u.via_partial.is_none() && touches(u.span, offset))
    {
        return match &found.resolved {
            Resolved::Data(name) => Target::DataVariable {
                name: name.clone(),
                span: found.span,
            },
            _ => Target::Variable(found.clone()),
        };
    }
    let ParsedFile::Dotprompt(document) = cx.file else {
        return Target::Text;
    };
    let source = cx.source();
    let mut found = Target::Text;
    walk(&document.template.nodes, &mut |node| {
        if found != Target::Text {
            return;
        }
        match node {
            Node::Expression(expression) if touches(expression.tag.span, offset) => {
                found = in_call(&expression.call, offset);
            }
            Node::Block(block) if touches(block.open.span, offset) => {
                found = in_call(&block.call, offset);
            }
            Node::Block(block) => found = in_close(block, offset),
            Node::Partial(partial) if touches(partial.tag.span, offset) => {
                if let Some(name) = partial.static_name(source) {
                    found = Target::Partial {
                        name,
                        span: partial.name.span(),
                    };
                }
            }
            _ => {}
        }
    });
    found
}

fn in_close(block: &Block, offset: usize) -> Target {
    let Some(close) = &block.close else {
        return Target::Text;
    };
    if !touches(close.name.span, offset) {
        return Target::Text;
    }
    helper(&close.name.name, close.name.span).unwrap_or(Target::Text)
}

fn in_call(call: &Call, offset: usize) -> Target {
    let mut exprs: Vec<&Expr> = vec![&call.target];
    exprs.extend(call.params.iter());
    exprs.extend(call.hash.iter().map(|pair| &pair.value));
    for expr in exprs {
        if !touches(expr.span(), offset) {
            continue;
        }
        return match expr {
            Expr::Path(path) if path.data => Target::DataVariable {
                name: path.dotted(),
                span: path.span,
            },
            Expr::Path(path) => path
                .simple_name()
                .and_then(|name| helper(name, path.span))
                .unwrap_or(Target::Text),
            Expr::SubExpression(inner) => in_call(inner, offset),
            Expr::Literal(_) => Target::Text,
        };
    }
    Target::Text
}

fn helper(name: &str, span: Span) -> Option<Target> {
    known_helpers()
        .find(|info| info.name == name)
        .map(|info| Target::Helper { info, span })
}

fn front_matter_at(cx: &Context<'_>, offset: usize) -> Option<Target> {
    let split = cx.file.front_matter_split()?;
    if !touches(split.yaml, offset) {
        return None;
    }
    let spans = match cx.file {
        ParsedFile::Dotprompt(document) => document.front_matter.spans(),
        ParsedFile::Prompty(document) => document.front_matter.spans(),
        ParsedFile::Plain(_) => None,
    }?;
    // The innermost node under the cursor: the last one that contains it (children follow
    // their parents).
    let node = spans
        .nodes()
        .iter()
        .rev()
        .find(|node| touches(node.key.unwrap_or(node.value).cover(node.value), offset))?;
    Some(Target::FrontMatter {
        path: node.path.clone(),
        key: node.key,
        value: node.value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::testing::world;

    fn at(text: &str) -> Target {
        let (world, position) = world("a.prompt", text);
        let offset = world.snapshot.lines().offset(position);
        world.with_context(|cx| target_at(cx, offset))
    }

    #[test]
    fn finds_what_the_cursor_is_on() {
        assert!(matches!(at("Hi {{na|me}}"), Target::Variable(u) if u.written == "name"));
        assert!(matches!(at("Hi {{name|}}"), Target::Variable(u) if u.written == "name"));
        assert!(
            matches!(at("{{#ea|ch items}}{{this}}{{/each}}"), Target::Helper { info, .. } if info.name == "each")
        );
        assert!(
            matches!(at("{{#each items}}{{this}}{{/ea|ch}}"), Target::Helper { info, .. } if info.name == "each")
        );
        assert!(
            matches!(at("{{#each items}}{{@ind|ex}}{{/each}}"), Target::DataVariable { name, .. } if name == "index")
        );
        assert!(matches!(at("{{> head|er}}"), Target::Partial { name, .. } if name == "header"));
        assert!(
            matches!(at("---\nmod|el: gpt-4o\n---\nHi"), Target::FrontMatter { path, .. } if path == ["model"])
        );
        assert!(
            matches!(at("---\ninput:\n  schema:\n    na|me: string\n---\nHi"), Target::FrontMatter { path, .. } if path == ["input", "schema", "name"])
        );
        assert_eq!(at("Just te|xt"), Target::Text);
        assert_eq!(at("Broken {{#if x}} and {{"), Target::Text);
    }
}
