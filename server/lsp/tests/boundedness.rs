//! The server keeps state only for open documents: after 300 documents are opened and closed,
//! nothing about them is left that a client could observe (diagnostics cleared, requests for
//! them answered as for documents never opened, a reopened URI linted afresh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{TestClient, caps, run};

const DOCUMENTS: usize = 300;

/// A prompt whose undefined variable is named after `i`, so each document's findings are its
/// own.
fn prompt(i: usize) -> String {
    format!(
        "---\ninput:\n  schema:\n    name: string\n---\nHello {{{{name}}}}, tell me about {{{{topic{i}}}}}.\n"
    )
}

fn uris(client: &TestClient) -> Vec<String> {
    (0..DOCUMENTS)
        .map(|i| client.workspace.uri(&format!("doc{i}.prompt")))
        .collect()
}

#[test]
fn after_300_documents_are_opened_and_closed_none_of_them_is_left() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uris = uris(&client);
        for (i, uri) in uris.iter().enumerate() {
            client.open(uri, &prompt(i));
        }
        for (i, uri) in uris.iter().enumerate() {
            let publish = client.wait_for_version(uri, 1).await;
            let message = publish.find("undefined-variable")["message"]
                .as_str()
                .unwrap();
            assert!(message.starts_with(&format!("`topic{i}`")), "{message}");
        }
        for uri in &uris {
            client.close(uri);
        }
        for uri in &uris {
            let cleared = client
                .wait_for_diagnostics(uri, |p| p.diagnostics.is_empty())
                .await;
            assert_eq!(cleared.version, None);
        }
        client.roundtrip().await;
        for uri in &uris {
            let error = client
                .command("promptopt.render", json!([{ "uri": uri }]))
                .await
                .unwrap_err();
            assert!(
                error["message"].as_str().unwrap().contains("is not open"),
                "{uri}: {error}"
            );
            let latest = client.inbox().latest_publish(uri).unwrap();
            assert!(
                latest.diagnostics.is_empty(),
                "{uri} got diagnostics after its close"
            );
        }
        client.shutdown_and_exit().await;
    });
}

#[test]
fn documents_closed_right_after_opening_end_with_no_diagnostics() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uris = uris(&client);
        // Closed before, during or after their first lint.
        for (i, uri) in uris.iter().enumerate() {
            client.open(uri, &prompt(i));
            client.close(uri);
        }
        for uri in &uris {
            client
                .wait_for_diagnostics(uri, |p| p.diagnostics.is_empty() && p.version.is_none())
                .await;
        }
        // A document opened now is linted after everything above was handled.
        let last = client.workspace.uri("last.prompt");
        client.open(&last, &prompt(DOCUMENTS));
        client.wait_for_version(&last, 1).await;
        client.roundtrip().await;
        for uri in &uris {
            let latest = client.inbox().latest_publish(uri).unwrap();
            assert!(
                latest.diagnostics.is_empty(),
                "a lint published {uri} after it was closed: {:?}",
                latest.codes()
            );
        }
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_pulling_client_sees_closed_documents_as_never_opened() {
    run(async {
        let mut client = TestClient::initialized(caps::pull(), Value::Null).await;
        let uris = uris(&client);
        for (i, uri) in uris.iter().enumerate() {
            client.open(uri, &prompt(i));
            let report = client.pull(uri, None).await;
            assert_eq!(report["kind"], "full");
            assert!(!report["items"].as_array().unwrap().is_empty());
            client.close(uri);
        }
        client.roundtrip().await;
        for uri in &uris {
            let report = client.pull(uri, None).await;
            assert_eq!(report, json!({ "kind": "full", "items": [] }), "{uri}");
        }

        // The same URI reopened at the same version with other text: nothing cached from
        // before the close may answer for it.
        let uri = &uris[0];
        client.open(uri, &prompt(1000));
        let report = client.pull(uri, None).await;
        let messages: Vec<&str> = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "undefined-variable")
            .map(|d| d["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages.len(), 1, "{report}");
        assert!(messages[0].starts_with("`topic1000`"), "{report}");
        assert_eq!(client.inbox().all_publishes(), 0);
        client.shutdown_and_exit().await;
    });
}
