//! Partials: a prompt that includes `{{> header}}` is linted with the partial's text as the
//! editor has it (unsaved edits count), else as it is on disk, and is linted again when the
//! partial changes in the editor or on disk.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::Value;
use support::{Publish, TestClient, caps, range_of, run};

const MAIN: &str = "---\ninput:\n  schema:\n    name: string\n---\n{{> header}}\nHello {{name}}. Answer in one sentence.\n";
const HEADER: &str = "You are a helpful assistant for {{topic}}.\n";

/// Whether the includer is told that the partial uses an undeclared `topic`.
fn flags_topic_from_the_partial(publish: &Publish) -> bool {
    publish.all("undefined-variable").iter().any(|d| {
        let message = d["message"].as_str().unwrap();
        message.starts_with("`topic` (used in partial `header`)")
    })
}

#[test]
fn unsaved_edits_to_an_open_partial_re_lint_the_prompt_that_includes_it() {
    run(async {
        let mut client = TestClient::start();
        client.workspace.write("_header.prompt", HEADER);
        client.initialize(caps::editor(), Value::Null).await;
        let main = client.workspace.uri("main.prompt");
        let header = client.workspace.uri("_header.prompt");

        client.open(&main, MAIN);
        let first = client.wait_for_version(&main, 1).await;
        assert!(flags_topic_from_the_partial(&first), "{first:#?}");
        // The finding sits on the include, where the includer can act on it.
        let finding = first.find("undefined-variable");
        assert_eq!(finding["range"], range_of(MAIN, "{{> header}}"));

        // Open the partial and drop `{{topic}}` without saving: the includer is re-linted
        // with the editor's text, at its own unchanged version.
        client.open(&header, HEADER);
        client.change(&header, 2, range_of(HEADER, "{{topic}}"), "Acme");
        let cleared = client
            .wait_for_diagnostics(&main, |p| !flags_topic_from_the_partial(p))
            .await;
        assert_eq!(cleared.version, Some(1));

        // Type it back: the finding returns.
        let edited = "You are a helpful assistant for Acme.\n";
        client.change(&header, 3, range_of(edited, "Acme"), "{{topic}}");
        client
            .wait_for_diagnostics(&main, flags_topic_from_the_partial)
            .await;

        // Remove it again, then close the partial without saving: the disk copy, which
        // still uses `topic`, counts again.
        client.change(&header, 4, range_of(HEADER, "{{topic}}"), "Acme");
        client
            .wait_for_diagnostics(&main, |p| !flags_topic_from_the_partial(p))
            .await;
        client.close(&header);
        client
            .wait_for_diagnostics(&main, flags_topic_from_the_partial)
            .await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_partial_changed_or_created_on_disk_re_lints_its_includers() {
    run(async {
        let mut client = TestClient::start();
        client.workspace.write("_header.prompt", HEADER);
        client.initialize(caps::editor(), Value::Null).await;
        let main = client.workspace.uri("main.prompt");
        client.open(&main, MAIN);
        assert!(flags_topic_from_the_partial(
            &client.wait_for_version(&main, 1).await
        ));

        // Saved by another program: the editor reports the file change.
        client
            .workspace
            .write("_header.prompt", "You are a helpful assistant.\n");
        client.watched_file_changed(&client.workspace.uri("_header.prompt"), 2);
        client
            .wait_for_diagnostics(&main, |p| !flags_topic_from_the_partial(p))
            .await;

        // A prompt that includes a partial which does not exist yet, then does.
        let footer_user = client.workspace.uri("footer_user.prompt");
        let text = "---\ninput:\n  schema:\n    name: string\n---\nHello {{name}}. Answer in one sentence.\n{{> footer}}\n";
        client.open(&footer_user, text);
        let missing = client.wait_for_version(&footer_user, 1).await;
        assert_eq!(
            missing.find("partial-not-found")["range"],
            range_of(text, "{{> footer}}")
        );
        client
            .workspace
            .write("_footer.prompt", "Sign off politely.\n");
        client.watched_file_changed(&client.workspace.uri("_footer.prompt"), 1);
        client
            .wait_for_diagnostics(&footer_user, |p| !p.has("partial-not-found"))
            .await;
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_pulling_client_is_asked_to_pull_again_when_a_partial_changes() {
    run(async {
        let mut client = TestClient::start();
        client.workspace.write("_header.prompt", HEADER);
        client.initialize(caps::pull(), Value::Null).await;
        let main = client.workspace.uri("main.prompt");
        let header = client.workspace.uri("_header.prompt");
        client.open(&main, MAIN);
        let before = client.pull(&main, None).await;
        let flagged = |report: &Value| {
            report["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["code"] == "undefined-variable")
        };
        assert!(flagged(&before), "{before}");

        client.open(&header, HEADER);
        client.change(&header, 2, range_of(HEADER, "{{topic}}"), "Acme");
        // One refresh after `initialized`, one for the open, one for the change.
        client
            .wait_for_request("workspace/diagnostic/refresh", 3)
            .await;
        let previous = before["resultId"].as_str().unwrap();
        let after = client.pull(&main, Some(previous)).await;
        assert_eq!(after["kind"], "full", "{after}");
        assert!(!flagged(&after), "{after}");
        assert_eq!(client.inbox().all_publishes(), 0);
        client.shutdown_and_exit().await;
    });
}
