//! `promptopt.evaluate`, `promptopt.generate` and `promptopt.refine` through the server: the
//! built-in engine on the editor's text answers with the JSON the CLI prints with `--json`,
//! bad arguments and bad model settings are invalid params, progress says what runs, and
//! `$/cancelRequest` stops the model calls in flight.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Read;

use serde_json::{Value, json};
use support::{GUARD, TestClient, caps, codes, run};

const EVALUATE: &str = "promptopt.evaluate";
const GENERATE: &str = "promptopt.generate";
const REFINE: &str = "promptopt.refine";

const GREET: &str = "---\nmodel: openai/gpt-4o-mini\ninput:\n  schema:\n    name: string\n---\n{{role \"system\"}}\nYou greet people. Answer in one sentence.\n{{role \"user\"}}\nHello {{name}}.\n";

const TESTS: &str = "tests:\n  - description: greets Ada\n    vars: { name: Ada }\n    assert:\n      - type: icontains\n        value: Ada\n  - vars: { name: Bo }\n    expected: Hello Bo\n";

/// A bare prompt with room for every refinement.
const WEAK: &str = "---\ninput:\n  schema:\n    text: string\n---\nsummarize this: {{text}}   \n";

#[test]
fn evaluate_scores_the_unsaved_buffer_and_skips_cases_without_a_model() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        // On disk the prompt does not even parse: the command must read the buffer.
        client
            .workspace
            .write("greet.prompt", "{{#if never closed\n");
        client.workspace.write("greet.tests.yaml", TESTS);
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);

        let result = client
            .command(EVALUATE, json!([{ "uri": uri }]))
            .await
            .expect("the built-in engine evaluates");
        let score = result["score"].as_f64().unwrap();
        assert!((1.0..=5.0).contains(&score), "{result}");
        assert_eq!(result["rubric"]["dimensions"].as_array().unwrap().len(), 5);
        assert_eq!(result["modelVersion"], "builtin/1");
        assert_eq!(result["promptId"], "greet");
        assert_eq!(result["findings"]["errors"], 0, "the buffer, not the file");
        let cases = result["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 2);
        assert_eq!(cases[0]["name"], "greets Ada");
        for case in cases {
            assert_eq!(case["status"], "skipped", "{case}");
        }
        assert_eq!(result["summary"]["skipped"], 2);
        assert!(result["feedback"].as_str().is_some_and(|f| !f.is_empty()));

        // The contract's shape: the prompt and its cases in the request.
        let result = client
            .command(
                EVALUATE,
                json!([{ "prompt": GREET, "testCases": [{ "input": { "name": "Ada" }, "expected": "Hello Ada" }], "repeat": 2 }]),
            )
            .await
            .expect("a PromptEvalRequest evaluates");
        assert_eq!(result["modelVersion"], "builtin/1");
        assert_eq!(result["cases"][0]["status"], "skipped");
        assert_eq!(result["cases"][0]["vars"], json!({ "name": "Ada" }));
        client.shutdown_and_exit().await;
    });
}

#[test]
fn generate_from_a_task_or_an_open_prompt_returns_count_candidates() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let list = client
            .command(
                GENERATE,
                json!([{ "task": "Summarize a support ticket for the on-call engineer", "context": "tickets come from email", "count": 3 }]),
            )
            .await
            .expect("the built-in engine generates");
        let candidates = list["candidates"].as_array().unwrap();
        assert_eq!(candidates.len(), 3, "{list}");
        for candidate in candidates {
            assert!(candidate["prompt"].as_str().is_some_and(|p| !p.is_empty()));
            let score = candidate["score"].as_f64().unwrap();
            assert!((1.0..=5.0).contains(&score), "{candidate}");
            assert_eq!(candidate["modelVersion"], "builtin/1");
            assert!(
                candidate["strategy"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty())
            );
        }
        assert_eq!(list["modelVersion"], "builtin/1");

        // The same request again: the built-in engine is reproducible.
        let again = client
            .command(
                GENERATE,
                json!([{ "task": "Summarize a support ticket for the on-call engineer", "context": "tickets come from email", "count": 3 }]),
            )
            .await
            .unwrap();
        assert_eq!(again, list);

        // From the open buffer: it is the base the candidates improve on.
        let uri = client.workspace.uri("weak.prompt");
        client.open(&uri, WEAK);
        let list = client
            .command(GENERATE, json!([{ "uri": uri, "count": 2 }]))
            .await
            .expect("an open prompt generates");
        assert_eq!(list["base"]["prompt"], WEAK);
        assert_eq!(list["candidates"].as_array().unwrap().len(), 2, "{list}");
        client.shutdown_and_exit().await;
    });
}

#[test]
fn refine_with_feedback_returns_a_diff_and_the_scores_before_and_after() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("weak.prompt");
        client.open(&uri, WEAK);
        let result = client
            .command(
                REFINE,
                json!([{ "uri": uri, "feedback": ["the answers are too long", "it should answer in JSON"] }]),
            )
            .await
            .expect("the built-in engine refines");
        assert_eq!(result["changed"], true, "{result}");
        let diff = result["diff"].as_str().unwrap();
        assert!(diff.starts_with("--- a/weak.prompt"), "{diff}");
        let before = result["scoreBefore"].as_f64().unwrap();
        let after = result["scoreAfter"].as_f64().unwrap();
        assert!((1.0..=5.0).contains(&before) && (1.0..=5.0).contains(&after));
        assert!(after >= before, "{result}");
        assert_eq!(result["modelVersion"], "builtin/1");
        assert_ne!(result["prompt"], WEAK);

        // The contract's shape works too.
        let result = client
            .command(
                REFINE,
                json!([{ "prompt": WEAK, "feedback": ["too long"] }]),
            )
            .await
            .expect("a RefineRequest refines");
        assert!(result["scoreAfter"].is_number(), "{result}");
        client.shutdown_and_exit().await;
    });
}

#[test]
fn bad_arguments_are_invalid_params_that_say_what_to_send() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        let closed = client.workspace.uri("never-opened.prompt");
        let missing_tests = client.workspace.uri("nowhere.tests.yaml");
        let cases = [
            (EVALUATE, json!([]), "expected one argument"),
            (
                EVALUATE,
                json!(["file:///x.prompt"]),
                "expected one argument",
            ),
            (EVALUATE, json!([{ "uri": 5 }]), "expected one argument"),
            (
                EVALUATE,
                json!([{ "uri": uri, "tests": "x" }]),
                "unknown field",
            ),
            (EVALUATE, json!([{ "uri": closed }]), "is not open"),
            (
                EVALUATE,
                json!([{ "uri": uri, "repeat": 0 }]),
                "repeat must be between 1 and 100",
            ),
            (
                EVALUATE,
                json!([{ "uri": uri, "testsUri": missing_tests }]),
                "does not exist",
            ),
            (EVALUATE, json!([{ "prompt": 1 }]), "expected one argument"),
            (
                EVALUATE,
                json!([{ "prompt": GREET, "testCases": [{ "assert": [{ "type": "no-such-check" }] }] }]),
                "testCases",
            ),
            (EVALUATE, json!([{}]), "expected one argument"),
            (
                GENERATE,
                json!([{ "task": "x", "count": 11 }]),
                "`count` must be between 1 and 10, got 11",
            ),
            (
                GENERATE,
                json!([{ "task": "x", "count": "three" }]),
                "expected one argument",
            ),
            (GENERATE, json!([{ "task": 5 }]), "expected one argument"),
            (GENERATE, json!([{}]), "give a `task`"),
            (
                GENERATE,
                json!([{ "task": "x", "templateId": "poem" }]),
                "unknown template `poem`",
            ),
            (GENERATE, json!([{ "uri": closed }]), "is not open"),
            (
                REFINE,
                json!([{ "uri": uri, "feedback": "shorter" }]),
                "expected one argument",
            ),
            (REFINE, json!([{ "uri": closed }]), "is not open"),
            (REFINE, json!([{}]), "expected one argument"),
            (
                REFINE,
                json!([{ "uri": uri }, { "uri": uri }]),
                "expected one argument",
            ),
        ];
        for (command, arguments, says) in cases {
            let error = client
                .command(command, arguments.clone())
                .await
                .expect_err("bad input");
            assert_eq!(
                error["code"],
                codes::INVALID_PARAMS,
                "{command} {arguments}: {error}"
            );
            let message = error["message"].as_str().unwrap();
            assert!(message.contains(says), "{command} {arguments}: {message}");
        }
        // And the server goes on answering.
        let result = client.command(EVALUATE, json!([{ "uri": uri }])).await;
        assert!(result.is_ok(), "{result:?}");
        client.shutdown_and_exit().await;
    });
}

#[test]
fn a_bad_provider_table_is_an_error_naming_the_config() {
    run(async {
        let mut client = TestClient::start();
        client
            .workspace
            .write("promptopt.toml", "[provider]\nname = \"skynet\"\n");
        client.initialize(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        for command in [EVALUATE, GENERATE, REFINE] {
            let error = client
                .command(command, json!([{ "uri": uri }]))
                .await
                .expect_err("an unknown provider");
            assert_eq!(error["code"], codes::INVALID_PARAMS, "{error}");
            let message = error["message"].as_str().unwrap();
            assert!(message.contains("unknown provider `skynet`"), "{message}");
            assert!(message.contains("promptopt.toml"), "{message}");
        }
        client.shutdown_and_exit().await;
    });
}

#[test]
fn progress_says_what_the_engine_is_doing() {
    run(async {
        let mut client = TestClient::initialized(caps::editor(), Value::Null).await;
        client.workspace.write("greet.tests.yaml", TESTS);
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);
        let result = client
            .request(
                "workspace/executeCommand",
                json!({ "command": EVALUATE, "arguments": [{ "uri": uri }], "workDoneToken": "eval-1" }),
            )
            .await;
        assert!(result.is_ok(), "{result:?}");
        let values = client
            .wait_until("the end of eval-1's progress", |inbox| {
                let values = inbox.progress(&json!("eval-1"));
                (values.last().is_some_and(|v| v["kind"] == "end")).then_some(values)
            })
            .await;
        assert_eq!(values[0]["kind"], "begin");
        assert_eq!(values[0]["title"], "Evaluating");
        assert_eq!(
            values[1],
            json!({ "kind": "report", "message": "scoring the prompt (no model to run its 2 cases)" })
        );
        assert_eq!(values[2], json!({ "kind": "end", "message": "done" }));
        client.shutdown_and_exit().await;
    });
}

/// A model server that never answers. It counts the connections open, so a test can wait
/// for a call to arrive and for every call to be dropped.
struct HangingProvider {
    port: u16,
    /// +1 when a caller connects, -1 when it hangs up.
    events: tokio::sync::mpsc::UnboundedReceiver<i32>,
    open: i32,
}

impl HangingProvider {
    fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (events, received) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            while let Ok((mut stream, _)) = listener.accept() {
                let events = events.clone();
                std::thread::spawn(move || {
                    let _ = events.send(1);
                    let mut buffer = [0u8; 4096];
                    while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
                    let _ = events.send(-1);
                });
            }
        });
        Self {
            port,
            events: received,
            open: 0,
        }
    }

    /// Waits (within the guard) until `done` holds for the number of open calls.
    async fn until(&mut self, what: &str, done: impl Fn(i32) -> bool) {
        let deadline = tokio::time::Instant::now() + GUARD;
        while !done(self.open) {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Some(change)) => self.open += change,
                _ => panic!("{what}: still {} calls open after {GUARD:?}", self.open),
            }
        }
    }
}

#[test]
fn cancelling_a_command_stops_its_model_calls() {
    run(async {
        let mut provider = HangingProvider::start();
        let mut client = TestClient::start();
        // One call at a time, so each command has one call in flight when it is cancelled.
        client.workspace.write(
            "promptopt.toml",
            &format!(
                "[provider]\nname = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase-url = \"http://127.0.0.1:{}/v1\"\nmax-retries = 0\ntimeout-secs = 120\nconcurrency = 1\n\n[engine]\ncache = false\n",
                provider.port
            ),
        );
        client.workspace.write("greet.tests.yaml", TESTS);
        client.initialize(caps::editor(), Value::Null).await;
        let uri = client.workspace.uri("greet.prompt");
        client.open(&uri, GREET);

        // Evaluate awaits the calls on the request task; generate and refine run on a
        // blocking thread, where only the cancellation token reaches them.
        for (command, arguments, report) in [
            (
                EVALUATE,
                json!({ "uri": uri }),
                "evaluating 2 cases × 1 with ",
            ),
            (
                GENERATE,
                json!({ "uri": uri, "count": 2 }),
                "2 candidates from ",
            ),
            (
                REFINE,
                json!({ "uri": uri, "feedback": ["shorter"] }),
                "refining against 2 cases with ",
            ),
        ] {
            let token = format!("{command}-cancel");
            let id = client.send_request(
                "workspace/executeCommand",
                json!({ "command": command, "arguments": [arguments], "workDoneToken": token }),
            );
            provider
                .until(&format!("{command} calls the model"), |open| open > 0)
                .await;
            client.notify("$/cancelRequest", json!({ "id": id }));
            let response = client.response(id).await;
            assert_eq!(response["error"]["code"], -32800, "{response}");
            // Dropped, not left to run into its 120 s timeout.
            provider
                .until(&format!("{command}'s calls are dropped"), |open| open == 0)
                .await;
            let values = client
                .wait_until(format_args!("the end of {token}'s progress"), |inbox| {
                    let values = inbox.progress(&json!(token));
                    (values.last().is_some_and(|v| v["kind"] == "end")).then_some(values)
                })
                .await;
            assert_eq!(values.last().unwrap()["message"], "cancelled", "{command}");
            let message = values[1]["message"].as_str().unwrap();
            assert!(message.starts_with(report), "{command}: {message}");
        }
        // FIXME: a call queued behind the cancelled one may still open a connection (and drop
        // it at once): `ModelClient::permit` and `send` select on the token without `biased`,
        // so a ready permit can win over a cancelled token. Only "nothing stays open" holds.
        client.roundtrip().await;
        provider
            .until("every call is dropped", |open| open == 0)
            .await;
        client.shutdown_and_exit().await;
    });
}
