//! Nothing a client sends takes the server down: unknown methods, malformed params and
//! frames, edits for documents that are not open, ranges past the end, a 5 MB document,
//! binary-ish text and requests after shutdown are answered (with errors where appropriate)
//! and the server keeps serving. And the lifecycle ends as LSP says: `shutdown` then `exit`
//! makes `serve` return true, `exit` alone false, and a closed input ends it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{TestClient, caps, codes, range, range_of, run};

const PROMPT: &str =
    "---\ninput:\n  schema:\n    name: string\n---\nHello {{name}}, tell me about {{topic}}.\n";

/// Proves the server still lints: a new document gets its diagnostics.
async fn still_lints(client: &TestClient, name: &str) {
    let uri = client.workspace.uri(name);
    client.open(&uri, PROMPT);
    let publish = client.wait_for_version(&uri, 1).await;
    assert!(publish.has("undefined-variable"), "{:?}", publish.codes());
}

#[test]
fn initialize_advertises_utf16_incremental_sync_and_the_features() {
    run(async {
        let mut client = TestClient::start();
        // The pulling profile: diagnosticProvider is advertised only to clients answered by pull.
        let init = client.initialize(caps::pull(), Value::Null).await;
        let capabilities = &init["capabilities"];
        assert_eq!(init["serverInfo"]["name"], "promptopt");
        assert_eq!(capabilities["positionEncoding"], "utf-16");
        assert_eq!(
            capabilities["textDocumentSync"],
            json!({ "openClose": true, "change": 2, "save": true })
        );
        for feature in [
            "codeActionProvider",
            "hoverProvider",
            "completionProvider",
            "signatureHelpProvider",
            "definitionProvider",
            "referencesProvider",
            "renameProvider",
            "documentHighlightProvider",
            "documentSymbolProvider",
            "workspaceSymbolProvider",
            "foldingRangeProvider",
            "semanticTokensProvider",
            "inlayHintProvider",
            "documentFormattingProvider",
            "diagnosticProvider",
            "executeCommandProvider",
        ] {
            assert!(
                !capabilities[feature].is_null() && capabilities[feature] != false,
                "{feature} is not advertised: {capabilities:#}"
            );
        }
        assert_eq!(capabilities["renameProvider"]["prepareProvider"], true);
        assert_eq!(
            capabilities["codeActionProvider"]["codeActionKinds"],
            json!([
                "quickfix",
                "source.fixAll",
                "refactor.extract",
                "refactor.rewrite",
                "source"
            ])
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn before_initialize_requests_are_refused_and_initialize_happens_once() {
    run(async {
        let mut client = TestClient::start();
        let (code, _) = client
            .request_err(
                "textDocument/diagnostic",
                json!({ "textDocument": { "uri": "file:///a.prompt" } }),
            )
            .await;
        assert_eq!(code, codes::SERVER_NOT_INITIALIZED);
        let (code, _) = client.request_err("shutdown", Value::Null).await;
        assert_eq!(code, codes::SERVER_NOT_INITIALIZED);
        // A notification before initialize is dropped, not remembered.
        let early = client.workspace.uri("early.prompt");
        client.open(&early, PROMPT);

        client.initialize(caps::minimal(), Value::Null).await;
        let (code, _) = client
            .request_err("initialize", json!({ "capabilities": {} }))
            .await;
        assert_eq!(code, codes::INVALID_REQUEST, "a second initialize");
        let error = client
            .command("promptopt.render", json!([{ "uri": early }]))
            .await
            .unwrap_err();
        assert!(error["message"].as_str().unwrap().contains("is not open"));
        still_lints(&client, "a.prompt").await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn unknown_methods_are_answered_or_ignored_and_the_server_goes_on() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let (code, _) = client.request_err("promptopt/teleport", json!({})).await;
        assert_eq!(code, codes::METHOD_NOT_FOUND);
        let (code, _) = client
            .request_err("textDocument/teleport", json!(null))
            .await;
        assert_eq!(code, codes::METHOD_NOT_FOUND);
        // Unknown notifications, `$/` ones included, are ignored without an answer.
        client.notify("promptopt/teleported", json!({ "far": true }));
        client.notify("$/setTrace", json!({ "value": "verbose" }));
        client.notify("$/cancelRequest", json!({ "id": 999 }));
        client.notify("$/somethingNew", json!({}));
        client.roundtrip().await;
        assert!(client.inbox().null_id_responses().is_empty());
        still_lints(&client, "a.prompt").await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn an_unknown_dollar_request_is_method_not_found() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let (code, _) = client.request_err("$/somethingNew", json!({})).await;
        assert_eq!(code, codes::METHOD_NOT_FOUND);
        client.shutdown_and_exit().await;
    });
}

#[test]
fn malformed_params_are_invalid_params_or_ignored() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        for (method, params) in [
            ("workspace/executeCommand", json!("render please")),
            ("workspace/executeCommand", json!({ "arguments": [] })),
            ("textDocument/diagnostic", json!({})),
            (
                "textDocument/diagnostic",
                json!({ "textDocument": { "uri": "not a uri" } }),
            ),
            ("textDocument/diagnostic", json!([1, 2, 3])),
        ] {
            let (code, message) = client.request_err(method, params.clone()).await;
            assert_eq!(code, codes::INVALID_PARAMS, "{method} {params}: {message}");
        }
        // Notifications with bad params have no one to answer: they are dropped.
        client.notify("textDocument/didOpen", json!({}));
        client.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": 5 } }),
        );
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": "x", "contentChanges": 1 }),
        );
        client.notify("textDocument/didClose", json!(null));
        client.notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": "all" }),
        );
        client.notify("workspace/didChangeConfiguration", json!(17));
        still_lints(&client, "a.prompt").await;
        client.shutdown_and_exit().await;
    });
}

/// Writes one frame whose body is `body`, framed correctly.
fn send_body(client: &TestClient, body: &str) {
    client.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
}

#[test]
fn a_frame_that_is_not_json_gets_a_parse_error() {
    run(async {
        let client = TestClient::initialized(caps::minimal(), Value::Null).await;
        send_body(&client, r#"{"jsonrpc": "2.0", "id": 77, "method": "#);
        let error = client
            .wait_until("a parse error", |inbox| {
                inbox
                    .null_id_responses()
                    .first()
                    .map(|r| r["error"].clone())
            })
            .await;
        assert_eq!(error["code"], codes::PARSE_ERROR, "{error}");
    });
}

#[test]
fn the_server_reads_on_after_unreadable_frames() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        send_body(&client, r#"{"jsonrpc": "2.0", "id": 77, "method": "#);
        client
            .wait_until("a parse error", |inbox| {
                (!inbox.null_id_responses().is_empty()).then_some(())
            })
            .await;
        still_lints(&client, "a.prompt").await;
        // JSON that is not a JSON-RPC message, and a lone surrogate, which is not a Unicode
        // scalar value, so the string cannot be read.
        send_body(&client, "[1, 2, 3]");
        let uri = client.workspace.uri("surrogate.prompt");
        send_body(
            &client,
            &format!(
                r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"uri":"{uri}","languageId":"dotprompt","version":1,"text":"a\ud800b"}}}}}}"#
            ),
        );
        client
            .wait_until("an answer to each unreadable frame", |inbox| {
                (inbox.null_id_responses().len() == 3).then_some(())
            })
            .await;
        client.roundtrip().await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn changes_for_documents_that_are_not_open_are_ignored() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let ghost = client.workspace.uri("ghost.prompt");
        client.change(&ghost, 2, range((0, 0), (0, 0)), "{{boo}}");
        client.change_full(&ghost, 3, PROMPT);
        still_lints(&client, "a.prompt").await;
        client.roundtrip().await;
        assert!(
            client.inbox().publishes(&ghost).is_empty(),
            "an edit to a document that is not open must not create it"
        );
        let error = client
            .command("promptopt.render", json!([{ "uri": ghost }]))
            .await
            .unwrap_err();
        assert!(error["message"].as_str().unwrap().contains("is not open"));
        client.shutdown_and_exit().await;
    });
}

#[test]
fn ranges_past_the_end_clamp_to_the_end_and_reversed_ranges_read_start_first() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        client.wait_for_version(&uri, 1).await;
        // Line 99 does not exist: the edit lands at the end of the text.
        client.change(&uri, 2, range((99, 0), (120, 4)), "Bye {{late}}.");
        let v2_text = format!("{PROMPT}Bye {{{{late}}}}.");
        let v2 = client.wait_for_version(&uri, 2).await;
        let late = v2
            .all("undefined-variable")
            .into_iter()
            .find(|d| d["message"].as_str().unwrap().starts_with("`late`"))
            .unwrap_or_else(|| panic!("{:#?}", v2.diagnostics));
        assert_eq!(late["range"], range_of(&v2_text, "late"));

        // End before start: the span between them is replaced all the same.
        let topic = range_of(PROMPT, "topic");
        let reversed = json!({ "start": topic["end"], "end": topic["start"] });
        client.change(&uri, 3, reversed, "name");
        let v3 = client.wait_for_version(&uri, 3).await;
        assert_eq!(
            v3.all("undefined-variable").len(),
            1,
            "{:#?}",
            v3.diagnostics
        );
        client.roundtrip().await;
        client.shutdown_and_exit().await;
    });
}

/// 5 MB of prompt: a front matter, then lines of 99 letters.
fn five_megabytes() -> String {
    let line = format!("{}\n", "a".repeat(99));
    let mut text = String::from("---\ninput:\n  schema:\n    name: string\n---\n");
    while text.len() < 5 << 20 {
        text.push_str(&line);
    }
    text
}

#[test]
fn a_5_mb_document_is_taken_and_edited_while_the_server_answers() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("big.prompt");
        let text = five_megabytes();
        let lines = u32::try_from(text.matches('\n').count()).unwrap();
        client.open(&uri, &text);
        // Its lint (seconds in a debug build) runs off the protocol loop: requests are
        // answered and other documents linted meanwhile.
        client.roundtrip().await;
        still_lints(&client, "small.prompt").await;
        client.change(
            &uri,
            2,
            range((lines + 10, 0), (lines + 10, 0)),
            "THE END {{late}}",
        );
        client.close(&uri);
        client
            .wait_for_diagnostics(&uri, |p| p.version.is_none() && p.diagnostics.is_empty())
            .await;
        client.roundtrip().await;
        // The lint of the big text may still be running: the server shuts down all the same.
        client.shutdown_and_exit().await;
    });
}

#[test]
fn rendering_a_5_mb_document_does_not_stall_other_requests() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("big.prompt");
        client.open(&uri, &five_megabytes());
        let render = client.send_request(
            "workspace/executeCommand",
            json!({ "command": "promptopt.render", "arguments": [{ "uri": uri }] }),
        );
        let ping = client.send_request("promptopt/roundtrip", json!({}));
        client.response(ping).await;
        assert!(
            client.inbox().messages.iter().all(|m| m["id"] != render),
            "the request sent after the render was answered only after it"
        );
    });
}

#[test]
fn binary_ish_text_is_linted_without_harm() {
    run(async {
        let client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("binary.prompt");
        let mut text = String::from("\u{feff}---\ninput:\n  schema:\n    name: string\n---\n");
        text.push_str("nul:\0 bell:\u{7} esc:\u{1b}[31m del:\u{7f} c1:\u{85}\u{9b}\n");
        text.push_str("lone cr:\r in a line, rtl:\u{202e}evil\u{202c} zero width:\u{200b}|\n");
        text.push_str("nonchars:\u{fffe}\u{ffff}\u{10ffff} private:\u{e000} combining:e\u{301}\u{301}\u{301}\n");
        text.push_str("{{name}} {{\0}} {{#each}}{{/if}} 😀\u{fe0f}\u{200d}🔥\n");
        for byte in 1u8..=0x1f {
            text.push(char::from(byte));
        }
        client.open(&uri, &text);
        let publish = client.wait_for_version(&uri, 1).await;
        assert!(publish.has("hidden-unicode"), "{:?}", publish.codes());
        // Every range is inside the text.
        let lines = text.split('\n').count();
        for diagnostic in &publish.diagnostics {
            let end = diagnostic["range"]["end"]["line"].as_u64().unwrap();
            assert!(end < lines as u64, "{diagnostic}");
        }
        // Edit across the control characters, then delete everything.
        client.change(&uri, 2, range((6, 0), (7, 3)), "\u{0}\u{0}");
        client.wait_for_version(&uri, 2).await;
        client.change_full(&uri, 3, "");
        client.wait_for_version(&uri, 3).await;
        still_lints(&client, "a.prompt").await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn after_shutdown_requests_are_invalid_and_exit_returns_true() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        assert_eq!(
            client.request("shutdown", Value::Null).await,
            Ok(Value::Null)
        );
        let (code, _) = client
            .request_err(
                "workspace/executeCommand",
                json!({ "command": "promptopt.render", "arguments": [] }),
            )
            .await;
        assert_eq!(code, codes::INVALID_REQUEST);
        let (code, _) = client.request_err("shutdown", Value::Null).await;
        assert_eq!(code, codes::INVALID_REQUEST, "a second shutdown");
        // Notifications after shutdown are dropped.
        let uri = client.workspace.uri("late.prompt");
        client.open(&uri, PROMPT);
        client.notify("exit", Value::Null);
        assert!(client.served().await, "shutdown came first: exit code 0");
        assert!(client.inbox().publishes(&uri).is_empty());
    });
}

#[test]
fn exit_without_shutdown_returns_false() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        still_lints(&client, "a.prompt").await;
        client.notify("exit", Value::Null);
        assert!(!client.served().await, "no shutdown: exit code 1");
        client
            .wait_until("the server's output to close", |inbox| {
                inbox.output_closed.then_some(())
            })
            .await;
    });
}

#[test]
fn closing_the_input_ends_serve() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        still_lints(&client, "a.prompt").await;
        client.close_input();
        assert!(!client.served().await);

        // Even before initialize.
        let mut client = TestClient::start();
        client.close_input();
        assert!(!client.served().await);
    });
}

#[test]
fn exit_returns_even_while_the_server_waits_on_the_client() {
    run(async {
        let client = TestClient::initialized(caps::editor(), Value::Null).await;
        client.hold("workspace/configuration");
        client.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": null }),
        );
        client.wait_for_request("workspace/configuration", 2).await;
        // The editor is closing: it shuts the server down without answering.
        client.shutdown_and_exit().await;
    });
}
