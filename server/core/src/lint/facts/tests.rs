use super::Resolved;
use crate::lint::testing::Partials;
use crate::lint::{Context, LintOptions, NoWorkspace, ParsedFile, Usage, Workspace};

fn resolved_with(source: &str, workspace: &dyn Workspace) -> Vec<(String, String, bool)> {
    let file = ParsedFile::parse(source, crate::lint::Format::Dotprompt);
    let options = LintOptions::default();
    let cx = Context::new("p.prompt", &file, &options, workspace);
    cx.uses()
        .iter()
        .map(|u| {
            let to = match &u.resolved {
                Resolved::Input(path) => path.join("."),
                Resolved::Data(name) => format!("@{name}"),
                Resolved::Unknown => "?".into(),
            };
            (u.written.clone(), to, u.guarded)
        })
        .collect()
}

fn resolved(source: &str) -> Vec<(String, String)> {
    resolved_with(source, &NoWorkspace)
        .into_iter()
        .map(|(w, t, _)| (w, t))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn each_changes_the_context_and_binds_params() {
    let got = resolved(
        "{{#each items as |item i|}}{{this.name}} {{name}} {{item.id}} {{i}} {{@index}} {{../title}} {{@root.title}}{{/each}}",
    );
    assert_eq!(
        got,
        pairs(&[
            ("items", "items"),
            ("this.name", "items.[].name"),
            ("name", "items.[].name"),
            ("item.id", "items.[].id"),
            ("i", "@index"),
            ("@index", "@index"),
            ("../title", "title"),
            ("@root.title", "title"),
        ])
    );
}

#[test]
fn with_and_if_scopes() {
    let got = resolved("{{#with user}}{{name}}{{#if age}}{{../x}}{{/if}}{{/with}}");
    assert_eq!(
        got,
        pairs(&[
            ("user", "user"),
            ("name", "user.name"),
            ("age", "user.age"),
            ("../x", "x"),
        ])
    );
}

#[test]
fn helpers_are_not_variables_but_their_arguments_are() {
    let got = resolved(
        "{{role \"system\"}}{{json data}}{{history}}{{#ifEquals a b}}x{{/ifEquals}}{{media url=img}}",
    );
    assert_eq!(
        got,
        pairs(&[("data", "data"), ("a", "a"), ("b", "b"), ("img", "img")])
    );
}

#[test]
fn guards_cover_if_each_and_with_bodies() {
    let got = resolved_with(
        "{{topic}}{{#if topic}}{{topic}}{{else}}{{topic}}{{/if}}{{#unless x}}{{x}}{{else}}{{x}}{{/unless}}",
        &NoWorkspace,
    );
    let guarded: Vec<bool> = got.iter().map(|(_, _, g)| *g).collect();
    assert_eq!(guarded, [false, false, true, false, false, false, true]);
}

#[test]
fn partial_uses_resolve_in_the_callers_context() {
    let partials = Partials(vec![
        ("card", "{{title}} {{> footer}}"),
        ("footer", "{{sig}}"),
    ]);
    let got = resolved_with(
        "{{#each posts}}{{> card}}{{/each}}{{> card post}}",
        &partials,
    );
    let got: Vec<(String, String)> = got.into_iter().map(|(w, t, _)| (w, t)).collect();
    assert_eq!(
        got,
        pairs(&[
            ("posts", "posts"),
            ("title", "posts.[].title"),
            ("sig", "posts.[].sig"),
            ("post", "post"),
            ("title", "post.title"),
            ("sig", "post.sig"),
        ])
    );
}

#[test]
fn partial_cycles_and_missing_partials_are_recorded() {
    let partials = Partials(vec![("a", "{{> b}}"), ("b", "{{> a}}")]);
    let file = ParsedFile::parse("{{> a}}{{> nope}}", crate::lint::Format::Dotprompt);
    let options = LintOptions::default();
    let cx = Context::new("p.prompt", &file, &options, &partials);
    let found: Vec<(&str, bool, Option<String>)> = cx
        .partials()
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.found,
                p.cycle.as_ref().map(|c| c.join(">")),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("a", true, None),
            ("a", true, Some("a>b>a".into())),
            ("nope", false, None)
        ]
    );
}

#[test]
fn turns_and_prose() {
    let source = "Intro\n{{role \"system\"}}Be kind.{{history}}{{role \"user\"}}{{q}}";
    let file = ParsedFile::parse(source, crate::lint::Format::Dotprompt);
    let options = LintOptions::default();
    let cx = Context::new("p.prompt", &file, &options, &NoWorkspace);
    let roles: Vec<&str> = cx.turns().iter().map(|t| t.role.as_str()).collect();
    assert_eq!(roles, ["user", "system", "history", "user"]);
    let prose: Vec<(&str, usize)> = cx
        .prose()
        .iter()
        .map(|p| (cx.text(p.span), p.turn))
        .collect();
    assert_eq!(prose, [("Intro\n", 0), ("Be kind.", 1)]);
    assert_eq!(cx.uses()[0].usage, Usage::Output);
}

#[test]
fn inputs_lookup_understands_picoschema() {
    let source = "---\ninput:\n  schema:\n    name?: string\n    user(object):\n      id: integer\n    tags(array): string\n---\n{{name}}";
    let file = ParsedFile::parse(source, crate::lint::Format::Dotprompt);
    let options = LintOptions::default();
    let cx = Context::new("p.prompt", &file, &options, &NoWorkspace);
    let inputs = cx.inputs().expect("schema compiles");
    let path = |p: &str| p.split('.').map(String::from).collect::<Vec<_>>();
    use crate::lint::SchemaLookup::*;
    assert!(matches!(inputs.lookup(&path("user.id")), Found(_)));
    assert!(matches!(
        inputs.lookup(&path("user.nmae")),
        Missing { at: 1, .. }
    ));
    assert!(matches!(inputs.lookup(&path("tags.[]")), Found(_)));
    assert!(matches!(
        inputs.lookup(&path("name.first")),
        NotAContainer { at: 1, .. }
    ));
    assert!(inputs.is_optional(&path("name")));
    assert!(!inputs.is_optional(&path("user.id")));
    let spans = cx.front_matter().expect("front matter").spans;
    let (key, _) = inputs
        .field_spans(spans, &["user", "id"])
        .expect("declared");
    assert_eq!(cx.text(key), "id");
    let (key, _) = inputs.field_spans(spans, &["name"]).expect("declared");
    assert_eq!(cx.text(key), "name?");
}

#[test]
fn one_broken_field_leaves_the_others_checkable() {
    let source = "---\ninput:\n  schema:\n    name: string\n    tier?: str\n---\n{{name}}";
    let file = ParsedFile::parse(source, crate::lint::Format::Dotprompt);
    let options = LintOptions::default();
    let cx = Context::new("p.prompt", &file, &options, &NoWorkspace);
    let inputs = cx.inputs().expect("the valid fields are still read");
    let names: Vec<&str> = inputs.fields().map(|(name, _)| name).collect();
    assert_eq!(names, ["name", "tier"]);
    assert!(!cx.inputs_unreadable());
}
