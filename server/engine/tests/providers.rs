//! Providers and the client around them against a scripted fake server: retries with
//! Retry-After, server errors, timeouts, malformed answers, streams cut short, the budget,
//! the cache, bounded concurrency and cancellation.
// Test helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use promptopt_core::models::ModelTable;
use promptopt_engine::client::{CallError, ClientOptions, ModelClient, ResponseCache, RetryPolicy};
use promptopt_engine::provider::{
    Anthropic, ApiKey, ChatMessage, ChatRequest, Flavor, OpenAiCompatible, Provider, ProviderError,
};
use support::fake_provider::{FakeProvider, Reply};
use tokio_util::sync::CancellationToken;

fn options() -> ClientOptions {
    ClientOptions {
        concurrency: 4,
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        budget_usd: None,
        embedding_model: "embed".into(),
    }
}

fn openai(fake: &FakeProvider, timeout: Duration) -> Arc<dyn Provider> {
    Arc::new(
        OpenAiCompatible::new(Flavor::OpenAi, &fake.url, ApiKey::new("sk-test"), timeout).unwrap(),
    )
}

fn client(fake: &FakeProvider, options: &ClientOptions) -> ModelClient {
    client_for(fake, "local-model", options)
}

/// A client for `model`, priced from the embedded model table when it knows it.
fn client_for(fake: &FakeProvider, model: &str, options: &ClientOptions) -> ModelClient {
    ModelClient::new(
        openai(fake, Duration::from_secs(5)),
        model,
        options,
        ModelTable::embedded(),
    )
}

fn ask(text: &str) -> ChatRequest {
    ChatRequest::new(
        "ignored",
        vec![ChatMessage::system("Be brief."), ChatMessage::user(text)],
    )
}

fn provider_error(result: Result<impl std::fmt::Debug, CallError>) -> (ProviderError, usize) {
    match result {
        Err(CallError::Provider { error, attempts }) => (error, attempts),
        other => panic!("expected a provider error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_call_sends_the_key_and_the_messages_and_reads_usage() {
    let fake = FakeProvider::start().await;
    let call = client(&fake, &options())
        .chat(ask("hello there"), 0, None)
        .await
        .unwrap();
    assert_eq!(call.completion.text, "hello there");
    assert_eq!(call.completion.usage.output_tokens, 2);
    assert_eq!((call.attempts, call.cached), (1, false));
    let (path, headers, body) = &fake.requests()[0];
    assert_eq!(path, "/v1/chat/completions");
    assert_eq!(headers["authorization"], "Bearer sk-test");
    assert_eq!(body["model"], "local-model");
    assert_eq!(body["messages"][0]["role"], "system");
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_time_the_server_asks_for() {
    let fake = FakeProvider::start().await;
    fake.script([Reply::rate_limited("0.3"), Reply::Text("ok".into())]);
    let started = Instant::now();
    let client = client(&fake, &options());
    let call = client.chat(ask("x"), 0, None).await.unwrap();
    // The backoff alone would have waited at most 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((call.completion.text.as_str(), call.attempts), ("ok", 2));
    assert_eq!(client.totals().retries, 1);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_at_once_with_the_reason() {
    let fake = FakeProvider::start().await;
    fake.script([Reply::rate_limited("3600")]);
    let (error, attempts) = provider_error(client(&fake, &options()).chat(ask("x"), 0, None).await);
    assert_eq!(attempts, 1);
    assert!(error.to_string().contains("retry after 3600 s"), "{error}");
}

#[tokio::test]
async fn server_errors_are_retried_until_the_limit_then_reported() {
    let fake = FakeProvider::start().await;
    fake.script([
        Reply::status(500, "boom"),
        Reply::status(503, "{\"error\":{\"message\":\"overloaded\"}}"),
    ]);
    let call = client(&fake, &options())
        .chat(ask("x"), 0, None)
        .await
        .unwrap();
    assert_eq!(call.attempts, 3);

    fake.otherwise(Reply::status(502, "bad gateway"));
    let (error, attempts) = provider_error(client(&fake, &options()).chat(ask("y"), 0, None).await);
    assert_eq!(attempts, 4, "one try and three retries");
    assert!(error.to_string().contains("HTTP 502"), "{error}");
}

#[tokio::test]
async fn client_errors_are_not_retried_and_a_bad_key_says_how_to_set_one() {
    let fake = FakeProvider::start().await;
    fake.script([Reply::status(
        401,
        "{\"error\":{\"message\":\"Incorrect API key\"}}",
    )]);
    let (error, attempts) = provider_error(client(&fake, &options()).chat(ask("x"), 0, None).await);
    assert_eq!(attempts, 1);
    let message = error.to_string();
    assert!(
        message.contains("Incorrect API key") && message.contains("OPENAI_API_KEY"),
        "{message}"
    );
    assert!(!message.contains("sk-test"), "the key leaked: {message}");

    fake.script([Reply::status(
        400,
        "{\"error\":{\"message\":\"'messages' is required\"}}",
    )]);
    let (error, attempts) = provider_error(client(&fake, &options()).chat(ask("x"), 0, None).await);
    assert_eq!(attempts, 1);
    assert!(
        matches!(error, ProviderError::Rejected { status: 400, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn a_slow_server_times_out_and_the_timeout_is_retried() {
    let fake = FakeProvider::start().await;
    fake.script([Reply::after(Duration::from_secs(3), Reply::Echo)]);
    let client = ModelClient::new(
        openai(&fake, Duration::from_millis(200)),
        "m",
        &options(),
        ModelTable::embedded(),
    );
    let call = client.chat(ask("second try"), 0, None).await.unwrap();
    assert_eq!(
        (call.completion.text.as_str(), call.attempts),
        ("second try", 2)
    );

    fake.otherwise(Reply::after(Duration::from_secs(3), Reply::Echo));
    let (error, _) = provider_error(client.chat(ask("never"), 0, None).await);
    assert!(matches!(error, ProviderError::Timeout(_)), "{error}");
}

#[tokio::test]
async fn malformed_json_is_reported_not_retried() {
    let fake = FakeProvider::start().await;
    fake.script([Reply::status(200, "{\"choices\": [")]);
    let (error, attempts) = provider_error(client(&fake, &options()).chat(ask("x"), 0, None).await);
    assert_eq!(attempts, 1);
    assert!(matches!(error, ProviderError::Malformed(_)), "{error}");

    fake.script([Reply::status(200, "{\"id\": \"no choices\"}")]);
    let (error, _) = provider_error(client(&fake, &options()).chat(ask("y"), 0, None).await);
    assert!(error.to_string().contains("no `choices`"), "{error}");
}

#[tokio::test]
async fn a_stream_arrives_piece_by_piece_with_usage() {
    let fake = FakeProvider::start().await;
    fake.script([Reply::Stream {
        deltas: vec!["Hel".into(), "lo ".into(), "world".into()],
        complete: true,
    }]);
    let seen = Mutex::new(Vec::new());
    let sink = |piece: &str| seen.lock().unwrap().push(piece.to_string());
    let mut request = ask("x");
    request.stream = true;
    let call = client(&fake, &options())
        .chat(request, 0, Some(&sink))
        .await
        .unwrap();
    assert_eq!(call.completion.text, "Hello world");
    assert_eq!(*seen.lock().unwrap(), ["Hel", "lo ", "world"]);
    assert_eq!(call.completion.usage.output_tokens, 3);
    assert_eq!(call.completion.finish_reason.as_deref(), Some("stop"));
    assert_eq!(
        fake.requests()[0].2["stream_options"]["include_usage"],
        true
    );
}

#[tokio::test]
async fn a_stream_cut_short_after_text_reached_the_caller_is_not_retried() {
    let fake = FakeProvider::start().await;
    fake.script([Reply::Stream {
        deltas: vec!["partial ".into(), "answ".into()],
        complete: false,
    }]);
    let sink = |_: &str| {};
    let mut request = ask("x");
    request.stream = true;
    let (error, attempts) = provider_error(
        client(&fake, &options())
            .chat(request.clone(), 0, Some(&sink))
            .await,
    );
    assert_eq!(attempts, 1, "retrying would show the text twice");
    assert_eq!(
        error,
        ProviderError::Truncated {
            partial: "partial answ".into(),
            delivered: true
        }
    );

    // Without a sink nothing was shown yet, so a retry is safe.
    fake.script([
        Reply::Stream {
            deltas: vec!["cut".into()],
            complete: false,
        },
        Reply::Stream {
            deltas: vec!["whole".into()],
            complete: true,
        },
    ]);
    let call = client(&fake, &options())
        .chat(request, 0, None)
        .await
        .unwrap();
    assert_eq!((call.completion.text.as_str(), call.attempts), ("whole", 2));
}

#[tokio::test]
async fn the_budget_stops_the_run_before_a_call_could_exceed_it() {
    let fake = FakeProvider::start().await;
    let options = ClientOptions {
        budget_usd: Some(0.01),
        ..options()
    };
    // gpt-4o: $2.50 in / $10 out per million tokens. 512 output tokens cost at most $0.00512.
    let client = client_for(&fake, "gpt-4o", &options);
    let first = client.chat(ask("one two three"), 0, None).await.unwrap();
    let cost = first.cost_usd.unwrap();
    assert!(cost > 0.0 && cost < 0.001, "{cost}");
    let mut big = ask("x");
    big.max_tokens = 4_000; // up to $0.04: more than is left
    let error = client.chat(big, 0, None).await.unwrap_err();
    assert!(matches!(error, CallError::Budget(_)), "{error}");
    assert!(error.to_string().contains("budget of $0.01"), "{error}");
    assert_eq!(fake.request_count(), 1, "the refused call was never sent");
    assert!((client.totals().cost_usd - cost).abs() < 1e-12);
}

#[tokio::test]
async fn a_long_queue_does_not_exhaust_the_budget_on_paper() {
    let fake = FakeProvider::start().await;
    fake.otherwise(Reply::after(Duration::from_millis(20), Reply::Echo));
    // Each call may cost up to ~$0.0051 (512 output tokens of gpt-4o) and costs ~$0.00005:
    // the budget covers four worst cases, and ten calls fit in it.
    let options = ClientOptions {
        budget_usd: Some(0.02),
        concurrency: 2,
        ..options()
    };
    let client = client_for(&fake, "gpt-4o", &options);
    let calls: Vec<_> = (0..10)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.chat(ask(&format!("call {i}")), 0, None).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(fake.request_count(), 10);
    assert!(client.totals().cost_usd < 0.02);
}

#[tokio::test]
async fn an_unpriced_model_is_counted_as_cost_unknown() {
    let fake = FakeProvider::start().await;
    let client = client(&fake, &options());
    let call = client.chat(ask("x"), 0, None).await.unwrap();
    assert_eq!(call.cost_usd, None);
    assert!(client.totals().cost_unknown);
}

#[tokio::test]
async fn the_cache_answers_a_repeated_request_but_not_a_new_sample() {
    let fake = FakeProvider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(ResponseCache::on_disk(dir.path()));
    let client = client(&fake, &options()).with_cache(cache);
    let first = client.chat(ask("same"), 0, None).await.unwrap();
    let again = client.chat(ask("same"), 0, None).await.unwrap();
    assert!(again.cached && !first.cached);
    assert_eq!(again.completion, first.completion);
    assert_eq!(fake.request_count(), 1);
    client.chat(ask("same"), 1, None).await.unwrap();
    assert_eq!(fake.request_count(), 2, "sample 1 is a new draw");

    // A new process (a fresh cache over the same folder) still has it.
    let fresh =
        self::client(&fake, &options()).with_cache(Arc::new(ResponseCache::on_disk(dir.path())));
    assert!(fresh.chat(ask("same"), 0, None).await.unwrap().cached);
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn no_more_calls_than_the_limit_are_in_flight() {
    let fake = FakeProvider::start().await;
    fake.otherwise(Reply::after(Duration::from_millis(40), Reply::Echo));
    let options = ClientOptions {
        concurrency: 3,
        ..options()
    };
    let client = client(&fake, &options);
    let calls = (0..12).map(|i| {
        let client = client.clone();
        tokio::spawn(async move { client.chat(ask(&format!("n{i}")), 0, None).await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(fake.max_in_flight(), 3);
}

#[tokio::test]
async fn cancelling_drops_calls_in_flight_and_refuses_new_ones() {
    let fake = FakeProvider::start().await;
    fake.otherwise(Reply::after(Duration::from_secs(10), Reply::Echo));
    let token = CancellationToken::new();
    let client = client(&fake, &options()).with_cancellation(token.clone());
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.chat(ask("slow"), 0, None).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    token.cancel();
    let result = pending.await.unwrap();
    assert_eq!(result.unwrap_err(), CallError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        client.chat(ask("after"), 0, None).await.unwrap_err(),
        CallError::Cancelled
    );
}

#[tokio::test]
async fn embeddings_come_from_the_provider() {
    let fake = FakeProvider::start().await;
    let client = client(&fake, &options());
    let embeddings = client.embed(&["abc".into(), "cab".into()]).await.unwrap();
    assert_eq!(embeddings.vectors.len(), 2);
    assert_eq!(embeddings.vectors[0], embeddings.vectors[1]);
    assert_eq!(fake.requests()[0].2["model"], "embed");
}

#[tokio::test]
async fn anthropic_messages_plain_and_streamed() {
    let fake = FakeProvider::start().await;
    let provider: Arc<dyn Provider> = Arc::new(
        Anthropic::new(
            &fake.root,
            ApiKey::new("ak-test").unwrap(),
            Duration::from_secs(5),
        )
        .unwrap(),
    );
    let client = ModelClient::new(
        provider,
        "claude-haiku-4-5",
        &options(),
        ModelTable::embedded(),
    );
    let call = client.chat(ask("bonjour"), 0, None).await.unwrap();
    assert_eq!(call.completion.text, "bonjour");
    assert!(call.cost_usd.unwrap() > 0.0, "claude-haiku-4-5 is priced");
    let (path, headers, body) = &fake.requests()[0];
    assert_eq!(path, "/v1/messages");
    assert_eq!(headers["x-api-key"], "ak-test");
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(body["system"], "Be brief.");

    fake.script([Reply::Stream {
        deltas: vec!["a".into(), "b".into()],
        complete: true,
    }]);
    let mut request = ask("x");
    request.stream = true;
    let call = client.chat(request.clone(), 1, None).await.unwrap();
    assert_eq!(call.completion.text, "ab");
    assert_eq!(call.completion.finish_reason.as_deref(), Some("end_turn"));

    fake.script([
        Reply::rate_limited("0"),
        Reply::Stream {
            deltas: vec!["c".into()],
            complete: false,
        },
    ]);
    let (error, attempts) = provider_error(client.chat(request, 2, Some(&|_: &str| {})).await);
    assert_eq!(attempts, 2);
    assert!(
        matches!(
            error,
            ProviderError::Truncated {
                delivered: true,
                ..
            }
        ),
        "{error}"
    );
}
