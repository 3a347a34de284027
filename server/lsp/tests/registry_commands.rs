//! The registry through the server: saving records a version, and the registry commands
//! (history, feedback, rollback, annotations, favorites, review gating, alerts) act on the
//! editor's buffer with the JSON the CLI prints with `--json`. The store is the real SQLite
//! one, in the test workspace's `.promptopt/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{TestClient, caps, codes, run};

const GREET: &str = "---\nname: greet\ninput:\n  schema:\n    name: string\n---\n{{role \"system\"}}\nYou greet people by name in one sentence.\n{{role \"user\"}}\n<name>{{name}}</name>\n";

fn settings(user: &str) -> Value {
    json!({ "registry": { "user": user, "auditKeyDir": "keys" } })
}

/// VS Code's capabilities, with versioned workspace edits as VS Code has.
async fn editor(user: &str) -> TestClient {
    let mut capabilities = caps::editor();
    capabilities["workspace"]["workspaceEdit"] = json!({ "documentChanges": true });
    TestClient::initialized(capabilities, settings(user)).await
}

async fn history(client: &mut TestClient, uri: &str) -> Value {
    client
        .command("promptopt.history", json!([{ "uri": uri }]))
        .await
        .expect("history answers")
}

fn event_types(history: &Value) -> Vec<String> {
    history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect()
}

/// Polls the history until it holds `count` versions (a save is recorded in the background).
async fn wait_for_versions(client: &mut TestClient, uri: &str, count: usize) -> Value {
    for _ in 0..100 {
        let history = history(client, uri).await;
        if history["versions"].as_array().unwrap().len() == count {
            return history;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the history never held {count} versions");
}

#[test]
fn saving_a_prompt_records_a_version_when_its_content_changed() {
    run(async {
        let mut client = editor("ana").await;
        let uri = client.workspace.uri("greet.prompt");
        client.workspace.write("greet.prompt", GREET);
        client.open(&uri, GREET);
        client.save(&uri);
        let history = wait_for_versions(&mut client, &uri, 1).await;
        assert_eq!(history["promptId"], "greet");
        assert_eq!(history["versions"][0]["author"], "ana");
        assert_eq!(history["versions"][0]["origin"], "manual");
        assert_eq!(history["versions"][0]["content"], GREET);

        client.save(&uri);
        let edited = GREET.replace("one sentence", "two sentences");
        client.change_full(&uri, 2, &edited);
        client.save(&uri);
        let history = wait_for_versions(&mut client, &uri, 2).await;
        assert_eq!(history["versions"][1]["content"], edited);
        assert_eq!(history["head"], history["versions"][1]["id"]);
        assert_eq!(
            event_types(&history),
            ["PromptVersionSaved", "PromptVersionSaved"]
        );
        assert!(
            client
                .workspace
                .root()
                .join(".promptopt/promptopt.db")
                .is_file()
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn with_record_on_save_off_a_save_records_nothing() {
    run(async {
        let options = json!({ "registry": { "recordOnSave": false, "auditKeyDir": "keys" } });
        let mut client = TestClient::initialized(caps::editor(), options).await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        client.save(&uri);
        client.roundtrip().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!client.workspace.root().join(".promptopt").exists());
        client.shutdown_and_exit().await;
    });
}

#[test]
fn feedback_then_rollback_restores_the_buffer_through_an_edit() {
    run(async {
        let mut client = editor("qa@example.com").await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        let saved = client
            .command(
                "promptopt.save",
                json!([{ "uri": uri, "message": "first" }]),
            )
            .await
            .unwrap();
        assert_eq!(saved["outcome"], "created");
        let first = saved["version"]["id"].clone();

        let edited = GREET.replace("one sentence", "a haiku");
        client.change_full(&uri, 2, &edited);
        let recorded = client
            .command(
                "promptopt.feedback",
                json!([{ "uri": uri, "score": 2, "notes": "haikus confuse users" }]),
            )
            .await
            .expect("feedback is recorded");
        assert_ne!(
            recorded["versionId"], first,
            "the buffer was rated, as a new version"
        );

        let rolled = client
            .command(
                "promptopt.rollback",
                json!([{ "uri": uri, "reason": "the haiku rated 2/5" }]),
            )
            .await
            .expect("the rollback runs");
        assert_eq!(rolled["restored"], first);
        assert_eq!(rolled["version"]["content"], GREET);
        assert_eq!(rolled["applied"], true);
        let edit = client.wait_for_request("workspace/applyEdit", 1).await;
        let edits = &edit["params"]["edit"]["documentChanges"][0];
        assert_eq!(edits["textDocument"]["uri"], uri);
        assert_eq!(edits["textDocument"]["version"], 2);
        assert_eq!(edits["edits"][0]["newText"], GREET);

        let history = history(&mut client, &uri).await;
        assert_eq!(
            event_types(&history),
            [
                "PromptVersionSaved",
                "PromptVersionSaved",
                "FeedbackSubmitted",
                "RollbackTriggered"
            ]
        );
        assert_eq!(history["events"][2]["feedback"], "haikus confuse users");
        assert_eq!(history["events"][2]["user"], "qa@example.com");
        assert_eq!(history["events"][3]["reason"], "the haiku rated 2/5");
        client.shutdown_and_exit().await;
    });
}

#[test]
fn review_gating_refuses_self_approval_with_its_own_code() {
    run(async {
        let mut client = editor("ana").await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        let in_review = client
            .command("promptopt.review", json!([{ "uri": uri, "note": "ready" }]))
            .await
            .unwrap();
        assert_eq!(in_review["review"], "inReview");
        let refused = client
            .command("promptopt.approve", json!([{ "uri": uri }]))
            .await
            .expect_err("an author cannot approve their own version");
        assert_eq!(refused["code"], codes::DENIED, "{refused}");
        assert_eq!(refused["data"]["rule"], "selfApproval");
        let approved = client
            .command(
                "promptopt.approve",
                json!([{ "uri": uri, "override": "sole maintainer this week" }]),
            )
            .await
            .unwrap();
        assert_eq!(approved["review"], "approved");
        let deployed = client
            .command(
                "promptopt.deploy",
                json!([{ "uri": uri, "deployRef": "release-3" }]),
            )
            .await
            .unwrap();
        assert_eq!(deployed["review"], "deployed");
        let history = history(&mut client, &uri).await;
        assert_eq!(
            event_types(&history)[1..],
            [
                "ReviewRequested",
                "AccessDenied",
                "ApprovalOverridden",
                "PromptDeployed"
            ]
        );
        assert_eq!(history["labels"][0]["label"], "production");
        client.shutdown_and_exit().await;
    });
}

#[test]
fn annotations_favorites_and_alerts() {
    run(async {
        let mut client = editor("qa").await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        let annotated = client
            .command(
                "promptopt.annotate",
                json!([{ "uri": uri, "note": "the user turn needs an example", "lines": [9, 9] }]),
            )
            .await
            .unwrap();
        let version = annotated["versionId"].clone();
        client
            .command(
                "promptopt.favorite",
                json!([{ "uri": uri, "versionId": version, "favorite": true }]),
            )
            .await
            .unwrap();
        for score in [5, 5, 4, 5, 5, 4, 5, 5, 1, 1, 1] {
            client
                .command(
                    "promptopt.feedback",
                    json!([{ "uri": uri, "score": score }]),
                )
                .await
                .unwrap();
        }
        let history = history(&mut client, &uri).await;
        assert_eq!(history["favorites"], json!([version]));
        assert_eq!(
            history["events"][1]["note"],
            "the user turn needs an example"
        );
        assert_eq!(history["alerts"].as_array().unwrap().len(), 1, "{history}");
        let alerts = client
            .command("promptopt.alerts", json!([{ "uri": uri }]))
            .await
            .unwrap();
        assert_eq!(alerts[0]["direction"], "down");
        let shown: Vec<String> = client
            .inbox()
            .notifications("window/showMessage")
            .map(|params| params["message"].as_str().unwrap_or_default().to_owned())
            .filter(|m| m.contains("drifted"))
            .collect();
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(
            shown[0].contains("`greet` drifted: its feedback ratings went down"),
            "{shown:?}"
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn bad_arguments_are_invalid_params_and_record_nothing() {
    run(async {
        let mut client = editor("ana").await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        for (command, argument) in [
            ("promptopt.feedback", json!({ "uri": uri, "score": 9 })),
            ("promptopt.feedback", json!({ "uri": uri })),
            ("promptopt.rollback", json!({ "uri": uri })),
            ("promptopt.rollback", json!({ "uri": uri, "reason": "  " })),
            (
                "promptopt.deploy",
                json!({ "uri": uri, "label": "no spaces" }),
            ),
            (
                "promptopt.favorite",
                json!({ "uri": uri, "versionId": "nope", "favorite": true }),
            ),
            (
                "promptopt.history",
                json!({ "uri": client.workspace.uri("closed.prompt") }),
            ),
        ] {
            let error = client
                .command(command, json!([argument]))
                .await
                .expect_err("refused");
            assert_eq!(
                error["code"],
                codes::INVALID_PARAMS,
                "{command} {argument}: {error}"
            );
        }
        let history = history(&mut client, &uri).await;
        assert!(
            history["events"].as_array().unwrap().is_empty(),
            "{history}"
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn engine_commands_record_into_a_registry_the_project_uses() {
    run(async {
        let mut client = editor("ana").await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        client
            .command("promptopt.evaluate", json!([{ "uri": uri }]))
            .await
            .unwrap();
        assert!(
            !client.workspace.root().join(".promptopt").exists(),
            "evaluating must not create a registry"
        );
        client
            .command("promptopt.save", json!([{ "uri": uri }]))
            .await
            .unwrap();
        client
            .command("promptopt.evaluate", json!([{ "uri": uri }]))
            .await
            .unwrap();
        let generated = client
            .command("promptopt.generate", json!([{ "uri": uri, "count": 2 }]))
            .await
            .unwrap();
        let history = history(&mut client, &uri).await;
        for (candidate, version) in generated["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .zip(&history["versions"].as_array().unwrap()[1..])
        {
            assert_eq!(candidate["versionId"], version["id"], "{candidate}");
            assert_eq!(candidate["prompt"], version["content"]);
        }
        assert_eq!(
            history["changes"][1]["parentId"],
            history["versions"][0]["id"]
        );
        assert_eq!(
            event_types(&history),
            [
                "PromptVersionSaved",
                "PromptEvaluated",
                "PromptGenerated",
                "PromptGenerated"
            ]
        );
        assert_eq!(history["events"][1]["evaluator"], "builtin/1");
        assert_eq!(history["versions"].as_array().unwrap().len(), 3);
        assert_eq!(
            history["head"], history["versions"][0]["id"],
            "candidates stay beside the head"
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn approving_needs_the_buffer_to_be_the_recorded_head_and_history_needs_no_registry() {
    run(async {
        let mut client = editor("bo").await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        let empty = history(&mut client, &uri).await;
        assert_eq!(empty["versions"], json!([]));
        assert!(
            !client.workspace.root().join(".promptopt").exists(),
            "reading the history created a registry"
        );
        let unsaved = client
            .command("promptopt.approve", json!([{ "uri": uri }]))
            .await
            .expect_err("nothing recorded yet");
        assert_eq!(unsaved["code"], codes::INVALID_PARAMS, "{unsaved}");
        client
            .command("promptopt.save", json!([{ "uri": uri }]))
            .await
            .unwrap();
        client.change_full(&uri, 2, &GREET.replace("one sentence", "a haiku"));
        let differs = client
            .command("promptopt.approve", json!([{ "uri": uri }]))
            .await
            .expect_err("the buffer is not the head");
        assert!(
            differs["message"]
                .as_str()
                .unwrap()
                .contains("differs from its head"),
            "{differs}"
        );
        let history = history(&mut client, &uri).await;
        assert_eq!(
            event_types(&history),
            ["PromptVersionSaved"],
            "nothing recorded for bo"
        );
        client.shutdown_and_exit().await;
    });
}
