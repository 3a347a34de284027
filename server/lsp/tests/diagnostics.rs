//! Diagnostics as the editor receives them: what each one carries, how severities map, that
//! they are cleared on close, that a burst of edits ends on the last version without ever
//! going back, and pull diagnostics for clients that ask for them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{Publish, TestClient, caps, range, range_of, run};

const UNDEFINED: &str = "undefined-variable";

/// `topic` is used but not declared: an error. Nothing says what the answer looks like: an
/// info (`missing-output-format`).
const PROMPT: &str =
    "---\ninput:\n  schema:\n    name: string\n---\nHello {{name}}, tell me about {{topic}}.\n";

#[test]
fn a_diagnostic_names_its_rule_links_its_page_and_carries_the_version() {
    run(async {
        let client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("a.prompt");
        client.open_as(&uri, "dotprompt", 7, PROMPT);
        let publish = client.wait_for_version(&uri, 7).await;
        let diagnostic = publish.find(UNDEFINED);
        assert_eq!(diagnostic["code"], UNDEFINED);
        assert_eq!(
            diagnostic["codeDescription"]["href"],
            "https://github.com/promptopt/promptopt/blob/main/docs/rules/undefined-variable.md"
        );
        assert_eq!(diagnostic["source"], "promptopt");
        assert_eq!(diagnostic["severity"], 1);
        assert_eq!(diagnostic["range"], range_of(PROMPT, "topic"));
        let message = diagnostic["message"].as_str().unwrap();
        assert!(message.starts_with("`topic` is not declared"), "{message}");
        // Every diagnostic says where it comes from and links its rule's page.
        for diagnostic in &publish.diagnostics {
            assert_eq!(diagnostic["source"], "promptopt", "{diagnostic}");
            let code = diagnostic["code"].as_str().expect("a rule id as code");
            assert!(
                diagnostic["codeDescription"]["href"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("/docs/rules/{code}.md")),
                "{diagnostic}"
            );
        }
        client.shutdown_and_exit().await;
    });
}

#[test]
fn duplicates_point_at_the_first_copy_through_related_information() {
    run(async {
        let client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("dup.prompt");
        let text = "---\nmodel: googleai/gemini-2.5-flash\nmodel: googleai/gemini-2.5-pro\n---\nYou are a support agent for Acme.\nAlways answer in a friendly and professional tone.\nLook up the order before answering.\nAlways answer in a professional and friendly tone.\n";
        client.open(&uri, text);
        let publish = client.wait_for_version(&uri, 1).await;

        let key = publish.find("frontmatter-invalid-yaml");
        assert_eq!(key["range"], range((2, 0), (2, 5)), "{key}");
        assert_eq!(
            key["relatedInformation"],
            json!([{ "location": { "uri": uri, "range": range((1, 0), (1, 5)) }, "message": "first set here" }])
        );

        let copy = publish.find("duplicate-instruction");
        assert_eq!(copy["range"], range((7, 0), (7, 50)), "{copy}");
        assert_eq!(
            copy["relatedInformation"],
            json!([{ "location": { "uri": uri, "range": range((5, 0), (5, 50)) }, "message": "first given here" }])
        );
        // The copy is unnecessary text: editors fade it.
        assert_eq!(copy["tags"], json!([1]));
        client.shutdown_and_exit().await;
    });
}

#[test]
fn severities_map_to_lsp_levels_by_default_and_as_configured() {
    run(async {
        // A client that pushes its settings (no `workspace/configuration`).
        let client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("levels.prompt");
        let text = "---\ninput:\n  schema:\n    name: string\n---\nYou are a support agent for Acme.\nAlways answer in a friendly and professional tone, {{name}}.\nLook up the order before answering {{topic}}.\nAlways answer in a professional and friendly tone, {{name}}.\n";
        client.open(&uri, text);
        let publish = client.wait_for_version(&uri, 1).await;
        let severity = |p: &Publish, code: &str| p.find(code)["severity"].clone();
        assert_eq!(severity(&publish, UNDEFINED), 1, "error");
        assert_eq!(severity(&publish, "duplicate-instruction"), 2, "warning");
        let other = client.workspace.uri("info.prompt");
        client.open(&other, PROMPT);
        let info = client.wait_for_version(&other, 1).await;
        assert_eq!(severity(&info, "missing-output-format"), 3, "info");

        for (level, expected) in [("hint", 4), ("info", 3), ("warning", 2), ("error", 1)] {
            client.notify(
                "workspace/didChangeConfiguration",
                json!({ "settings": { "promptopt": { "lint": { "rules": { UNDEFINED: level } } } } }),
            );
            let publish = client
                .wait_for_diagnostics(&uri, |p| {
                    p.has(UNDEFINED) && p.find(UNDEFINED)["severity"] == expected
                })
                .await;
            assert_eq!(
                publish.version,
                Some(1),
                "a re-lint keeps the document's version"
            );
        }
        client.shutdown_and_exit().await;
    });
}

#[test]
fn closing_a_document_clears_its_diagnostics() {
    run(async {
        let client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        assert!(client.wait_for_version(&uri, 1).await.has(UNDEFINED));
        client.close(&uri);
        let cleared = client
            .wait_for_diagnostics(&uri, |p| p.diagnostics.is_empty())
            .await;
        assert_eq!(cleared.version, None, "a closed document has no version");
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_burst_of_edits_ends_on_the_last_version_and_never_goes_back() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("burst.prompt");
        let start = "---\ninput:\n  schema:\n    name: string\n---\nHello {{name}}.\n";
        client.open(&uri, start);
        // Typed one character per edit, back to back, as fast as the pipe takes them.
        let typed = "Ask about {{topic}} then {{place}}, kindly. Thanks";
        assert_eq!(typed.chars().count(), 50);
        for (i, ch) in typed.chars().enumerate() {
            let at = u32::try_from(i).unwrap();
            client.change(
                &uri,
                2 + i64::from(at),
                range((6, at), (6, at)),
                &ch.to_string(),
            );
        }
        let last = client.wait_for_version(&uri, 51).await;
        let undefined: Vec<&Value> = last.all(UNDEFINED);
        assert_eq!(undefined.len(), 2, "{:#?}", last.diagnostics);
        let text = format!("{start}{typed}");
        assert_eq!(undefined[0]["range"], range_of(&text, "topic"));
        assert_eq!(undefined[1]["range"], range_of(&text, "place"));

        client.roundtrip().await;
        let versions: Vec<i64> = client
            .inbox()
            .publishes(&uri)
            .iter()
            .map(|p| p.version.expect("an open document's publish has a version"))
            .collect();
        assert!(
            versions.windows(2).all(|w| w[0] <= w[1]),
            "a publish went back to an older version: {versions:?}"
        );
        assert_eq!(versions.last(), Some(&51), "{versions:?}");
        client.shutdown_and_exit().await;
    });
}

/// The `kind` and `resultId` of a pull report.
fn report(report: &Value) -> (&str, &str) {
    (
        report["kind"].as_str().expect("a report kind"),
        report["resultId"].as_str().unwrap_or_default(),
    )
}

#[test]
fn pull_diagnostics_report_full_then_unchanged_and_nothing_is_pushed() {
    run(async {
        let mut client = TestClient::start();
        let init = client.initialize(caps::pull(), Value::Null).await;
        assert_eq!(
            init["capabilities"]["diagnosticProvider"],
            json!({ "identifier": "promptopt", "interFileDependencies": true, "workspaceDiagnostics": false })
        );
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);

        let first = client.pull(&uri, None).await;
        let (kind, id) = report(&first);
        assert_eq!(kind, "full");
        assert!(!id.is_empty(), "a full report carries a result id: {first}");
        let items = first["items"].as_array().unwrap();
        let undefined = items.iter().find(|d| d["code"] == UNDEFINED).unwrap();
        assert_eq!(undefined["range"], range_of(PROMPT, "topic"));
        assert_eq!(undefined["source"], "promptopt");

        let again = client.pull(&uri, Some(id)).await;
        assert_eq!(report(&again), ("unchanged", id), "{again}");

        // An edit: the old id no longer matches, and the report follows the new text.
        client.change(&uri, 2, range_of(PROMPT, "topic"), "name");
        let edited = client.pull(&uri, Some(id)).await;
        let (kind, new_id) = report(&edited);
        assert_eq!(kind, "full", "{edited}");
        assert_ne!(new_id, id);
        assert!(
            edited["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["code"] != UNDEFINED),
            "{edited}"
        );

        // A closed document has nothing to report; the client clears it on its own.
        client.close(&uri);
        client.roundtrip().await;
        let closed = client.pull(&uri, None).await;
        assert_eq!(closed["kind"], "full");
        assert_eq!(closed["items"], json!([]));

        client.roundtrip().await;
        assert_eq!(
            client.inbox().all_publishes(),
            0,
            "a pulling client gets no publishDiagnostics"
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn pull_result_ids_change_when_settings_change_the_diagnostics() {
    run(async {
        let mut client = TestClient::initialized(caps::pull(), Value::Null).await;
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        let first = client.pull(&uri, None).await;
        let (_, id) = report(&first);
        let id = id.to_string();
        let severity = |report: &Value| {
            report["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["code"] == UNDEFINED)
                .map(|d| d["severity"].clone())
        };
        assert_eq!(severity(&first), Some(json!(1)));

        client.set_settings(json!({ "lint": { "rules": { UNDEFINED: "warning" } } }));
        client.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": null }),
        );
        // The first refresh came after `initialized`; this one is for the new settings.
        client
            .wait_for_request("workspace/diagnostic/refresh", 2)
            .await;
        let after = client.pull(&uri, Some(&id)).await;
        assert_eq!(after["kind"], "full", "stale `unchanged` answer: {after}");
        assert_eq!(severity(&after), Some(json!(2)));
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_client_that_pulls_but_takes_no_refresh_is_pushed_to() {
    run(async {
        let mut client = TestClient::start();
        let mut caps = caps::pull();
        caps["workspace"]["diagnostics"] = json!({ "refreshSupport": false });
        let init = client.initialize(caps, Value::Null).await;
        // Not advertised: a client pulling as well as being pushed to shows findings twice.
        assert!(
            init["capabilities"]["diagnosticProvider"].is_null(),
            "{:#}",
            init["capabilities"]
        );
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        let publish = client.wait_for_version(&uri, 1).await;
        assert!(publish.has(UNDEFINED), "{:?}", publish.codes());
        client.shutdown_and_exit().await;
    });
}
