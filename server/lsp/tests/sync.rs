//! Document sync: incremental edits in UTF-16 positions (emoji, CRLF, past the end of a line)
//! produce the text an editor holds. The server's text is observed through the ranges of the
//! diagnostics it publishes: a finding after an edit must sit exactly where the editor has it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::{Value, json};
use support::{TestClient, caps, position_of, range, range_of, run};

const UNDEFINED: &str = "undefined-variable";

/// The range of the undefined-variable finding that names `variable`.
fn undefined_range(publish: &support::Publish, variable: &str) -> Value {
    let finding = publish
        .all(UNDEFINED)
        .into_iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("`{variable}`"))
        })
        .unwrap_or_else(|| panic!("no finding for `{variable}` in {:#?}", publish.diagnostics));
    finding["range"].clone()
}

const EMOJI_V1: &str = "---\ninput:\n  schema:\n    name: string\n---\n😀 Hi {{name}}, tell me about {{topic}}.\nAnswer in one sentence.\n";

#[test]
fn incremental_edits_count_utf16_units_after_an_emoji() {
    run(async {
        let client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("emoji.prompt");
        client.open(&uri, EMOJI_V1);
        let v1 = client.wait_for_version(&uri, 1).await;
        assert_eq!(undefined_range(&v1, "topic"), range_of(EMOJI_V1, "topic"));

        // Replace exactly `topic`: the range starts after an emoji of two UTF-16 units. A
        // server counting chars or bytes would cut the template elsewhere.
        client.change(&uri, 2, range_of(EMOJI_V1, "topic"), "subject");
        let v2_text = "---\ninput:\n  schema:\n    name: string\n---\n😀 Hi {{name}}, tell me about {{subject}}.\nAnswer in one sentence.\n";
        let v2 = client.wait_for_version(&uri, 2).await;
        assert_eq!(v2.all(UNDEFINED).len(), 1, "{:#?}", v2.diagnostics);
        assert_eq!(
            undefined_range(&v2, "subject"),
            range_of(v2_text, "subject")
        );

        // Insert right after the emoji (character 2), text of two units then one then one.
        client.change(&uri, 3, range((5, 2), (5, 2)), "🎉é ");
        let v3_text = "---\ninput:\n  schema:\n    name: string\n---\n😀🎉é  Hi {{name}}, tell me about {{subject}}.\nAnswer in one sentence.\n";
        let v3 = client.wait_for_version(&uri, 3).await;
        assert_eq!(
            undefined_range(&v3, "subject"),
            range_of(v3_text, "subject")
        );
        assert_eq!(position_of(v3_text, "subject"), (5, 36));

        // Two changes in one notification: each range is in the text the previous one left.
        let between = "---\ninput:\n  schema:\n    name: string\n---\nIntro line.\n😀🎉é  Hi {{name}}, tell me about {{subject}}.\nAnswer in one sentence.\n";
        client.change_many(
            &uri,
            4,
            vec![
                json!({ "range": range((5, 0), (5, 0)), "text": "Intro line.\n" }),
                json!({ "range": range_of(between, "Hi"), "text": "Hello" }),
            ],
        );
        let v4_text = "---\ninput:\n  schema:\n    name: string\n---\nIntro line.\n😀🎉é  Hello {{name}}, tell me about {{subject}}.\nAnswer in one sentence.\n";
        let v4 = client.wait_for_version(&uri, 4).await;
        assert_eq!(
            undefined_range(&v4, "subject"),
            range_of(v4_text, "subject")
        );

        // A whole-text change replaces everything.
        client.change_full(
            &uri,
            5,
            "---\ninput:\n  schema:\n    name: string\n---\n{{name}} asks about {{weather}}.\n",
        );
        let v5 = client.wait_for_version(&uri, 5).await;
        assert_eq!(v5.all(UNDEFINED).len(), 1, "{:#?}", v5.diagnostics);
        assert_eq!(undefined_range(&v5, "weather"), range((5, 22), (5, 29)));
        client.shutdown_and_exit().await;
    });
}

const CRLF_V1: &str = "---\r\ninput:\r\n  schema:\r\n    name: string\r\n---\r\nIntro.\r\nTell me about {{topic}}.\r\nAnswer in one sentence, {{name}}.\r\n";

#[test]
fn crlf_lines_and_positions_past_the_end_of_a_line() {
    run(async {
        let client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("crlf.prompt");
        client.open(&uri, CRLF_V1);
        let v1 = client.wait_for_version(&uri, 1).await;
        assert_eq!(undefined_range(&v1, "topic"), range((6, 16), (6, 21)));

        // Replace a whole line with its CRLF by two lines: the finding moves down one line.
        client.change(&uri, 2, range((5, 0), (6, 0)), "First.\r\nSecond.\r\n");
        let v2 = client.wait_for_version(&uri, 2).await;
        assert_eq!(undefined_range(&v2, "topic"), range((7, 16), (7, 21)));

        // A character past the end of the line is the end of the line, before its "\r\n":
        // the insertion lands on line 7, not at the start of line 8.
        client.change(&uri, 3, range((7, 999), (7, 999)), " {{other}}");
        let v3_text = "---\r\ninput:\r\n  schema:\r\n    name: string\r\n---\r\nFirst.\r\nSecond.\r\nTell me about {{topic}}. {{other}}\r\nAnswer in one sentence, {{name}}.\r\n";
        let v3 = client.wait_for_version(&uri, 3).await;
        assert_eq!(undefined_range(&v3, "other"), range_of(v3_text, "other"));
        assert_eq!(position_of(v3_text, "other"), (7, 27));

        // An emoji at the start of a CRLF line shifts the findings on it by two units.
        client.change(&uri, 4, range((7, 0), (7, 0)), "😀");
        let v4 = client.wait_for_version(&uri, 4).await;
        assert_eq!(undefined_range(&v4, "topic"), range((7, 18), (7, 23)));
        assert_eq!(undefined_range(&v4, "other"), range((7, 29), (7, 34)));

        // Deleting a line break joins the lines: `name` is declared, so line 8's text is
        // only observed through what no longer moves.
        client.change(&uri, 5, range((7, 999), (8, 0)), " ");
        let v5 = client.wait_for_version(&uri, 5).await;
        assert_eq!(undefined_range(&v5, "other"), range((7, 29), (7, 34)));
        assert_eq!(v5.all(UNDEFINED).len(), 2, "{:#?}", v5.diagnostics);
        client.shutdown_and_exit().await;
    });
}

#[test]
fn an_edit_inside_a_surrogate_pair_rounds_down_to_the_character() {
    run(async {
        let mut client = TestClient::initialized(caps::minimal(), Value::Null).await;
        let uri = client.workspace.uri("split.prompt");
        client.open(&uri, EMOJI_V1);
        client.wait_for_version(&uri, 1).await;
        // Character 1 is between the two UTF-16 units of 😀: no client should send it, and
        // the server must not split the character (a byte-slicing panic would end it).
        client.change(&uri, 2, range((5, 1), (5, 1)), "x");
        let v2_text = "---\ninput:\n  schema:\n    name: string\n---\nx😀 Hi {{name}}, tell me about {{topic}}.\nAnswer in one sentence.\n";
        let v2 = client.wait_for_version(&uri, 2).await;
        assert_eq!(undefined_range(&v2, "topic"), range_of(v2_text, "topic"));
        // Deleting half of the pair removes nothing or the whole character, never half.
        client.change(&uri, 3, range((5, 2), (5, 3)), "");
        let v3 = client.wait_for_version(&uri, 3).await;
        let start = undefined_range(&v3, "topic")["start"]["character"]
            .as_u64()
            .unwrap();
        assert!(
            [31, 33].contains(&start),
            "topic starts at {start}: {v3:#?}"
        );
        // The text itself, as the server renders it: the whole emoji is gone.
        let rendered = client
            .command("promptopt.render", json!([{ "uri": uri }]))
            .await
            .expect("the edited prompt renders");
        assert_eq!(
            rendered["messages"][0]["content"][0]["text"],
            "x Hi , tell me about .\nAnswer in one sentence."
        );
        client.roundtrip().await;
        client.shutdown_and_exit().await;
    });
}
