//! Completion inside `{{ … }}`: variables, paths, data variables, helpers, partials, roles.

use promptopt_core::lint::{Context, ParsedFile, Resolved, VariableUse};
use promptopt_core::render::known_helpers;
use promptopt_core::template::{Block, Expr, Node, walk};
use promptopt_core::text::Span;
use serde_json::Value;
use tower_lsp_server::ls_types::{CompletionItem, CompletionItemKind};

use super::{Items, word_start};
use crate::features::World;
use crate::features::at::open_tag;

pub fn complete(world: &World, offset: usize) -> Vec<CompletionItem> {
    let text = &world.snapshot.text;
    let Some(tag_start) = open_tag(text, offset, world.snapshot.format()) else {
        return Vec::new();
    };
    let content = &text[tag_start..offset];
    let trimmed = content.trim_start_matches(['~', ' ']);
    let closing = closing_braces(text, offset);
    if trimmed.starts_with('!') {
        return Vec::new();
    }
    if let Some(rest) = trimmed.strip_prefix('>') {
        let start = offset - rest.trim_start().len();
        return partials(world, Span::new(start, offset));
    }
    if let Some(rest) = trimmed.strip_prefix('#') {
        let start = offset - rest.len();
        return block_helpers(world, Span::new(start, offset + closing));
    }
    if let Some(rest) = trimmed.strip_prefix('/') {
        let start = offset - rest.len();
        return close_tags(world, offset, Span::new(start, offset + closing));
    }
    if let Some(rest) = role_argument(trimmed) {
        let start = offset - rest.len();
        return roles(world, Span::new(start, offset));
    }
    world.with_context(|cx| expression(world, cx, offset, trimmed))
}

/// How many bytes of `}}` the editor already put after the cursor.
fn closing_braces(text: &str, offset: usize) -> usize {
    if text[offset..].starts_with("}}") {
        2
    } else {
        0
    }
}

/// The text typed inside `role "…` or `role '…`.
fn role_argument(content: &str) -> Option<&str> {
    let rest = content.strip_prefix("role")?.trim_start();
    rest.strip_prefix('"').or_else(|| rest.strip_prefix('\''))
}

fn partials(world: &World, replace: Span) -> Vec<CompletionItem> {
    let mut items = Items::new(world, replace);
    let Some(folder) = world
        .snapshot
        .path
        .as_deref()
        .and_then(std::path::Path::parent)
    else {
        return Vec::new();
    };
    let mut names = Vec::new();
    collect_partials(folder, "", 0, &mut names);
    names.sort();
    for (name, path) in names {
        items.push(&name, CompletionItemKind::MODULE, &path, "");
    }
    items.finish()
}

/// `_name.prompt` files beside the prompt and one folder down (`{{> dir/name}}`).
fn collect_partials(
    folder: &std::path::Path,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, String)>,
) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten().take(2000) {
        let path = entry.path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if path.is_dir() && depth == 0 && !file.starts_with('.') {
            collect_partials(&path, &format!("{file}/"), depth + 1, out);
        } else if let Some(name) = file
            .strip_prefix('_')
            .and_then(|f| f.strip_suffix(".prompt"))
        {
            out.push((format!("{prefix}{name}"), path.display().to_string()));
        }
    }
}

fn block_helpers(world: &World, replace: Span) -> Vec<CompletionItem> {
    let mut items = Items::new(world, replace);
    let snippets: [(&str, &str); 6] = [
        ("if", "if ${1:condition}}}$0{{/if}}"),
        ("unless", "unless ${1:condition}}}$0{{/unless}}"),
        ("each", "each ${1:items}}}$0{{/each}}"),
        ("with", "with ${1:object}}}$0{{/with}}"),
        ("ifEquals", "ifEquals ${1:a} ${2:b}}}$0{{/ifEquals}}"),
        (
            "unlessEquals",
            "unlessEquals ${1:a} ${2:b}}}$0{{/unlessEquals}}",
        ),
    ];
    for (name, snippet) in snippets {
        let info = known_helpers().find(|h| h.name == name);
        let (signature, summary) = info.map_or(("", ""), |h| (h.signature, h.summary));
        items.snippet(
            name,
            snippet,
            CompletionItemKind::KEYWORD,
            signature,
            summary,
        );
    }
    items.finish()
}

/// `{{/` offers the blocks open at the cursor, innermost first.
fn close_tags(world: &World, offset: usize, replace: Span) -> Vec<CompletionItem> {
    let mut items = Items::new(world, replace);
    let ParsedFile::Dotprompt(document) = world.snapshot.file() else {
        return Vec::new();
    };
    let mut open = Vec::new();
    walk(&document.template.nodes, &mut |node| {
        if let Node::Block(block) = node {
            let body_end = block
                .close
                .as_ref()
                .map_or(block.span.end, |c| c.tag.span.end);
            if block.open.span.end <= offset && offset <= body_end {
                if let Some(name) = block.name() {
                    open.push(name.to_string());
                }
            }
        }
    });
    for name in open.iter().rev() {
        items.push_insert(name, &format!("{name}}}}}"), "close the open block");
    }
    items.finish()
}

impl Items<'_> {
    fn push_insert(&mut self, label: &str, insert: &str, detail: &str) {
        self.add(
            label,
            insert,
            CompletionItemKind::KEYWORD,
            detail,
            "",
            false,
        );
    }
}

fn roles(world: &World, replace: Span) -> Vec<CompletionItem> {
    let mut items = Items::new(world, replace);
    for (role, what) in [
        ("system", "instructions the model follows throughout"),
        ("user", "what the user says"),
        ("model", "what the model said (for few-shot examples)"),
        ("tool", "a tool's answer"),
    ] {
        items.push(role, CompletionItemKind::ENUM_MEMBER, what, "");
    }
    items.finish()
}

/// One enclosing `{{#each}}` / `{{#with}}`: the input path its body is relative to.
struct Scope {
    /// `None` when the block's argument is not a path the schema describes.
    path: Option<Vec<String>>,
    each: bool,
    params: Vec<String>,
}

fn expression(
    world: &World,
    cx: &Context<'_>,
    offset: usize,
    content: &str,
) -> Vec<CompletionItem> {
    let text = cx.source();
    let start = word_start(text, offset, |c| {
        c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '/' | '$')
    });
    let word = &text[start..offset];
    let scopes = scopes_at(cx, offset);
    let mut items = Items::new(world, Span::new(start, offset));
    let first_token = content.trim_start().len() == word.len();

    if let Some(dot) = word.rfind('.') {
        let base = &word[..dot];
        let base_path = resolve_base(base, &scopes);
        let field_start = start + dot + 1;
        let mut fields = Items::new(world, Span::new(field_start, offset));
        if let (Some(path), Some(inputs)) = (base_path, cx.inputs()) {
            add_fields(&mut fields, inputs, &path);
        }
        return fields.finish();
    }

    let here: Vec<String> = scopes
        .last()
        .and_then(|scope| scope.path.clone())
        .unwrap_or_default();
    if let Some(inputs) = cx.inputs() {
        if scopes.last().is_none_or(|scope| scope.path.is_some()) {
            add_fields(&mut items, inputs, &here);
        }
    }
    for scope in scopes.iter().rev() {
        for param in &scope.params {
            items.push(param, CompletionItemKind::VARIABLE, "block parameter", "");
        }
    }
    if let Some(scope) = scopes.last() {
        items.push("this", CompletionItemKind::KEYWORD, "the current item", "");
        if scope.each {
            for (name, what) in [
                ("@index", "0-based position of the item"),
                ("@first", "true for the first item"),
                ("@last", "true for the last item"),
                ("@key", "the key, when iterating an object"),
            ] {
                items.push(name, CompletionItemKind::VARIABLE, what, "");
            }
        }
        items.push(
            "@root",
            CompletionItemKind::VARIABLE,
            "the top of the input data",
            "",
        );
    }
    if first_token {
        for helper in known_helpers().filter(|h| !h.block) {
            let snippet = match helper.name {
                "role" => "role \"${1|system,user,model,tool|}\"",
                "json" => "json ${1:value}",
                "section" => "section \"${1:name}\"",
                "media" => "media url=${1:url}",
                "lookup" => "lookup ${1:object} ${2:key}",
                "log" => "log ${1:value}",
                other => other,
            };
            let snippet = if world.support.snippets || !snippet.contains("${1|") {
                snippet.to_string()
            } else {
                format!("{} \"system\"", helper.name)
            };
            items.snippet(
                helper.name,
                &snippet,
                CompletionItemKind::FUNCTION,
                helper.signature,
                helper.summary,
            );
        }
    }
    items.finish()
}

fn add_fields(items: &mut Items<'_>, inputs: &promptopt_core::lint::Inputs, path: &[String]) {
    let object = match inputs.lookup(path) {
        promptopt_core::lint::SchemaLookup::Found(node) => node,
        _ => return,
    };
    let Some(properties) = object.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, schema) in properties {
        let ty = schema
            .get("type")
            .map(|t| match t {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "any".to_string());
        let description = schema
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("");
        items.push(name, CompletionItemKind::FIELD, &ty, description);
    }
}

/// The input path a dotted prefix denotes (`user` → `[user]`, `this` → the scope,
/// `@root.a` → `[a]`, `../x` → the parent scope's `x`, `item` → the block param's element).
fn resolve_base(base: &str, scopes: &[Scope]) -> Option<Vec<String>> {
    let current = || {
        scopes
            .last()
            .and_then(|s| s.path.clone())
            .unwrap_or_default()
    };
    let (mut path, rest) = if let Some(rest) = base.strip_prefix("@root") {
        (Vec::new(), rest.trim_start_matches('.'))
    } else if let Some(rest) = base.strip_prefix("this") {
        (current(), rest.trim_start_matches('.'))
    } else if base.starts_with("../") {
        let ups = base.matches("../").count();
        let index = scopes.len().checked_sub(ups + 1);
        let parent = match index {
            Some(i) => scopes.get(i)?.path.clone()?,
            None => Vec::new(),
        };
        (parent, base.trim_start_matches("../"))
    } else {
        let first = base.split('.').next().unwrap_or(base);
        match scopes
            .iter()
            .rev()
            .find(|s| s.params.first().is_some_and(|p| p == first))
        {
            Some(scope) => (
                scope.path.clone()?,
                base[first.len()..].trim_start_matches('.'),
            ),
            None => (current(), base),
        }
    };
    path.extend(
        rest.split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
    Some(path)
}

/// The `#each`/`#with` blocks whose body holds `offset`, outermost first.
fn scopes_at(cx: &Context<'_>, offset: usize) -> Vec<Scope> {
    let ParsedFile::Dotprompt(document) = cx.file else {
        return Vec::new();
    };
    let mut blocks: Vec<&Block> = Vec::new();
    walk(&document.template.nodes, &mut |node| {
        if let Node::Block(block) = node {
            let body_end = block
                .close
                .as_ref()
                .map_or(block.span.end, |c| c.tag.span.start);
            if block.open.span.end <= offset && offset <= body_end {
                blocks.push(block);
            }
        }
    });
    blocks
        .into_iter()
        .filter_map(|block| {
            let each = match block.name()? {
                "each" => true,
                "with" => false,
                _ => return None,
            };
            let argument = match block.call.params.first() {
                Some(Expr::Path(path)) => Some(path.span),
                _ => None,
            };
            let path = argument
                .and_then(|span| input_path_at(cx.uses(), span))
                .map(|mut p| {
                    if each {
                        p.push("[]".to_string());
                    }
                    p
                });
            Some(Scope {
                path,
                each,
                params: block.block_params.iter().map(|p| p.name.clone()).collect(),
            })
        })
        .collect()
}

fn input_path_at(uses: &[VariableUse], span: Span) -> Option<Vec<String>> {
    uses.iter()
        .find(|u| u.span == span)
        .and_then(|u| match &u.resolved {
            Resolved::Input(path) => Some(path.clone()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use crate::features::completion::tests::{inserted, labels};

    const SCHEMA: &str = "---\ninput:\n  schema:\n    customer:\n      name: string, the first name\n      tier?: string\n    orders(array):\n      id: string\n      total: number\n---\n";

    #[test]
    fn variables_and_helpers_at_the_start_of_a_tag() {
        let found = labels("a.prompt", &format!("{SCHEMA}Hi {{{{|"));
        for expected in ["customer", "orders", "json", "role"] {
            assert!(
                found.contains(&expected.to_string()),
                "{expected} in {found:?}"
            );
        }
        assert!(!found.contains(&"this".to_string()), "{found:?}");
    }

    #[test]
    fn nested_paths_complete_from_the_schema() {
        let found = labels("a.prompt", &format!("{SCHEMA}Hi {{{{customer.|}}}}"));
        assert_eq!(found, ["name", "tier"]);
        let found = labels("a.prompt", &format!("{SCHEMA}Hi {{{{customer.na|}}}}"));
        assert_eq!(
            found,
            ["name", "tier"],
            "the client filters by the typed prefix"
        );
    }

    #[test]
    fn inside_each_the_element_fields_this_and_data_variables() {
        let found = labels(
            "a.prompt",
            &format!("{SCHEMA}{{{{#each orders}}}}- {{{{|}}}}{{{{/each}}}}"),
        );
        for expected in ["id", "total", "this", "@index", "@first", "@root"] {
            assert!(
                found.contains(&expected.to_string()),
                "{expected} in {found:?}"
            );
        }
        assert!(!found.contains(&"customer".to_string()), "{found:?}");
        let found = labels(
            "a.prompt",
            &format!("{SCHEMA}{{{{#each orders as |order|}}}}{{{{order.‸}}}}{{{{/each}}}}"),
        );
        assert_eq!(found, ["id", "total"]);
        let found = labels(
            "a.prompt",
            &format!("{SCHEMA}{{{{#each orders}}}}{{{{@root.customer.|}}}}{{{{/each}}}}"),
        );
        assert_eq!(found, ["name", "tier"]);
    }

    #[test]
    fn block_helpers_insert_a_whole_block_and_eat_auto_closed_braces() {
        assert_eq!(
            inserted("a.prompt", "{{#|}}", "each").as_deref(),
            Some("each ${1:items}}}$0{{/each}}")
        );
        let found = labels("a.prompt", "{{#each items}}{{#if x}}{{/|");
        assert_eq!(found, ["if", "each"]);
    }

    #[test]
    fn roles_and_partials() {
        let found = labels("a.prompt", "{{role \"|");
        assert_eq!(found, ["system", "user", "model", "tool"]);
        // No tag open: nothing to complete in prose.
        assert!(labels("a.prompt", "Plain text |").is_empty());
        assert!(labels("a.prompt", "{{!-- a comment |").is_empty());
    }
}
