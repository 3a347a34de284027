//! `workspace/executeCommand`: render works on the editor's text, the registry commands say
//! they are not available yet with their own error code (the engine's are in
//! `engine_commands.rs`), unknown commands and
//! bad arguments are invalid params, and `$/progress` brackets a command that carries a token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{TestClient, caps, codes, run};

const RENDER: &str = "promptopt.render";
const PROMPT: &str = "---\nmodel: googleai/gemini-2.5-flash\ninput:\n  schema:\n    name: string\n---\n{{role \"system\"}}\nYou greet people. Answer in one sentence.\n{{role \"user\"}}\nHello {{name}}.\n";

#[test]
fn the_server_advertises_every_command() {
    run(async {
        let mut client = TestClient::start();
        let init = client.initialize(caps::editor(), Value::Null).await;
        assert_eq!(
            init["capabilities"]["executeCommandProvider"],
            json!({
                "commands": [
                    "promptopt.generate", "promptopt.evaluate", "promptopt.refine",
                    "promptopt.feedback", "promptopt.history", "promptopt.rollback",
                    "promptopt.render", "promptopt.save", "promptopt.annotate",
                    "promptopt.favorite", "promptopt.review", "promptopt.approve",
                    "promptopt.deploy", "promptopt.alerts",
                ],
                "workDoneProgress": true,
            })
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn render_returns_the_messages_of_the_editor_text() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, PROMPT);
        let rendered = client
            .command(
                RENDER,
                json!([{ "uri": uri, "data": { "input": { "name": "Ada" } } }]),
            )
            .await
            .expect("a valid prompt renders");
        assert_eq!(rendered["model"], "googleai/gemini-2.5-flash");
        assert_eq!(
            rendered["messages"],
            json!([
                { "role": "system", "content": [{ "text": "\nYou greet people. Answer in one sentence.\n" }] },
                { "role": "user", "content": [{ "text": "\nHello Ada." }] },
            ])
        );

        // Unsaved partials count: the partial exists only in the editor.
        let includer = client.workspace.uri("inc.prompt");
        let partial = client.workspace.uri("_sig.prompt");
        client.open(&partial, "Regards, {{name}}.");
        client.open(
            &includer,
            "---\ninput:\n  schema:\n    name: string\n---\nHi. {{> sig}}",
        );
        let rendered = client
            .command(
                RENDER,
                json!([{ "uri": includer, "data": { "input": { "name": "Bo" } } }]),
            )
            .await
            .expect("the includer renders with the open partial");
        assert_eq!(
            rendered["messages"][0]["content"][0]["text"],
            "Hi. Regards, Bo."
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn render_refuses_a_broken_prompt_bad_arguments_and_closed_documents() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("broken.prompt");
        client.open(&uri, "Hi {{#if x}} never closed\n");
        let error = client
            .command(RENDER, json!([{ "uri": uri }]))
            .await
            .expect_err("an unclosed block does not render");
        assert_eq!(error["code"], codes::INVALID_PARAMS, "{error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains("does not render"), "{message}");
        assert!(message.contains("never closed"), "{message}");
        assert!(error["data"]["range"].is_object(), "{error}");

        for arguments in [
            json!([]),
            json!(["file:///x.prompt"]),
            json!([{ "uri": 5 }]),
        ] {
            let error = client.command(RENDER, arguments.clone()).await.unwrap_err();
            assert_eq!(error["code"], codes::INVALID_PARAMS, "{arguments}: {error}");
            assert!(
                error["message"]
                    .as_str()
                    .unwrap()
                    .contains("expected one argument"),
                "{error}"
            );
        }

        let closed = client.workspace.uri("never-opened.prompt");
        let error = client
            .command(RENDER, json!([{ "uri": closed }]))
            .await
            .unwrap_err();
        assert_eq!(error["code"], codes::INVALID_PARAMS);
        assert!(
            error["message"].as_str().unwrap().contains("is not open"),
            "{error}"
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn an_unknown_command_is_invalid_params() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let error = client
            .command("promptopt.launchRockets", json!([]))
            .await
            .unwrap_err();
        assert_eq!(error["code"], codes::INVALID_PARAMS);
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("unknown command `promptopt.launchRockets`"),
            "{message}"
        );
        assert!(
            message.contains("promptopt.render"),
            "lists the commands: {message}"
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_work_done_token_brings_progress_begin_and_end() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, PROMPT);

        let rendered = client
            .request(
                "workspace/executeCommand",
                json!({ "command": RENDER, "arguments": [{ "uri": uri }], "workDoneToken": "render-1" }),
            )
            .await;
        assert!(rendered.is_ok(), "{rendered:?}");
        let values = client
            .wait_until("the end of render-1's progress", |inbox| {
                let values = inbox.progress(&json!("render-1"));
                (values.len() == 2).then_some(values)
            })
            .await;
        assert_eq!(values[0]["kind"], "begin");
        assert_eq!(values[0]["title"], "Rendering");
        assert_eq!(values[1], json!({ "kind": "end", "message": "done" }));

        // A failing command ends its progress too, and says so; numeric tokens work.
        let failed = client
            .request(
                "workspace/executeCommand",
                json!({ "command": "promptopt.generate", "arguments": [{ "task": "x", "count": 11 }], "workDoneToken": 42 }),
            )
            .await;
        assert_eq!(failed.unwrap_err()["code"], codes::INVALID_PARAMS);
        let values = client
            .wait_until("the end of token 42's progress", |inbox| {
                let values = inbox.progress(&json!(42));
                (values.len() == 2).then_some(values)
            })
            .await;
        assert_eq!(values[0]["title"], "Generating variants");
        assert_eq!(values[1], json!({ "kind": "end", "message": "failed" }));

        // No token, no progress.
        let before = client.inbox().notifications("$/progress").count();
        client
            .command(RENDER, json!([{ "uri": uri }]))
            .await
            .unwrap();
        client.roundtrip().await;
        assert_eq!(client.inbox().notifications("$/progress").count(), before);
        client.shutdown_and_exit().await;
    });
}
