//! Rendering tests, most taken from dotprompt's spec suite (`spec/*.yaml`).

use super::*;
use crate::schema::NoSchemas;
use serde_json::json;

fn render_with(
    source: &str,
    data: Value,
    options: Value,
    partials: &[(&str, &str)],
) -> Result<Value, RenderError> {
    let document = Document::parse(source);
    let data: DataArgument = serde_json::from_value(data).expect("valid data fixture");
    let Value::Object(options) = options else {
        panic!("options fixture must be an object")
    };
    let lookup = |name: &str| {
        partials
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_string())
    };
    render(
        &document,
        &data,
        &options,
        &RenderEnv {
            partials: &lookup,
            schemas: &NoSchemas,
        },
    )
}

#[track_caller]
fn messages(source: &str, data: Value) -> Value {
    render_with(source, data, json!({}), &[]).expect("renders")["messages"].clone()
}

#[track_caller]
fn text(source: &str, data: Value) -> String {
    let messages = messages(source, data);
    messages[0]["content"][0]["text"]
        .as_str()
        .unwrap_or("<no text>")
        .to_string()
}

#[test]
fn variables_defaults_and_no_html_escaping() {
    assert_eq!(
        text("Hello, {{name}}!\n", json!({"input": {"name": "Michael"}})),
        "Hello, Michael!\n"
    );
    let rendered = render_with(
        "Hello, {{name}}!\n",
        json!({"input": {}}),
        json!({"input": {"default": {"name": "User"}}}),
        &[],
    )
    .unwrap();
    assert_eq!(
        rendered["messages"][0]["content"][0]["text"],
        "Hello, User!\n"
    );
    assert_eq!(
        text(
            "Hello, {{name}}!\n",
            json!({"input": {"name": "<b>Pavel</b>"}})
        ),
        "Hello, <b>Pavel</b>!\n"
    );
}

#[test]
fn front_matter_defaults_apply_and_input_wins() {
    let source = "---\ninput:\n  default:\n    a: fm\n    b: fm\n---\n{{a}} {{b}}";
    assert_eq!(text(source, json!({"input": {"b": "in"}})), "fm in");
}

#[test]
fn context_data_variables_work_everywhere() {
    let source = "Current count is {{@state.count}}\nStatus is {{@state.status}}\n";
    assert_eq!(
        text(source, json!({"context": {"state": {"count": 0}}})),
        "Current count is 0\nStatus is \n"
    );
    let source = "{{#each items}}{{#if @auth.ok}}{{this}}-{{@user.role}} {{/if}}{{/each}}";
    assert_eq!(
        text(
            source,
            json!({"input": {"items": [1, 2]}, "context": {"auth": {"ok": true}, "user": {"role": "admin"}}})
        ),
        "1-admin 2-admin "
    );
}

#[test]
fn raw_ext_and_config_in_the_output() {
    let source = "---\nmodel: cool-model\nconfig:\n  temperature: 3\next1.foo: bar\next1.sub1.foo: baz\ncustom: prop\n---\nHello, world.\n";
    let rendered = render_with(source, json!({}), json!({}), &[]).unwrap();
    assert_eq!(rendered["model"], "cool-model");
    assert_eq!(rendered["config"], json!({"temperature": 3}));
    assert_eq!(
        rendered["ext"],
        json!({"ext1": {"foo": "bar"}, "ext1.sub1": {"foo": "baz"}})
    );
    assert_eq!(rendered["raw"]["custom"], "prop");
    assert!(
        rendered.get("custom").is_none(),
        "unknown keys stay only in raw"
    );
    assert_eq!(
        rendered["messages"],
        json!([{"role": "user", "content": [{"text": "Hello, world."}]}])
    );
}

#[test]
fn options_override_front_matter_and_merge_config() {
    let source = "---\nmodel: a\nconfig: {temperature: 1, topK: 3}\n---\nx";
    let rendered = render_with(
        source,
        json!({}),
        json!({"model": "b", "config": {"temperature": 0}}),
        &[],
    )
    .unwrap();
    assert_eq!(rendered["model"], "b");
    assert_eq!(rendered["config"], json!({"temperature": 0, "topK": 3}));
}

#[test]
fn schemas_are_compiled_in_the_output() {
    let source = "---\ninput:\n  schema:\n    name?: string\noutput:\n  format: json\n  schema: string\n---\n";
    let rendered = render_with(source, json!({}), json!({}), &[]).unwrap();
    assert_eq!(rendered["output"]["schema"], json!({"type": "string"}));
    assert_eq!(
        rendered["input"]["schema"]["properties"]["name"]["type"],
        json!(["string", "null"])
    );
    assert_eq!(rendered["messages"], json!([]));
}

#[test]
fn schema_errors_point_into_the_front_matter() {
    let source = "---\noutput:\n  schema:\n    f: Unknown\n---\nx";
    let error = render_with(source, json!({}), json!({}), &[]).unwrap_err();
    assert_eq!(error.kind, RenderErrorKind::Schema);
    assert!(
        error
            .message
            .contains("could not find schema with name 'Unknown'"),
        "{}",
        error.message
    );
    assert_eq!(error.span.map(|s| s.text(source)), Some("f"));
}

#[test]
fn roles_history_and_metadata() {
    let source =
        "{{role \"system\"}}System prompt\n{{history}}\n{{role \"user\"}}Additional message\n";
    let data = json!({"messages": [
        {"role": "user", "content": [{"text": "Hello"}]},
        {"role": "model", "content": [{"text": "Hi there!"}]}
    ]});
    assert_eq!(
        messages(source, data),
        json!([
            {"role": "system", "content": [{"text": "System prompt\n"}]},
            {"role": "user", "content": [{"text": "Hello"}], "metadata": {"purpose": "history"}},
            {"role": "model", "content": [{"text": "Hi there!"}], "metadata": {"purpose": "history"}},
            {"role": "user", "content": [{"text": "Additional message\n"}]}
        ])
    );
    let source = "{{role \"system\" purpose=\"instructions\"}}System instructions\n";
    assert_eq!(
        messages(source, json!({}))[0]["metadata"],
        json!({"purpose": "instructions"})
    );
}

#[test]
fn sections_media_and_json() {
    let source = "{{section \"intro\"}}\nHello world\n{{media url=u contentType=\"image/png\"}}{{json obj indent=4}}";
    let content = &messages(
        source,
        json!({"input": {"u": "https://x/a.png", "obj": {"test": true}}}),
    )[0]["content"];
    assert_eq!(
        content[0],
        json!({"metadata": {"purpose": "intro", "pending": true}})
    );
    assert_eq!(content[1], json!({"text": "\nHello world\n"}));
    assert_eq!(
        content[2],
        json!({"media": {"url": "https://x/a.png", "contentType": "image/png"}})
    );
    assert_eq!(content[3], json!({"text": "{\n    \"test\": true\n}"}));
}

#[test]
fn if_equals_and_standalone_block_lines() {
    let source = "{{#ifEquals value1 value2}}\nValues are equal\n{{else}}\nValues are not equal\n{{/ifEquals}}\n";
    assert_eq!(
        text(source, json!({"input": {"value1": 5, "value2": 5}})),
        "Values are equal\n"
    );
    assert_eq!(
        text(source, json!({"input": {"value1": 5, "value2": "5"}})),
        "Values are not equal\n"
    );
    let source = "{{#unlessEquals a b}}\ndiffer\n{{else}}\nsame\n{{/unlessEquals}}\n";
    assert_eq!(
        text(source, json!({"input": {"a": null, "b": 0}})),
        "differ\n"
    );
}

#[test]
fn whitespace_control() {
    assert_eq!(
        text(
            "Hello   {{~name~}}   World\n",
            json!({"input": {"name": "Beautiful"}})
        ),
        "HelloBeautifulWorld\n"
    );
    assert_eq!(
        text(
            "Items:{{#each items~}}\n- {{this}}\n{{~/each}}Done\n",
            json!({"input": {"items": ["one", "two", "three"]}})
        ),
        "Items:- one- two- threeDone\n"
    );
}

#[test]
fn unicode_iteration_with_standalone_close() {
    let source = "{{#each greetings}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}\n";
    assert_eq!(
        text(
            source,
            json!({"input": {"greetings": ["Hello", "你好", "こんにちは", "مرحبا"]}})
        ),
        "Hello, 你好, こんにちは, مرحبا\n"
    );
}

#[test]
fn partials_nested_with_context_and_hash() {
    let rendered = render_with(
        "{{> outer}}",
        json!({}),
        json!({}),
        &[
            ("outer", "Hello from {{> inner}}!"),
            ("inner", "a nested resolved partial"),
        ],
    )
    .unwrap();
    assert_eq!(
        rendered["messages"][0]["content"][0]["text"],
        "Hello from a nested resolved partial!"
    );
    let rendered = render_with(
        "{{> card name=\"World\"}}\n{{> topic-2.sub_topic}}",
        json!({}),
        json!({}),
        &[
            ("card", "{{!-- license --}}\nHello, {{name}}!\n"),
            ("topic-2.sub_topic", "T"),
        ],
    )
    .unwrap();
    assert_eq!(
        rendered["messages"][0]["content"][0]["text"],
        "Hello, World!\nT"
    );
}

#[test]
fn a_missing_partial_is_an_error_that_says_where_to_put_it() {
    let error = render_with("{{> header}}", json!({}), json!({}), &[]).unwrap_err();
    assert_eq!(error.kind, RenderErrorKind::MissingPartial);
    assert!(
        error.message.contains("_header.prompt"),
        "{}",
        error.message
    );
}

#[test]
fn self_including_partials_are_refused_not_overflowed() {
    let error = render_with("{{> a}}", json!({}), json!({}), &[("a", "x{{> a}}")]).unwrap_err();
    assert!(
        matches!(
            error.kind,
            RenderErrorKind::MissingPartial | RenderErrorKind::Render
        ),
        "{error:?}"
    );
}

#[test]
fn template_errors_are_refused_with_a_position() {
    let error = render_with("line one\n{{#if x}}open", json!({}), json!({}), &[]).unwrap_err();
    assert_eq!(error.kind, RenderErrorKind::Template);
    assert!(
        error
            .message
            .starts_with("template error at line 2, column 1"),
        "{}",
        error.message
    );
}

#[test]
fn unknown_helpers_with_arguments_are_errors() {
    let error = render_with("{{uppercase name}}", json!({}), json!({}), &[]).unwrap_err();
    assert!(
        error.message.contains("unknown helper 'uppercase'"),
        "{}",
        error.message
    );
}

#[test]
fn integral_floats_print_like_javascript() {
    assert_eq!(text("{{n}}", json!({"input": {"n": 1.0}})), "1");
    assert_eq!(text("{{n}}", json!({"input": {"n": 1.5}})), "1.5");
}

#[test]
fn large_templates_render_the_same_in_chunks_as_in_one_piece() {
    // Blocks, whitespace control and standalone lines on both sides of every boundary.
    let section =
        "Item {{@index}} {{name}}:\n{{#if flag}}\n  flagged\n{{/if}}\n  {{~x~}}  tail\n\n";
    let document = Document::parse(&section.repeat(600));
    let root = json!({"name": "N", "flag": true, "x": "X"});
    let mut registry = Handlebars::new();
    registry.register_escape_fn(handlebars::no_escape);
    let whole = render_text(&registry, &document, &root, usize::MAX).unwrap();
    let chunked = render_text(&registry, &document, &root, 1024).unwrap();
    assert!(chunks::split(&document, 1024).len() > 10);
    assert_eq!(chunked, whole);
}
