//! OpenAI's chat completions wire format, spoken by OpenAI, Azure OpenAI, Ollama, vLLM and
//! llama.cpp's server.

use std::time::Duration;

use futures_util::future::BoxFuture;
use reqwest::Client;
use serde_json::{Value, json};

use super::http;
use super::sse::{Event, Partial};
use super::{
    ApiKey, ChatRequest, Completion, Embeddings, Provider, ProviderError, Role, Sink, Usage,
};

/// Where the deployment lives and how it wants the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flavor {
    /// `POST {base}/chat/completions` with `Authorization: Bearer KEY` (no header without a
    /// key: local servers need none).
    OpenAi,
    /// `POST {endpoint}/openai/deployments/{model}/chat/completions?api-version=V` with an
    /// `api-key` header; the request's model is the deployment name.
    Azure { api_version: String },
}

#[derive(Debug)]
pub struct OpenAiCompatible {
    flavor: Flavor,
    base_url: String,
    key: Option<ApiKey>,
    timeout: Duration,
    client: Client,
}

impl OpenAiCompatible {
    pub fn new(
        flavor: Flavor,
        base_url: &str,
        key: Option<ApiKey>,
        timeout: Duration,
    ) -> Result<Self, ProviderError> {
        Ok(Self {
            flavor,
            base_url: base_url.trim_end_matches('/').to_string(),
            key,
            timeout,
            client: http::client()?,
        })
    }

    fn url(&self, model: &str, operation: &str) -> String {
        match &self.flavor {
            Flavor::OpenAi => format!("{}/{operation}", self.base_url),
            Flavor::Azure { api_version } => format!(
                "{}/openai/deployments/{model}/{operation}?api-version={api_version}",
                self.base_url
            ),
        }
    }

    /// POSTs `body` with the key in the header this flavor wants.
    async fn send(&self, url: &str, body: &Value) -> Result<reqwest::Response, ProviderError> {
        let builder = self.client.post(url).timeout(self.timeout).json(body);
        let builder = match (&self.flavor, &self.key) {
            (Flavor::OpenAi, Some(key)) => builder.bearer_auth(key.expose()),
            (Flavor::Azure { .. }, Some(key)) => builder.header("api-key", key.expose()),
            (_, None) => builder,
        };
        let (provider, env) = match self.flavor {
            Flavor::OpenAi => ("openai", "OPENAI_API_KEY"),
            Flavor::Azure { .. } => ("azure", "AZURE_OPENAI_API_KEY"),
        };
        http::send(builder, url, self.timeout, provider, env).await
    }

    async fn chat_call(
        &self,
        request: &ChatRequest,
        sink: Option<Sink<'_>>,
    ) -> Result<Completion, ProviderError> {
        let url = self.url(&request.model, "chat/completions");
        let response = self.send(&url, &body(request)).await?;
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

    async fn embed_call(
        &self,
        model: &str,
        inputs: &[String],
    ) -> Result<Embeddings, ProviderError> {
        let url = self.url(model, "embeddings");
        let response = self
            .send(&url, &json!({"model": model, "input": inputs}))
            .await?;
        embeddings(
            &http::json_body(response, &url, self.timeout).await?,
            inputs.len(),
        )
    }
}

impl Provider for OpenAiCompatible {
    fn endpoint(&self) -> String {
        match &self.flavor {
            Flavor::OpenAi => format!("openai-compatible {}", self.base_url),
            Flavor::Azure { api_version } => format!("azure {} {api_version}", self.base_url),
        }
    }

    fn chat<'a>(
        &'a self,
        request: &'a ChatRequest,
        sink: Option<Sink<'a>>,
    ) -> BoxFuture<'a, Result<Completion, ProviderError>> {
        Box::pin(self.chat_call(request, sink))
    }

    fn embed<'a>(
        &'a self,
        model: &'a str,
        inputs: &'a [String],
    ) -> BoxFuture<'a, Result<Embeddings, ProviderError>> {
        Box::pin(self.embed_call(model, inputs))
    }
}

fn body(request: &ChatRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::System => "system",
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            json!({"role": role, "content": m.content})
        })
        .collect();
    let mut body = json!({
        "model": request.model,
        "messages": messages,
        "max_tokens": request.max_tokens,
    });
    if let Some(temperature) = request.temperature {
        body["temperature"] = json!(temperature);
    }
    if let Some(schema) = &request.json_schema {
        body["response_format"] = json!({
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema},
        });
    }
    if request.stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

fn usage(value: Option<&Value>) -> Usage {
    let field = |name: &str| {
        value
            .and_then(|u| u.get(name))
            .and_then(Value::as_u64)
            .unwrap_or(0)
    };
    Usage {
        input_tokens: field("prompt_tokens"),
        output_tokens: field("completion_tokens"),
    }
}

fn completion(answer: &Value, requested_model: &str) -> Result<Completion, ProviderError> {
    let choice = answer
        .pointer("/choices/0")
        .ok_or_else(|| ProviderError::Malformed("the answer has no `choices`".into()))?;
    let text = match choice.pointer("/message/content") {
        Some(Value::String(text)) => text.clone(),
        // A refusal or a tool call leaves content null: an empty answer, graded as such.
        Some(Value::Null) | None if choice.get("message").is_some() => String::new(),
        _ => {
            return Err(ProviderError::Malformed(
                "the first choice has no `message.content`".into(),
            ));
        }
    };
    Ok(Completion {
        text,
        model: model_name(answer, requested_model),
        usage: usage(answer.get("usage")),
        finish_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}

fn model_name(answer: &Value, requested_model: &str) -> String {
    answer
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or(requested_model)
        .to_string()
}

/// One `data:` event of a streamed chat completion; `[DONE]` ends it.
fn decode(
    partial: &mut Partial,
    event: &Event,
    sink: Option<Sink<'_>>,
) -> Result<bool, ProviderError> {
    if event.data == "[DONE]" {
        return Ok(true);
    }
    let chunk = http::parse_json(event.data.as_bytes())?;
    if let Some(message) = chunk.pointer("/error/message").and_then(Value::as_str) {
        return Err(ProviderError::Server {
            status: 200,
            message: format!("error in the stream: {message}"),
        });
    }
    let completion = &mut partial.completion;
    if let Some(model) = chunk.get("model").and_then(Value::as_str) {
        completion.model = model.to_string();
    }
    if let Some(reason) = chunk
        .pointer("/choices/0/finish_reason")
        .and_then(Value::as_str)
    {
        completion.finish_reason = Some(reason.to_string());
    }
    if chunk.get("usage").is_some_and(Value::is_object) {
        completion.usage = usage(chunk.get("usage"));
    }
    if let Some(delta) = chunk
        .pointer("/choices/0/delta/content")
        .and_then(Value::as_str)
    {
        partial.push(delta, sink);
    }
    Ok(false)
}

fn embeddings(answer: &Value, expected: usize) -> Result<Embeddings, ProviderError> {
    let data = answer
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| ProviderError::Malformed("the embeddings answer has no `data`".into()))?;
    let mut indexed: Vec<(u64, Vec<f32>)> = Vec::with_capacity(data.len());
    for (position, item) in data.iter().enumerate() {
        let vector = item
            .get("embedding")
            .and_then(Value::as_array)
            .ok_or_else(|| ProviderError::Malformed("an embedding is not an array".into()))?
            .iter()
            .map(|x| x.as_f64().map(|x| x as f32))
            .collect::<Option<Vec<f32>>>()
            .ok_or_else(|| ProviderError::Malformed("an embedding holds a non-number".into()))?;
        let index = item
            .get("index")
            .and_then(Value::as_u64)
            .unwrap_or(position as u64);
        indexed.push((index, vector));
    }
    if indexed.len() != expected {
        return Err(ProviderError::Malformed(format!(
            "asked for {expected} embeddings, got {}",
            indexed.len()
        )));
    }
    indexed.sort_by_key(|(index, _)| *index);
    Ok(Embeddings {
        vectors: indexed.into_iter().map(|(_, v)| v).collect(),
        usage: usage(answer.get("usage")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ChatMessage;

    #[test]
    fn the_body_carries_schema_stream_and_usage_options() {
        let mut request =
            ChatRequest::new("m", vec![ChatMessage::system("s"), ChatMessage::user("u")]);
        request.json_schema = Some(json!({"type": "object"}));
        request.stream = true;
        request.temperature = Some(0.0);
        let body = body(&request);
        assert_eq!(
            body["messages"][0],
            json!({"role": "system", "content": "s"})
        );
        assert_eq!(
            body["response_format"]["json_schema"]["schema"],
            json!({"type": "object"})
        );
        assert_eq!(body["stream_options"], json!({"include_usage": true}));
        assert_eq!(body["temperature"], json!(0.0));
    }

    #[test]
    fn a_completion_reads_text_usage_and_finish_reason() {
        let answer = json!({
            "model": "smollm2",
            "choices": [{"message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 2}
        });
        let c = completion(&answer, "x").unwrap();
        assert_eq!((c.text.as_str(), c.model.as_str()), ("hi", "smollm2"));
        assert_eq!(
            c.usage,
            Usage {
                input_tokens: 7,
                output_tokens: 2
            }
        );
        assert_eq!(c.finish_reason.as_deref(), Some("stop"));
        assert!(matches!(
            completion(&json!({"id": 1}), "x"),
            Err(ProviderError::Malformed(_))
        ));
    }

    #[test]
    fn azure_urls_name_the_deployment_and_version() {
        let azure = OpenAiCompatible::new(
            Flavor::Azure {
                api_version: "2024-10-21".into(),
            },
            "https://r.openai.azure.com/",
            None,
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(
            azure.url("gpt4o-prod", "chat/completions"),
            "https://r.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"
        );
    }

    #[test]
    fn embeddings_come_back_in_input_order() {
        let answer = json!({"data": [
            {"index": 1, "embedding": [0.0, 1.0]},
            {"index": 0, "embedding": [1.0, 0.0]}
        ]});
        let e = embeddings(&answer, 2).unwrap();
        assert_eq!(e.vectors, vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
        assert!(embeddings(&answer, 3).is_err());
    }
}
