//! Prompty parser tests: small inline files, exact results.

use super::*;
use PromptyErrorKind::*;

fn parse(source: &str) -> PromptyDocument {
    let doc = PromptyDocument::parse(source);
    check_spans(&doc);
    doc
}

/// Every span lies inside the source and on character boundaries.
#[track_caller]
fn check_spans(doc: &PromptyDocument) {
    let source = doc.source();
    let check = |span: Span, what: &str| {
        assert!(
            span.start <= span.end
                && span.end <= source.len()
                && source.is_char_boundary(span.start)
                && source.is_char_boundary(span.end),
            "{what} span {span:?} is not on char boundaries of a {}-byte source",
            source.len()
        );
    };
    check(doc.body, "body");
    for node in &doc.nodes {
        check(node.span(), "node");
        match node {
            JinjaNode::Output { expr, .. } => check(*expr, "expr"),
            JinjaNode::Statement { args, .. } => check(*args, "args"),
            JinjaNode::Comment { content, .. } => check(*content, "comment"),
            JinjaNode::Text(_) => {}
        }
    }
    for role in &doc.roles {
        check(role.span, "role");
        check(role.name_span, "role name");
    }
    for variable in doc.variables() {
        check(variable.span, "variable");
    }
    for error in &doc.errors {
        check(error.span, "error");
    }
}

/// A compact outline of the nodes.
fn outline(doc: &PromptyDocument) -> String {
    let source = doc.source();
    doc.nodes
        .iter()
        .map(|node| match node {
            JinjaNode::Text(span) => format!("text({:?})", span.text(source)),
            JinjaNode::Output { expr, .. } => format!("out({})", expr.text(source)),
            JinjaNode::Statement { keyword, args, .. } => {
                format!("stmt({keyword}|{})", args.text(source))
            }
            JinjaNode::Comment { content, .. } => format!("comment({})", content.text(source)),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each variable as `path usage` (`!` when guarded), with the path checked against its span.
#[track_caller]
fn vars(source: &str) -> Vec<String> {
    let doc = parse(source);
    assert!(doc.errors.is_empty(), "unexpected errors: {:?}", doc.errors);
    variables_of(&doc)
}

fn variables_of(doc: &PromptyDocument) -> Vec<String> {
    doc.variables()
        .iter()
        .map(|v| {
            assert_eq!(v.path.first(), Some(&v.root));
            let guard = if v.guarded { "!" } else { "" };
            format!(
                "{} {:?}{guard} @{}",
                v.path.join("."),
                v.usage,
                v.span.text(doc.source())
            )
        })
        .collect()
}

/// Each error as (kind, text under its span).
fn errors(source: &str) -> Vec<(PromptyErrorKind, String)> {
    let doc = parse(source);
    doc.errors
        .iter()
        .map(|e| (e.kind, e.span.text(source).to_string()))
        .collect()
}

fn messages(source: &str) -> Vec<String> {
    parse(source)
        .errors
        .into_iter()
        .map(|e| e.message)
        .collect()
}

// ---- front matter -----------------------------------------------------------------------

#[test]
fn front_matter_absent() {
    let source = "Hello {{ name }}";
    let doc = parse(source);
    assert!(matches!(doc.front_matter, PromptyFrontMatter::Absent));
    assert_eq!(doc.body, Span::new(0, source.len()));
    assert_eq!(doc.inputs(), None);
    assert_eq!(variables_of(&doc), ["name Output @name"]);
}

#[test]
fn front_matter_parsed_with_inputs() {
    let source = "---\nname: Demo\ninputs:\n  user_input:\n    type: string\n---\n\nsystem:\nBe brief.\nuser:\n{{user_input}}";
    let doc = parse(source);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    let PromptyFrontMatter::Parsed { raw, spans, split } = &doc.front_matter else {
        panic!("expected parsed front matter, got {:?}", doc.front_matter);
    };
    assert_eq!(raw["name"], "Demo");
    assert_eq!(
        split.yaml.text(source),
        "name: Demo\ninputs:\n  user_input:\n    type: string"
    );
    assert_eq!(
        spans
            .get(&["inputs", "user_input", "type"])
            .map(|n| n.value.text(source)),
        Some("string")
    );
    let inputs: Vec<&String> = doc.inputs().map(|m| m.keys().collect()).unwrap_or_default();
    assert_eq!(inputs, ["user_input"]);
    assert!(doc.body.text(source).starts_with("system:\n"));
    assert_eq!(variables_of(&doc), ["user_input Output @user_input"]);
}

#[test]
fn front_matter_invalid_yaml_is_an_error_and_the_body_is_still_read() {
    let source = "---\nname: [unclosed\n---\nuser:\n{{ question }}";
    let doc = parse(source);
    assert!(matches!(
        doc.front_matter,
        PromptyFrontMatter::Invalid { .. }
    ));
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(doc.errors[0].kind, FrontMatterSyntax);
    assert!(!doc.errors[0].span.is_empty());
    assert!(
        doc.errors[0].message.contains("not valid YAML")
            && doc.errors[0].message.contains("fix the YAML"),
        "{}",
        doc.errors[0].message
    );
    assert_eq!(doc.body.text(source), "user:\n{{ question }}");
    assert_eq!(variables_of(&doc), ["question Output @question"]);
    assert_eq!(doc.roles.len(), 1);
}

#[test]
fn front_matter_that_is_not_a_mapping() {
    let source = "---\n- a\n- b\n---\nbody";
    let doc = parse(source);
    assert!(matches!(
        doc.front_matter,
        PromptyFrontMatter::Invalid { .. }
    ));
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(doc.errors[0].kind, FrontMatterSyntax);
    assert!(doc.errors[0].message.contains("must be a mapping"));
}

#[test]
fn byte_order_mark_and_empty_front_matter() {
    let source = "\u{feff}---\n\n---\nuser:\nhi";
    let doc = parse(source);
    assert_eq!(doc.front_matter.raw().map(Map::len), Some(0));
    assert_eq!(doc.body.text(source), "user:\nhi");
}

// ---- role lines -------------------------------------------------------------------------

fn roles(source: &str) -> Vec<(String, String, String)> {
    let doc = parse(source);
    doc.roles
        .iter()
        .map(|r| {
            (
                r.role.clone(),
                r.span.text(source).to_string(),
                r.name_span.text(source).to_string(),
            )
        })
        .collect()
}

#[test]
fn role_pattern_compiles() {
    assert!(ROLE_PATTERN.is_some());
}

#[test]
fn role_lines_any_case_with_hash_and_spaces() {
    let source = "system:\nA\n  # User :  \nB\nASSISTANT:\r\nC\n\tfunction:\ntools:\n#system:\n";
    let found = roles(source);
    let expected = [
        ("system", "system:", "system"),
        ("user", "  # User :  ", "User"),
        ("assistant", "ASSISTANT:", "ASSISTANT"),
        ("function", "\tfunction:", "function"),
        ("tools", "tools:", "tools"),
        ("system", "#system:", "system"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn role_lines_with_arguments() {
    let source = "assistant[name=\"bot\", id=2]:\nHi";
    let doc = parse(source);
    assert_eq!(doc.roles.len(), 1);
    assert_eq!(doc.roles[0].role, "assistant");
    assert_eq!(
        doc.roles[0].args.map(|s| s.text(source)),
        Some("[name=\"bot\", id=2]")
    );
}

#[test]
fn not_role_lines() {
    // Text after the colon, a word before the role, another role name, `##`, a tag on the
    // line, and role lines inside a comment.
    let source = "user: hello\nnot user:\nsystems:\n## user:\nUser: {{ q }}\n{% if x %}user:{% endif %}\n{# \nuser:\n #}\nassistant\n";
    assert_eq!(roles(source), []);
}

#[test]
fn role_lines_inside_raw_blocks_and_after_tags() {
    let source = "{{ intro }}\nuser:\n{% raw %}\nassistant:\n{% endraw %}";
    let names: Vec<String> = roles(source).into_iter().map(|r| r.0).collect();
    assert_eq!(names, ["user", "assistant"]);
}

#[test]
fn preamble_is_the_text_before_the_first_role() {
    let doc = parse("---\nname: x\n---\nYou are terse.\n\nuser:\n{{ q }}");
    assert_eq!(
        doc.preamble().map(|s| s.text(doc.source())),
        Some("You are terse.")
    );
    let doc = parse("system:\nHi");
    assert_eq!(doc.preamble(), None);
    let doc = parse("no roles at all");
    assert_eq!(
        doc.preamble().map(|s| s.text(doc.source())),
        Some("no roles at all")
    );
}

// ---- nodes ------------------------------------------------------------------------------

#[test]
fn nodes_with_exact_spans() {
    let source = "a {{ x }} b {%- if y -%} c {# note #}{% endif %}";
    let doc = parse(source);
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(
        outline(&doc),
        r#"text("a ") out(x) text(" b ") stmt(if|y) text(" c ") comment(note) stmt(endif|)"#
    );
    let spans: Vec<&str> = doc.nodes.iter().map(|n| n.span().text(source)).collect();
    assert_eq!(
        spans,
        [
            "a ",
            "{{ x }}",
            " b ",
            "{%- if y -%}",
            " c ",
            "{# note #}",
            "{% endif %}"
        ]
    );
}

#[test]
fn whitespace_control_signs_on_every_tag() {
    let doc = parse("{%+ if x +%}{{- y -}}{#- c -#}{%- endif %}{#+ d +#}");
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(
        outline(&doc),
        "stmt(if|x) out(y) comment(c) stmt(endif|) comment(d)"
    );
}

#[test]
fn strings_and_dicts_may_contain_closing_braces() {
    let doc = parse("{{ {'a': '}}'}['a'] ~ x }} after");
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(outline(&doc), r#"out({'a': '}}'}['a'] ~ x) text(" after")"#);
    assert_eq!(variables_of(&doc), ["x Output @x"]);
}

#[test]
fn raw_block_content_is_text() {
    let doc = parse("{% raw %}{{ not a var }} {% if %}{%- endraw %}{{ y }}");
    assert!(doc.errors.is_empty(), "{:?}", doc.errors);
    assert_eq!(
        outline(&doc),
        r#"stmt(raw|) text("{{ not a var }} {% if %}") stmt(endraw|) out(y)"#
    );
    assert_eq!(variables_of(&doc), ["y Output @y"]);
}

// ---- variables --------------------------------------------------------------------------

#[test]
fn attributes_indexes_filters_and_methods() {
    assert_eq!(
        vars(
            "{{ user.name | upper }} {{ items[0]['title'] }} {{ name.strip() }} {{ a.b.c() }} {{ rows.0.id }}"
        ),
        [
            "user.name Output @user.name",
            "items.0.title Output @items[0]['title']",
            "name Output @name",
            "a.b Output @a.b",
            "rows.0.id Output @rows.0.id",
        ]
    );
}

#[test]
fn filter_and_test_names_literals_and_globals_are_not_variables() {
    assert_eq!(
        vars(
            "{{ x | default('n/a') | join(sep) }}{% if y is defined and z is not none %}{% endif %}{{ true }}{{ None }}{{ range(3) }}{{ 'lit' }}{{ 1 + n * 2.5 }}{{ w is divisibleby 3 }}{{ v is sameas false }}"
        ),
        [
            "x Output @x",
            "sep Argument @sep",
            "y Condition @y",
            "z Condition @z",
            "n Output @n",
            "w Output @w",
            "v Output @v",
        ]
    );
}

#[test]
fn dynamic_indexes_stop_the_path() {
    assert_eq!(
        vars("{{ table[key].name }}{{ xs[1:n] }}{{ d[-1] }}"),
        [
            "table Output @table",
            "key Argument @key",
            "xs Output @xs",
            "n Argument @n",
            "d Output @d",
        ]
    );
}

#[test]
fn loop_variables_are_bound_in_the_loop_only() {
    assert_eq!(
        vars("{% for item in items %}{{ item.title }} {{ loop.index }}{% endfor %}{{ item }}"),
        ["items Iterable @items", "item Output @item"]
    );
}

#[test]
fn tuple_unpacking_in_for() {
    assert_eq!(
        vars(
            "{% for k, v in data.items() %}{{ k }}={{ v }}{% endfor %}{% for (a, (b, c)) in rows %}{{ a }}{{ b }}{{ c }}{% endfor %}"
        ),
        ["data Iterable @data", "rows Iterable @rows"]
    );
}

#[test]
fn for_filter_condition_and_else() {
    assert_eq!(
        vars("{% for x in xs if x.ok and flag %}{{ x }}{% else %}{{ x }}{% endfor %}"),
        ["xs Iterable @xs", "flag Condition @flag", "x Output @x"]
    );
}

#[test]
fn set_with_and_macro_bind_names() {
    assert_eq!(
        vars(concat!(
            "{% set greeting = 'Hi ' ~ name %}{{ greeting }}",
            "{% with x = y %}{{ x }}{% endwith %}{{ x }}",
            "{% macro m(a, b=c) %}{{ a }}{{ b }}{{ d }}{{ caller() }}{% endmacro %}{{ m(e) }}",
            "{% set block_var %}{{ f }}{% endset %}{{ block_var }}",
            "{% set p, q = pair %}{{ p }}{{ q }}",
        )),
        [
            "name Argument @name",
            "y Argument @y",
            "x Output @x",
            "c Argument @c",
            "d Output @d",
            "e Argument @e",
            "f Output @f",
            "pair Argument @pair",
        ]
    );
}

#[test]
fn set_inside_a_loop_is_scoped_to_the_loop() {
    assert_eq!(
        vars(
            "{% for i in xs %}{% set t = i %}{{ t }}{% endfor %}{{ t }}{% if c %}{% set u = 1 %}{% endif %}{{ u }}"
        ),
        ["xs Iterable @xs", "t Output @t", "c Condition @c"]
    );
}

#[test]
fn namespaces_imports_and_includes() {
    assert_eq!(
        vars(concat!(
            "{% set ns = namespace(found=false) %}{% set ns.found = true %}{{ ns.found }}",
            "{% import 'forms.j2' as forms %}{% from 'x.j2' import a as b, c with context %}",
            "{{ forms.input(q) }}{{ b }}{{ c }}",
            "{% include partial ignore missing without context %}",
            "{% call(row) forms.table(rows) %}{{ row }}{% endcall %}",
            "{% filter truncate(limit) | upper %}text{% endfilter %}",
        )),
        [
            "q Argument @q",
            "partial Argument @partial",
            "rows Argument @rows",
            "limit Argument @limit",
        ]
    );
}

#[test]
fn conditions_and_guarded_uses() {
    assert_eq!(
        vars(concat!(
            "{% if user %}{{ user.name }}{% elif admin %}{{ admin.name }}{{ user.id }}",
            "{% else %}{{ guest }}{% endif %}{{ user.email }}",
            "{% if a and b.c %}{% if d %}{{ b.e }}{{ d }}{% endif %}{% endif %}",
        )),
        [
            "user Condition @user",
            "user.name Output! @user.name",
            "admin Condition @admin",
            "admin.name Output! @admin.name",
            "user.id Output! @user.id",
            "guest Output @guest",
            "user.email Output @user.email",
            "a Condition @a",
            "b.c Condition @b.c",
            "d Condition @d",
            "b.e Output! @b.e",
            "d Output! @d",
        ]
    );
}

#[test]
fn inline_conditions() {
    assert_eq!(
        vars("{{ a if b else c }}{{ d if e }}"),
        [
            "a Output @a",
            "b Condition @b",
            "c Output @c",
            "d Output @d",
            "e Condition @e",
        ]
    );
}

#[test]
fn non_ascii_names() {
    assert_eq!(
        vars("{{ 名前 }} {{ café.prix }}"),
        ["名前 Output @名前", "café.prix Output @café.prix"]
    );
}

// ---- errors -----------------------------------------------------------------------------

#[test]
fn text_and_foreach_in_braces_are_invalid_expressions_not_variables() {
    let source =
        "{{ foreach container in containers }}\n{{Guest Name}}\n{{ a + }}\n{{ }}\n{{ ok }}";
    let doc = parse(source);
    assert_eq!(variables_of(&doc), ["ok Output @ok"]);
    let kinds: Vec<PromptyErrorKind> = doc.errors.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [InvalidExpression; 4]);
    assert!(
        doc.errors[0].message.contains("{% for x in items %}"),
        "{}",
        doc.errors[0].message
    );
    assert!(
        doc.errors[1].message.contains("{{ guest_name }}"),
        "{}",
        doc.errors[1].message
    );
    assert!(
        doc.errors[2].message.contains("expected an expression"),
        "{}",
        doc.errors[2].message
    );
    assert!(
        doc.errors[3].message.starts_with("empty `{{ }}`"),
        "{}",
        doc.errors[3].message
    );
}

#[test]
fn unclosed_tags() {
    assert_eq!(
        errors("Hi {{ name\nnext {{ ok }} {# open\n{% if"),
        [
            (UnclosedTag, "{{ name".to_string()),
            (UnclosedTag, "{# open".to_string()),
            (UnclosedTag, "{% if".to_string()),
        ]
    );
    // The rest still parses.
    let doc = parse("Hi {{ name\nnext {{ ok }}");
    assert_eq!(variables_of(&doc), ["ok Output @ok"]);
}

#[test]
fn single_closing_brace_is_explained() {
    let source = "- \"{{ port.Mappings[0].Proto }/tcp \"\n- {{ env.Name }}";
    let doc = parse(source);
    assert_eq!(doc.errors.len(), 1);
    assert_eq!(doc.errors[0].kind, UnclosedTag);
    assert_eq!(
        doc.errors[0].span.text(source),
        "{{ port.Mappings[0].Proto }/tcp \""
    );
    assert!(
        doc.errors[0].message.contains("unexpected `}`"),
        "{}",
        doc.errors[0].message
    );
    assert_eq!(variables_of(&doc), ["env.Name Output @env.Name"]);
}

#[test]
fn unbalanced_blocks() {
    assert_eq!(
        errors("{% if x %}a"),
        [(UnclosedBlock, "{% if x %}".to_string())]
    );
    assert_eq!(
        errors("a{% endfor %}"),
        [(UnmatchedTag, "{% endfor %}".to_string())]
    );
    assert_eq!(
        errors("{% for x in y %}{% if z %}{% endfor %}{% endif %}"),
        [
            (UnclosedBlock, "{% if z %}".to_string()),
            (UnmatchedTag, "{% endif %}".to_string()),
        ]
    );
    assert_eq!(
        errors("{% block a %}{% with %}{% macro m() %}{% endmacro %}{% endwith %}{% endblock a %}"),
        []
    );
    assert_eq!(
        errors("{% raw %}{{ x }}"),
        [(UnclosedBlock, "{% raw %}".to_string())]
    );
    assert_eq!(
        errors("{% endraw %}"),
        [(UnmatchedTag, "{% endraw %}".to_string())]
    );
    assert!(messages("{% if x %}{% endfor %}")[1].contains("did you mean `{% endif %}`"));
}

#[test]
fn misplaced_else_and_elif() {
    assert_eq!(
        errors("{% else %}"),
        [(UnmatchedTag, "{% else %}".to_string())]
    );
    assert_eq!(
        errors("{% if a %}{% else %}{% elif b %}{% else %}{% endif %}"),
        [
            (UnmatchedTag, "{% elif b %}".to_string()),
            (UnmatchedTag, "{% else %}".to_string()),
        ]
    );
    assert_eq!(
        errors("{% if a %}{% else x %}{% endif %}"),
        [(InvalidExpression, "x".to_string())]
    );
    assert_eq!(errors("{% for a in b %}{% else %}{% endfor %}"), []);
}

#[test]
fn unknown_and_malformed_statements() {
    assert_eq!(
        errors("{% for x in y %}{% break %}{% endfor %}"),
        [(UnknownTag, "{% break %}".to_string())]
    );
    assert!(messages("{% break %}")[0].contains("Prompty does not enable"));
    assert_eq!(
        errors("{% for x %}{% endfor %}"),
        [(InvalidExpression, "{% for x %}".to_string())]
    );
    assert_eq!(
        errors("{% if %}{% endif %}"),
        [(InvalidExpression, "{% if %}".to_string())]
    );
    assert_eq!(
        errors("{% set %}"),
        [(InvalidExpression, "{% set %}".to_string())]
    );
    assert_eq!(
        errors("{% endif extra %}"),
        [
            (UnmatchedTag, "{% endif extra %}".to_string()),
            (InvalidExpression, "extra".to_string()),
        ]
    );
    assert_eq!(errors("{% %}"), [(InvalidExpression, "{% %}".to_string())]);
    assert_eq!(
        errors("{% 'x' %}"),
        [(InvalidExpression, "{% 'x' %}".to_string())]
    );
}

#[test]
fn lexical_errors_keep_the_block_structure() {
    // The `?` is an error, but the `for` still opens a block that binds `x`.
    let source = "{% for x in items? %}{{ x }}{% endfor %}";
    let doc = parse(source);
    assert_eq!(
        doc.errors
            .iter()
            .map(|e| (e.kind, e.span.text(source)))
            .collect::<Vec<_>>(),
        [(InvalidExpression, "?")]
    );
    assert_eq!(variables_of(&doc), Vec::<String>::new());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep_blocks = "{% if a %}".repeat(10_000);
    let doc = parse(&deep_blocks);
    assert_eq!(doc.errors.last().map(|e| e.kind), Some(TooDeep));

    for expr in [
        format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000)),
        format!("{}x", "not ".repeat(10_000)),
        format!("{}x", "- ".repeat(10_000)),
        format!("{}x", "[".repeat(50)) + &"]".repeat(50) + &"|f".repeat(10_000),
        "a if b else ".repeat(10_000) + "c",
    ] {
        let source = format!("{{{{ {expr} }}}}");
        let doc = parse(&source);
        assert!(doc.errors.len() <= 1, "{:?}", doc.errors);
    }
}

#[test]
fn very_long_tags_are_cut_on_character_boundaries() {
    for prefix in ["", "a", "ab"] {
        let source = format!("{{{{ {prefix}{} }}}}", "é".repeat(40_000));
        let doc = parse(&source);
        assert_eq!(doc.errors.len(), 1, "{:?}", doc.errors);
        assert_eq!(doc.errors[0].kind, UnclosedTag);
    }
}

#[test]
fn block_set_with_keyword_filter_arguments() {
    assert_eq!(
        vars("{% set body | truncate(length=n) %}{{ t }}{% endset %}{{ body }}"),
        ["n Argument @n", "t Output @t"]
    );
}

#[test]
fn truncations_of_a_rich_template_never_panic() {
    let source = "---\nname: t\n---\nsystem:\n{# é #}{% for k, v in d.items() if v %}{{ k ~ 'é' | upper }}{%- endfor %}\n{% raw %}{{ x }}{% endraw %}\nuser:\n{{ q[0]['a'] if q else \"—\" }}{% set n = namespace(a=1) %}";
    for (at, _) in source.char_indices() {
        parse(&source[..at]);
        parse(&source[at..]);
    }
}

/// Deterministic random documents built from the pieces that matter to the parser: no panic,
/// and every span on character boundaries (checked by `parse`).
#[test]
fn random_documents_never_panic() {
    const PIECES: [&str; 44] = [
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "-",
        "+",
        "'",
        "\"",
        "\\",
        "é",
        "😀",
        "\n",
        "\r\n",
        " ",
        "x",
        "0",
        "1.5",
        ".",
        "|",
        ":",
        ",",
        "=",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "for ",
        " in ",
        "if ",
        "endif",
        "endfor",
        "raw",
        "endraw",
        "else",
        "set ",
        "user:\n",
        "# System:\n",
        "---\n",
        "name: x\n",
        "is not ",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..20_000 {
        let len = next() % 40;
        let source: String = (0..len).map(|_| PIECES[next() % PIECES.len()]).collect();
        parse(&source);
    }
}

// ---- the calibration corpus -------------------------------------------------------------

fn corpus_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            corpus_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "prompty") {
            out.push(path);
        }
    }
}

/// Parses every `.prompty` file of the shared calibration corpus (outside this repository;
/// skipped when absent).
#[test]
fn corpus_parses_without_panics() {
    let root = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    let mut files = Vec::new();
    corpus_files(root, &mut files);
    if files.is_empty() {
        eprintln!("corpus not found at {}: skipped", root.display());
        return;
    }
    files.sort();
    let mut with_errors = Vec::new();
    let mut only_user_input = 0;
    let mut with_system_and_user = 0;
    for path in &files {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        let doc = PromptyDocument::parse(&source);
        check_spans(&doc);
        let roots: std::collections::BTreeSet<&str> =
            doc.variables().iter().map(|v| v.root.as_str()).collect();
        if roots.len() == 1 && roots.contains("user_input") {
            only_user_input += 1;
        }
        let roles: Vec<&str> = doc.roles.iter().map(|r| r.role.as_str()).collect();
        if roles.contains(&"system") && roles.contains(&"user") {
            with_system_and_user += 1;
        }
        if !doc.errors.is_empty() {
            let name = path
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            let kinds: Vec<String> = doc.errors.iter().map(|e| format!("{:?}", e.kind)).collect();
            with_errors.push(format!("{name}: {}", kinds.join(", ")));
        }
    }
    eprintln!(
        "corpus: {} files, {} with errors, {} whose only variable is user_input, {} with system and user roles",
        files.len(),
        with_errors.len(),
        only_user_input,
        with_system_and_user
    );
    for line in &with_errors {
        eprintln!("  {line}");
    }
    assert!(
        only_user_input * 100 >= files.len() * 99,
        "{only_user_input} of {}",
        files.len()
    );
    assert!(with_system_and_user * 100 >= files.len() * 99);
}
