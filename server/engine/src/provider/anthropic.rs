//! Anthropic's Messages API: `POST {base}/v1/messages` with `x-api-key` and
//! `anthropic-version`; system text goes in its own field, not in the messages.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Client;
use serde_json::{Value, json};

use super::http;
use super::sse::{Event, Partial};
use super::{ApiKey, ChatRequest, Completion, Provider, ProviderError, Role, Sink, Usage};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
const API_VERSION: &str = "2023-06-01";

#[derive(Debug)]
pub struct Anthropic {
    base_url: String,
    key: ApiKey,
    timeout: Duration,
    client: Client,
}

impl Anthropic {
    pub fn new(base_url: &str, key: ApiKey, timeout: Duration) -> Result<Self, ProviderError> {
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            key,
            timeout,
            client: http::client()?,
        })
    }

    async fn chat_call(
        &self,
        request: &ChatRequest,
        sink: Option<Sink<'_>>,
    ) -> Result<Completion, ProviderError> {
        let url = format!("{}/v1/messages", self.base_url);
        let builder = self
            .client
            .post(&url)
            .timeout(self.timeout)
            .header("x-api-key", self.key.expose())
            .header("anthropic-version", API_VERSION)
            .json(&body(request));
        let response = http::send(
            builder,
            &url,
            self.timeout,
            "anthropic",
            "ANTHROPIC_API_KEY",
        )
        .await?;
        http::answer(
            response,
            request,
            sink,
            &url,
            self.timeout,
            decode,
            completion,
        )
        .await
    }
}

impl Provider for Anthropic {
    fn endpoint(&self) -> String {
        format!("anthropic {}", self.base_url)
    }

    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        sink: Option<Sink<'a>>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.chat_call(request, sink))
    }
}

fn body(request: &ChatRequest) -> Value {
    let system: Vec<&str> = request
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    let mut messages: Vec<Value> = Vec::new();
    for message in request.messages.iter().filter(|m| m.role != Role::System) {
        let role = if message.role == Role::Assistant {
            "assistant"
        } else {
            "user"
        };
        // The API wants turns to alternate; two in a row from one side become one.
        match messages.last_mut() {
            Some(last) if last["role"] == role => {
                let joined = format!(
                    "{}\n\n{}",
                    last["content"].as_str().unwrap_or_default(),
                    message.content
                );
                last["content"] = json!(joined);
            }
            _ => messages.push(json!({"role": role, "content": message.content})),
        }
    }
    if messages.is_empty() {
        // A prompt that is all system text still needs a user turn to answer.
        messages.push(json!({"role": "user", "content": "Begin."}));
    }
    let mut body = json!({
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": messages,
    });
    if !system.is_empty() {
        body["system"] = json!(system.join("\n\n"));
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if request.stream {
        body["stream"] = json!(true);
    }
    body
}

fn usage(value: Option<&Value>, into: &mut Usage) {
    if let Some(n) = value
        .and_then(|u| u.get("input_tokens"))
        .and_then(Value::as_u64)
    {
        into.input_tokens = n;
    }
    if let Some(n) = value
        .and_then(|u| u.get("output_tokens"))
        .and_then(Value::as_u64)
    {
        into.output_tokens = n;
    }
}

fn completion(answer: &Value, requested_model: &str) -> Result<Completion, ProviderError> {
    let blocks = answer
        .get("content")
        .and_then(Value::as_array)
        .ok_or_else(|| ProviderError::Malformed("the answer has no `content` blocks".into()))?;
    let text: String = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    let mut totals = Usage::default();
    usage(answer.get("usage"), &mut totals);
    Ok(Completion {
        text,
        model: answer
            .get("model")
            .and_then(Value::as_str)
            .unwrap_or(requested_model)
            .to_string(),
        usage: totals,
        finish_reason: answer
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

/// One event of a streamed message; `message_stop` ends it.
fn decode(
    partial: &mut Partial,
    event: &Event,
    sink: Option<Sink<'_>>,
) -> Result<bool, ProviderError> {
    let data = http::parse_json(event.data.as_bytes())?;
    let kind = data
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or(&event.name);
    let completion = &mut partial.completion;
    match kind {
        "message_start" => {
            if let Some(model) = data.pointer("/message/model").and_then(Value::as_str) {
                completion.model = model.to_string();
            }
            usage(data.pointer("/message/usage"), &mut completion.usage);
        }
        "content_block_delta" => {
            if let Some(text) = data.pointer("/delta/text").and_then(Value::as_str) {
                partial.push(text, sink);
            }
        }
        "message_delta" => {
            usage(data.get("usage"), &mut completion.usage);
            if let Some(reason) = data.pointer("/delta/stop_reason").and_then(Value::as_str) {
                completion.finish_reason = Some(reason.to_string());
            }
        }
        "message_stop" => return Ok(true),
        "error" => {
            let message = data
                .pointer("/error/message")
                .and_then(Value::as_str)
                .unwrap_or("no details given");
            return Err(ProviderError::Server {
                status: 200,
                message: format!("error in the stream: {message}"),
            });
        }
        _ => {} // ping, content_block_start/stop
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ChatMessage;

    #[test]
    fn system_text_moves_out_and_turns_alternate() {
        let request = ChatRequest::new(
            "claude-sonnet-4-5",
            vec![
                ChatMessage::system("Be brief."),
                ChatMessage::user("a"),
                ChatMessage::user("b"),
            ],
        );
        let body = body(&request);
        assert_eq!(body["system"], json!("Be brief."));
        assert_eq!(
            body["messages"],
            json!([{"role": "user", "content": "a\n\nb"}])
        );
        assert_eq!(body["max_tokens"], json!(512));
    }

    #[test]
    fn a_completion_joins_text_blocks() {
        let answer = json!({
            "model": "claude-x",
            "content": [{"type": "text", "text": "Hel"}, {"type": "tool_use"}, {"type": "text", "text": "lo"}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": 10, "output_tokens": 3}
        });
        let c = completion(&answer, "m").unwrap();
        assert_eq!(c.text, "Hello");
        assert_eq!(
            c.usage,
            Usage {
                input_tokens: 10,
                output_tokens: 3
            }
        );
    }
}
