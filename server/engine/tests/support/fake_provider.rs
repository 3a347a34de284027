//! A scripted OpenAI-compatible (and Anthropic) server on 127.0.0.1, for what a test must
//! control: rate limits with Retry-After, server errors, slow answers, malformed JSON,
//! streams cut short. Each request takes the next scripted reply; when the script is empty
//! it gets the default reply, which echoes the last user message.

#![allow(dead_code)]
// each test binary uses a different part of it
// A fixture that cannot bind or lock should fail the test loudly, not be handled.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 with this chat completion text.
    Text(String),
    /// The last user message back.
    Echo,
    /// Any status, optional Retry-After, and a body sent as is.
    Status {
        status: u16,
        retry_after: Option<String>,
        body: String,
    },
    /// Waits, then replies.
    After(Duration, Box<Reply>),
    /// An SSE stream of these text deltas; `[DONE]` and usage follow only when `complete`.
    Stream { deltas: Vec<String>, complete: bool },
}

impl Reply {
    pub fn status(status: u16, body: &str) -> Reply {
        Reply::Status {
            status,
            retry_after: None,
            body: body.to_string(),
        }
    }

    pub fn rate_limited(retry_after: &str) -> Reply {
        Reply::Status {
            status: 429,
            retry_after: Some(retry_after.to_string()),
            body: json!({"error": {"message": "Rate limit reached", "type": "rate_limit"}})
                .to_string(),
        }
    }

    pub fn after(delay: Duration, reply: Reply) -> Reply {
        Reply::After(delay, Box::new(reply))
    }
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
    requests: Mutex<Vec<(String, HeaderMap, Value)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct FakeProvider {
    /// `http://127.0.0.1:PORT/v1`: the OpenAI-compatible base URL.
    pub url: String,
    /// `http://127.0.0.1:PORT`: Anthropic's base URL (it appends `/v1/messages`).
    pub root: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeProvider {
    pub async fn start() -> FakeProvider {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/v1/embeddings", post(embeddings))
            .route("/v1/messages", post(messages))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeProvider {
            url: format!("http://127.0.0.1:{port}/v1"),
            root: format!("http://127.0.0.1:{port}"),
            shared,
            server,
        }
    }

    /// Replies for the next requests, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.script.lock().unwrap().extend(replies);
    }

    /// The reply once the script is used up (default: echo).
    pub fn otherwise(&self, reply: Reply) {
        *self.shared.default.lock().unwrap() = Some(reply);
    }

    pub fn request_count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// Every request body, in arrival order, with its path and headers.
    pub fn requests(&self) -> Vec<(String, HeaderMap, Value)> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

fn next_reply(shared: &Shared, path: &str, headers: &HeaderMap, body: &Value) -> Reply {
    shared
        .requests
        .lock()
        .unwrap()
        .push((path.to_string(), headers.clone(), body.clone()));
    let scripted = shared.script.lock().unwrap().pop_front();
    scripted
        .or_else(|| shared.default.lock().unwrap().clone())
        .unwrap_or(Reply::Echo)
}

fn last_user_message(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn chat(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let _guard = InFlight::enter(&shared);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut reply = next_reply(&shared, "/v1/chat/completions", &headers, &body);
    loop {
        match reply {
            Reply::After(delay, inner) => {
                tokio::time::sleep(delay).await;
                reply = *inner;
            }
            Reply::Echo => return completion(&last_user_message(&body), &body),
            Reply::Text(text) => return completion(&text, &body),
            Reply::Status {
                status,
                retry_after,
                body,
            } => return status_reply(status, retry_after, body),
            Reply::Stream { deltas, complete } => return openai_stream(deltas, complete),
        }
    }
}

fn status_reply(status: u16, retry_after: Option<String>, body: String) -> Response {
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    if let Some(after) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", after.parse().unwrap());
    }
    response
}

fn words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

fn completion(text: &str, request: &Value) -> Response {
    let prompt: String = request["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|m| m["content"].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    axum::Json(json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": request["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": words(&prompt), "completion_tokens": words(text)},
    }))
    .into_response()
}

fn openai_stream(deltas: Vec<String>, complete: bool) -> Response {
    let mut events = vec![
        json!({"choices": [{"index": 0, "delta": {"role": "assistant", "content": null}, "finish_reason": null}]}).to_string(),
    ];
    let total: u64 = deltas.iter().map(|d| words(d)).sum();
    for delta in &deltas {
        events.push(
            json!({"choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": null}]})
                .to_string(),
        );
    }
    if complete {
        events.push(
            json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}).to_string(),
        );
        events.push(
            json!({"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": total}})
                .to_string(),
        );
        events.push("[DONE]".to_string());
    }
    sse(events
        .into_iter()
        .map(|data| format!("data: {data}\n\n"))
        .collect())
}

fn sse(chunks: Vec<String>) -> Response {
    let stream = futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|chunk| Ok::<_, Infallible>(Bytes::from(chunk))),
    );
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(stream))
        .unwrap()
}

async fn embeddings(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Reply::Status {
        status,
        retry_after,
        body,
    } = next_reply(&shared, "/v1/embeddings", &headers, &body)
    {
        return status_reply(status, retry_after, body);
    }
    // A bag-of-letters vector: texts with the same letters point the same way.
    let inputs: Vec<String> = body["input"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let mut vector = [0f32; 26];
            for c in text
                .to_ascii_lowercase()
                .bytes()
                .filter(u8::is_ascii_lowercase)
            {
                vector[(c - b'a') as usize] += 1.0;
            }
            json!({"index": index, "object": "embedding", "embedding": vector.to_vec()})
        })
        .collect();
    axum::Json(
        json!({"object": "list", "data": data, "usage": {"prompt_tokens": 1, "total_tokens": 1}}),
    )
    .into_response()
}

async fn messages(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let _guard = InFlight::enter(&shared);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut reply = next_reply(&shared, "/v1/messages", &headers, &body);
    loop {
        match reply {
            Reply::After(delay, inner) => {
                tokio::time::sleep(delay).await;
                reply = *inner;
            }
            Reply::Echo | Reply::Text(_) => {
                let text = match reply {
                    Reply::Text(text) => text,
                    _ => last_user_message(&body),
                };
                return axum::Json(json!({
                    "id": "msg_fake", "type": "message", "role": "assistant",
                    "model": body["model"],
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": "end_turn",
                    "usage": {"input_tokens": 12, "output_tokens": words(&text)},
                }))
                .into_response();
            }
            Reply::Status {
                status,
                retry_after,
                body,
            } => {
                return status_reply(status, retry_after, body);
            }
            Reply::Stream { deltas, complete } => {
                let mut chunks = vec![format!(
                    "event: message_start\ndata: {}\n\n",
                    json!({"type": "message_start", "message": {"model": body["model"], "usage": {"input_tokens": 12, "output_tokens": 1}}})
                )];
                for delta in &deltas {
                    chunks.push(format!(
                        "event: content_block_delta\ndata: {}\n\n",
                        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": delta}})
                    ));
                }
                if complete {
                    chunks.push(format!(
                        "event: message_delta\ndata: {}\n\n",
                        json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": deltas.len()}})
                    ));
                    chunks
                        .push("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n".into());
                }
                return sse(chunks);
            }
        }
    }
}
