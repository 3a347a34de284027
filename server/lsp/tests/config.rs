//! Settings and project config: `initializationOptions`, `workspace/didChangeConfiguration`
//! (pushed, or pulled through `workspace/configuration`), `promptopt.toml` on disk and in the
//! editor, `configurationPreference`, and what happens with settings the server cannot use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{TestClient, caps, range, run};

const UNDEFINED: &str = "undefined-variable";
const PROMPT: &str =
    "---\ninput:\n  schema:\n    name: string\n---\nHello {{name}}, tell me about {{topic}}.\n";

fn rule(id: &str, level: &str) -> Value {
    json!({ "lint": { "rules": { id: level } } })
}

#[test]
fn initialization_options_turn_a_rule_off() {
    run(async {
        let client = TestClient::initialized(caps::minimal(), rule(UNDEFINED, "off")).await;
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        let publish = client.wait_for_version(&uri, 1).await;
        assert!(!publish.has(UNDEFINED), "{:?}", publish.codes());
        // The lint did run: the other rules still report.
        assert!(
            publish.has("missing-output-format"),
            "{:?}",
            publish.codes()
        );
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_configuration_change_is_pulled_from_the_client_and_re_lints_open_files() {
    run(async {
        let client = TestClient::initialized(caps::editor(), Value::Null).await;
        let first = client.workspace.uri("a.prompt");
        let second = client.workspace.uri("b.prompt");
        client.open(&first, PROMPT);
        client.open(&second, PROMPT);
        assert!(client.wait_for_version(&first, 1).await.has(UNDEFINED));
        assert!(client.wait_for_version(&second, 1).await.has(UNDEFINED));

        client.set_settings(rule(UNDEFINED, "off"));
        // VS Code sends `null` settings and expects the server to ask.
        client.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": null }),
        );
        for uri in [&first, &second] {
            client
                .wait_for_diagnostics(uri, |p| !p.has(UNDEFINED) && !p.diagnostics.is_empty())
                .await;
        }
        // Asked once after `initialized` and once for the change, for the `promptopt` section.
        let asked = client.wait_for_request("workspace/configuration", 2).await;
        assert_eq!(
            asked["params"],
            json!({ "items": [{ "section": "promptopt" }] })
        );

        // `lint.enable: false` silences everything.
        client.set_settings(json!({ "lint": { "enable": false } }));
        client.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": null }),
        );
        client
            .wait_for_diagnostics(&first, |p| p.diagnostics.is_empty())
            .await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_promptopt_toml_changed_on_disk_re_lints_open_files() {
    run(async {
        let client = TestClient::initialized(caps::editor(), Value::Null).await;
        // The server asks the editor to watch the config and the partials.
        let registration = client
            .wait_for_request("client/registerCapability", 1)
            .await;
        let registered = &registration["params"]["registrations"][0];
        assert_eq!(registered["method"], "workspace/didChangeWatchedFiles");
        assert_eq!(
            registered["registerOptions"]["watchers"],
            json!([{ "globPattern": "**/promptopt.toml" }, { "globPattern": "**/_*.prompt" }])
        );

        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        assert!(client.wait_for_version(&uri, 1).await.has(UNDEFINED));

        let config = client.workspace.uri("promptopt.toml");
        client.workspace.write(
            "promptopt.toml",
            "[lint.rules]\nundefined-variable = \"off\"\n",
        );
        client.watched_file_changed(&config, 2);
        client
            .wait_for_diagnostics(&uri, |p| !p.has(UNDEFINED) && !p.diagnostics.is_empty())
            .await;

        std::fs::remove_file(client.workspace.path("promptopt.toml")).unwrap();
        client.watched_file_changed(&config, 3);
        client
            .wait_for_diagnostics(&uri, |p| p.has(UNDEFINED))
            .await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn configuration_preference_decides_between_the_toml_and_the_editor() {
    run(async {
        // The project says warning, the editor says error.
        let mut client = TestClient::start();
        client.workspace.write(
            "promptopt.toml",
            "[lint.rules]\nundefined-variable = \"warning\"\n",
        );
        client
            .initialize(caps::minimal(), rule(UNDEFINED, "error"))
            .await;
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        let severity = |p: &support::Publish| {
            p.has(UNDEFINED)
                .then(|| p.find(UNDEFINED)["severity"].clone())
        };

        // filesystemFirst, the default: what CI reports wins.
        let publish = client.wait_for_version(&uri, 1).await;
        assert_eq!(severity(&publish), Some(json!(2)), "the toml's warning");

        let push = |preference: &str, level: Option<&str>| {
            let mut settings = json!({ "configurationPreference": preference });
            if let Some(level) = level {
                settings["lint"] = rule(UNDEFINED, level)["lint"].clone();
            }
            client.notify(
                "workspace/didChangeConfiguration",
                json!({ "settings": { "promptopt": settings } }),
            );
        };
        push("editorFirst", Some("error"));
        client
            .wait_for_diagnostics(&uri, |p| severity(p) == Some(json!(1)))
            .await;
        push("filesystemFirst", Some("error"));
        client
            .wait_for_diagnostics(&uri, |p| severity(p) == Some(json!(2)))
            .await;
        // editorOnly ignores the toml: with no editor level, the rule's default (error).
        push("editorOnly", None);
        client
            .wait_for_diagnostics(&uri, |p| severity(p) == Some(json!(1)))
            .await;
        push("editorOnly", Some("off"));
        client
            .wait_for_diagnostics(&uri, |p| severity(p).is_none() && !p.diagnostics.is_empty())
            .await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_promptopt_toml_open_in_the_editor_is_checked_and_saving_it_re_lints_prompts() {
    run(async {
        let client = TestClient::initialized(caps::editor(), Value::Null).await;
        let prompt = client.workspace.uri("a.prompt");
        client.open(&prompt, PROMPT);
        assert!(client.wait_for_version(&prompt, 1).await.has(UNDEFINED));

        let config = client.workspace.uri("promptopt.toml");
        let text = "[lint]\ntoken-budgt = 5\n\n[lint.rules]\nundefined-variabel = \"off\"\n";
        client.open(&config, text);
        let publish = client.wait_for_version(&config, 1).await;
        assert_eq!(publish.diagnostics.len(), 2, "{:#?}", publish.diagnostics);
        let with = |needle: &str| {
            publish
                .diagnostics
                .iter()
                .find(|d| d["message"].as_str().unwrap().contains(needle))
                .unwrap_or_else(|| {
                    panic!("no diagnostic says {needle}: {:#?}", publish.diagnostics)
                })
        };
        let typo = with("did you mean `token-budget`");
        assert_eq!(typo["range"], range((1, 0), (1, 15)), "{typo}");
        assert_eq!(typo["severity"], 1);
        assert_eq!(typo["source"], "promptopt");
        let unknown_rule = with("unknown rule `undefined-variabel`");
        assert_eq!(
            unknown_rule["range"],
            range((4, 0), (4, 26)),
            "{unknown_rule}"
        );

        // Fix the typos in the editor: the file is clean. The prompt does not change until
        // the config is saved.
        let fixed = "[lint]\ntoken-budget = 5000\n\n[lint.rules]\nundefined-variable = \"off\"\n";
        client.change_full(&config, 2, fixed);
        let clean = client.wait_for_version(&config, 2).await;
        assert_eq!(clean.diagnostics, Vec::<Value>::new());

        client.workspace.write("promptopt.toml", fixed);
        client.notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": config } }),
        );
        client
            .wait_for_diagnostics(&prompt, |p| !p.has(UNDEFINED) && !p.diagnostics.is_empty())
            .await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn invalid_settings_are_shown_as_warnings_and_the_rest_still_applies() {
    run(async {
        let options = json!({ "lint": { "rules": {
            "no-such-rule": "warning",
            UNDEFINED: "loud",
            "missing-output-format": "off",
        } } });
        let mut client = TestClient::initialized(caps::minimal(), options).await;
        let first = client.wait_for_notification("window/showMessage", 1).await;
        let second = client.wait_for_notification("window/showMessage", 2).await;
        assert_eq!(first["type"], 2, "a warning: {first}");
        assert_eq!(second["type"], 2, "a warning: {second}");
        let messages = [&first, &second].map(|m| m["message"].as_str().unwrap().to_string());
        assert!(
            messages
                .iter()
                .any(|m| m.contains("unknown rule `no-such-rule`")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains("undefined-variable is `loud`")),
            "{messages:?}"
        );

        // The server works, with the usable part of the settings.
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        let publish = client.wait_for_version(&uri, 1).await;
        assert!(
            publish.has(UNDEFINED),
            "a bad level leaves the rule at its default"
        );
        assert!(
            !publish.has("missing-output-format"),
            "{:?}",
            publish.codes()
        );

        // Settings of the wrong shape: one warning, and the defaults.
        client.notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "promptopt": { "lint": { "enable": "yes" } } } }),
        );
        let third = client.wait_for_notification("window/showMessage", 3).await;
        assert_eq!(third["type"], 2);
        assert!(
            third["message"].as_str().unwrap().contains("invalid"),
            "{third}"
        );
        client
            .wait_for_diagnostics(&uri, |p| p.has("missing-output-format") && p.has(UNDEFINED))
            .await;
        client.roundtrip().await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn settings_that_arrive_after_a_document_opened_re_lint_it() {
    run(async {
        let mut client = TestClient::start();
        client.set_settings(rule(UNDEFINED, "off"));
        client.hold("workspace/configuration");
        client.initialize(caps::editor(), Value::Null).await;

        // VS Code opens files right after `initialized`, before its answer is read.
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        assert!(client.wait_for_version(&uri, 1).await.has(UNDEFINED));

        client.release("workspace/configuration");
        client
            .wait_for_diagnostics(&uri, |p| !p.has(UNDEFINED))
            .await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_null_configuration_answer_keeps_the_initialization_options() {
    run(async {
        let mut client = TestClient::start();
        client
            .initialize(caps::editor(), rule(UNDEFINED, "off"))
            .await;
        // The client answers `null`: it has no settings for the section.
        client.roundtrip().await;
        let uri = client.workspace.uri("a.prompt");
        client.open(&uri, PROMPT);
        let publish = client.wait_for_version(&uri, 1).await;
        assert!(!publish.has(UNDEFINED), "{:?}", publish.codes());
        client.shutdown_and_exit().await;
    });
}
