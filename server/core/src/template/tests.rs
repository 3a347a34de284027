//! Parser tests: each starts from a small inline template and checks the tree or the errors.

use super::*;
use crate::text::Span;

fn parse(source: &str) -> Template {
    parse_template(source, 0)
}

fn text_of(source: &str, span: Span) -> &str {
    span.text(source)
}

/// A compact outline of the tree, for readable assertions.
fn outline(source: &str, nodes: &[Node]) -> String {
    let mut out = Vec::new();
    for node in nodes {
        out.push(match node {
            Node::Text(span) => format!("text({:?})", text_of(source, *span)),
            Node::Comment(c) => format!("comment({:?})", text_of(source, c.content)),
            Node::Expression(e) => format!("expr({})", text_of(source, e.call.span)),
            Node::Partial(p) => format!("partial({})", text_of(source, p.name.span())),
            Node::Invalid(span) => format!("invalid({:?})", text_of(source, *span)),
            Node::Block(b) => {
                let mut s = format!(
                    "block[{}]{{{}",
                    b.call.target_text(source),
                    outline(source, &b.body)
                );
                for branch in &b.else_branches {
                    let chain = branch
                        .chain
                        .as_ref()
                        .map_or(String::new(), |c| format!(" {}", text_of(source, c.span)));
                    s.push_str(&format!(" |else{chain}| {}", outline(source, &branch.body)));
                }
                s.push('}');
                if b.close.is_none() {
                    s.push('!');
                }
                s
            }
        });
    }
    out.join(" ")
}

#[track_caller]
fn assert_outline(source: &str, expected: &str) {
    let template = parse(source);
    assert!(
        template.errors.is_empty(),
        "unexpected errors: {:?}",
        template.errors
    );
    assert_eq!(outline(source, &template.nodes), expected);
}

#[test]
fn text_expressions_and_comments() {
    assert_outline(
        "Hi {{name}}! {{! short }}{{!-- long }} --}}{{{raw}}}{{& amp}}",
        r#"text("Hi ") expr(name) text("! ") comment(" short ") comment(" long }} ") expr(raw) expr(amp)"#,
    );
}

#[test]
fn blocks_with_else_chains_and_block_params() {
    let source =
        "{{#if a}}A{{else if b}}B{{else}}C{{/if}}{{#each items as |item i|}}{{item.name}}{{/each}}";
    assert_outline(
        source,
        r#"block[if]{text("A") |else if b| text("B") |else| text("C")} block[each]{expr(item.name)}"#,
    );
    let template = parse(source);
    let Node::Block(each) = &template.nodes[1] else {
        panic!("expected a block")
    };
    let params: Vec<_> = each.block_params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(params, ["item", "i"]);
    assert_eq!(
        text_of(source, each.span),
        "{{#each items as |item i|}}{{item.name}}{{/each}}"
    );
}

#[test]
fn helper_calls_with_params_hash_and_subexpressions() {
    let source = r#"{{role "system"}}{{media url=(concat base "/x.png") contentType='image/png'}}"#;
    let template = parse(source);
    assert!(template.errors.is_empty(), "{:?}", template.errors);
    let Node::Expression(media) = &template.nodes[1] else {
        panic!("expected an expression")
    };
    assert_eq!(media.call.simple_name(), Some("media"));
    assert_eq!(media.call.hash.len(), 2);
    assert_eq!(media.call.hash[0].key.name, "url");
    let Expr::SubExpression(sub) = &media.call.hash[0].value else {
        panic!("expected a sub-expression")
    };
    assert_eq!(text_of(source, sub.span), r#"(concat base "/x.png")"#);
    let Expr::Literal(Literal {
        value: LiteralValue::String(ct),
        ..
    }) = &media.call.hash[1].value
    else {
        panic!("expected a string")
    };
    assert_eq!(ct, "image/png");
}

#[test]
fn paths_know_data_parents_and_this() {
    let source = "{{@root.user.name}}{{../title}}{{this.x}}{{.}}{{@index}}{{a/b}}";
    let template = parse(source);
    assert!(template.errors.is_empty(), "{:?}", template.errors);
    let paths: Vec<_> = template
        .nodes
        .iter()
        .map(|n| match n {
            Node::Expression(Expression {
                call:
                    Call {
                        target: Expr::Path(p),
                        ..
                    },
                ..
            }) => (p.data, p.parents, p.this, p.dotted()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        paths,
        [
            (true, 0, false, "root.user.name".to_string()),
            (false, 1, false, "title".to_string()),
            (false, 0, true, "x".to_string()),
            (false, 0, true, String::new()),
            (true, 0, false, "index".to_string()),
            (false, 0, false, "a.b".to_string()),
        ]
    );
}

#[test]
fn partials_with_dotted_names_context_and_hash() {
    let source =
        "{{> topic-2.sub_topic}}{{> card user title=\"T\"}}{{#> layout}}fallback{{/layout}}";
    assert_outline(
        source,
        r#"partial(topic-2.sub_topic) partial(card) block[layout]{text("fallback")}"#,
    );
    let template = parse(source);
    let Node::Partial(card) = &template.nodes[1] else {
        panic!("expected a partial")
    };
    assert_eq!(card.static_name(source).as_deref(), Some("card"));
    assert!(card.context.is_some());
    assert_eq!(card.hash[0].key.name, "title");
}

#[test]
fn whitespace_control_is_recorded() {
    let template = parse("a {{~name~}} b {{~#if x~}} c {{~/if~}}");
    assert!(template.errors.is_empty());
    let Node::Expression(e) = &template.nodes[1] else {
        panic!("expected an expression")
    };
    assert!(e.tag.strip_before && e.tag.strip_after);
    let Node::Block(b) = &template.nodes[3] else {
        panic!("expected a block")
    };
    assert!(b.open.strip_before && b.open.strip_after);
    assert!(b.close.as_ref().is_some_and(|c| c.tag.strip_before));
}

#[test]
fn escaped_mustaches_and_raw_blocks_are_text() {
    assert_outline(r"a \{{not}} b", r#"text("a \\{{not}} b")"#);
    assert_outline(
        "{{{{raw}}}}{{#if}}{{{{/raw}}}}",
        r#"block[raw]{text("{{#if}}")}"#,
    );
}

#[test]
fn a_broken_tag_is_one_error_and_the_rest_parses() {
    let source = "Hello {{name}\nmore {{ok}} and {{#if x}}y{{/if}}";
    let template = parse(source);
    assert_eq!(template.errors.len(), 1, "{:?}", template.errors);
    assert_eq!(template.errors[0].kind, TemplateErrorKind::UnclosedTag);
    assert_eq!(text_of(source, template.errors[0].span), "{{name}");
    assert_eq!(
        outline(source, &template.nodes),
        r#"text("Hello ") invalid("{{name}") text("\nmore ") expr(ok) text(" and ") block[if]{text("y")}"#
    );
}

#[test]
fn invalid_tag_contents_point_at_the_problem() {
    let source = "{{foo bar=}} {{a..b}} {{x \"open}} {{ }}";
    let template = parse(source);
    let messages: Vec<_> = template
        .errors
        .iter()
        .map(|e| (text_of(source, e.span), e.message.as_str()))
        .collect();
    assert_eq!(messages.len(), 4, "{messages:#?}");
    assert_eq!(messages[0].0, "bar=");
    assert!(messages[0].1.contains("needs a value"), "{}", messages[0].1);
    assert!(
        template
            .nodes
            .iter()
            .filter(|n| matches!(n, Node::Invalid(_)))
            .count()
            == 4
    );
}

#[test]
fn a_broken_block_opening_still_pairs_with_its_close() {
    let source = "{{#each items as |x}}body{{/each}} after";
    let template = parse(source);
    assert_eq!(template.errors.len(), 1, "{:?}", template.errors);
    assert_eq!(
        outline(source, &template.nodes),
        r#"block[each]{text("body")} text(" after")"#
    );
}

#[test]
fn unclosed_and_mismatched_blocks() {
    let source = "{{#if a}}{{#each b}}x{{/if}} tail";
    let template = parse(source);
    assert_eq!(template.errors.len(), 1, "{:?}", template.errors);
    assert_eq!(template.errors[0].kind, TemplateErrorKind::UnclosedBlock);
    assert_eq!(text_of(source, template.errors[0].span), "{{#each b}}");
    assert!(template.errors[0].message.contains("{{/each}}"));
    assert_eq!(
        outline(source, &template.nodes),
        r#"block[if]{block[each]{text("x")}!} text(" tail")"#
    );

    let stray = parse("a {{/with}} b {{else}} c");
    let kinds: Vec<_> = stray.errors.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            TemplateErrorKind::UnexpectedClose,
            TemplateErrorKind::StrayElse
        ]
    );

    let open = parse("{{#if a}}never closed");
    assert_eq!(open.errors.len(), 1);
    let Node::Block(b) = &open.nodes[0] else {
        panic!("expected a block")
    };
    assert_eq!(b.span, Span::new(0, "{{#if a}}never closed".len()));
}

#[test]
fn unclosed_comment_swallows_the_rest_with_one_error() {
    let template = parse("a {{!-- note {{x}}");
    assert_eq!(template.errors.len(), 1);
    assert_eq!(template.errors[0].kind, TemplateErrorKind::UnclosedComment);
}

#[test]
fn deep_nesting_stops_with_one_error_instead_of_overflowing() {
    let depth = 10_000;
    let source = format!("{}x{}", "{{#if a}}".repeat(depth), "{{/if}}".repeat(depth));
    let template = parse(&source);
    assert_eq!(
        template.errors.len(),
        1,
        "{:?}",
        &template.errors[..3.min(template.errors.len())]
    );
    assert_eq!(template.errors[0].kind, TemplateErrorKind::TooDeep);
    let mut count = 0;
    walk(&template.nodes, &mut |_| count += 1);
    assert!(count > MAX_BLOCK_DEPTH);
}

#[test]
fn spans_are_offsets_into_the_whole_document() {
    let source = "---\nname: x\n---\nHi {{name}}";
    let start = source.find("Hi").unwrap();
    let template = parse_template(source, start);
    let Node::Expression(e) = &template.nodes[1] else {
        panic!("expected an expression")
    };
    assert_eq!(text_of(source, e.tag.span), "{{name}}");
    assert_eq!(template.span, Span::new(start, source.len()));
}

#[test]
fn non_ascii_text_and_names_keep_exact_spans() {
    let source = "こんにちは {{名前}} 😀 {{#each 項目}}{{this}}{{/each}}";
    let template = parse(source);
    assert!(template.errors.is_empty(), "{:?}", template.errors);
    assert_eq!(
        outline(source, &template.nodes),
        r#"text("こんにちは ") expr(名前) text(" 😀 ") block[each]{expr(this)}"#
    );
}

#[test]
fn a_single_brace_does_not_end_a_comment() {
    assert_outline("{{! a } b }}x", r#"comment(" a } b ") text("x")"#);
    assert_outline("{{!-- a }} --}}x", r#"comment(" a }} ") text("x")"#);
}
