//! What every provider's HTTP call shares: the client, turning a status and body into a
//! [`ProviderError`], reading the whole body under the timeout.

use std::sync::Once;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

use super::{ChatRequest, Completion, ProviderError, Sink, sse};

/// Installs rustls' ring provider once per process: reqwest is built without a default crypto
/// provider so the build needs no C toolchain beyond what `ring` uses.
fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Err means another part of the process installed one first, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client with the connect timeout set; the whole-call timeout is applied per request so a
/// stream is bounded too.
pub(super) fn client() -> Result<Client, ProviderError> {
    install_crypto();
    Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("promptopt/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProviderError::Unsupported(format!("cannot start the HTTP client: {e}")))
}

/// Sends a request built for `url` and turns a failed send or a non-success status into a
/// [`ProviderError`] (`provider` and `key_env` name where the key comes from, for a 401).
pub(super) async fn send(
    request: reqwest::RequestBuilder,
    url: &str,
    timeout: Duration,
    provider: &'static str,
    key_env: &'static str,
) -> Result<Response, ProviderError> {
    let response = request
        .send()
        .await
        .map_err(|e| transport(&e, url, timeout))?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(status_error(response, provider, key_env).await)
    }
}

/// Maps a transport error, naming the endpoint and never the key.
pub(super) fn transport(error: &reqwest::Error, url: &str, timeout: Duration) -> ProviderError {
    if error.is_timeout() {
        return ProviderError::Timeout(timeout);
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message = format!("{message}: {inner}");
        source = inner.source();
    }
    ProviderError::Connect {
        url: url.to_string(),
        message,
    }
}

/// The error for a non-success status, with the provider's own message when its body has one
/// (`{"error": {"message": …}}` in both OpenAI's and Anthropic's shapes).
async fn status_error(
    response: Response,
    provider: &'static str,
    key_env: &'static str,
) -> ProviderError {
    let status = response.status();
    let retry_after = retry_after(response.headers());
    let body = response.text().await.unwrap_or_default();
    let message = error_message(&body);
    match status {
        StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited {
            retry_after,
            message,
        },
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ProviderError::Unauthorized {
            status: status.as_u16(),
            message,
            provider,
            env: key_env,
        },
        // 529 is Anthropic's "overloaded"; 408 a timeout the server noticed first.
        s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => ProviderError::Server {
            status: s.as_u16(),
            message,
        },
        s => ProviderError::Rejected {
            status: s.as_u16(),
            message,
        },
    }
}

fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let from_json = parsed.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .or_else(|| v.get("error"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    from_json.unwrap_or_else(|| {
        let trimmed = body.trim();
        if trimmed.is_empty() {
            "no details given".to_string()
        } else {
            trimmed.chars().take(300).collect()
        }
    })
}

/// `Retry-After` in seconds (`"7"`, `"0.5"`); the HTTP-date form is rare from model APIs and
/// falls back to the backoff schedule.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let seconds: f64 = value.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// Parses a JSON body, naming what was wrong when it is not JSON.
pub(super) fn parse_json(body: &[u8]) -> Result<Value, ProviderError> {
    serde_json::from_slice(body).map_err(|e| {
        let preview: String = String::from_utf8_lossy(body).chars().take(120).collect();
        ProviderError::Malformed(format!("invalid JSON ({e}): {preview:?}"))
    })
}

/// A successful call's answer: read as a stream of events with `decode` when the request
/// asked for one, else as one JSON body read by `parse`.
pub(super) async fn answer(
    response: Response,
    request: &ChatRequest,
    sink: Option<Sink<'_>>,
    url: &str,
    timeout: Duration,
    decode: sse::Decode,
    parse: fn(&Value, &str) -> Result<Completion, ProviderError>,
) -> Result<Completion, ProviderError> {
    if request.stream {
        sse::read(response, decode, &request.model, sink, timeout).await
    } else {
        parse(&json_body(response, url, timeout).await?, &request.model)
    }
}

/// The body of a successful non-streamed answer.
pub(super) async fn json_body(
    response: Response,
    url: &str,
    timeout: Duration,
) -> Result<Value, ProviderError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| transport(&e, url, timeout))?;
    parse_json(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_either_vendor_shape() {
        assert_eq!(
            error_message(r#"{"error":{"message":"slow down","type":"rate_limit"}}"#),
            "slow down"
        );
        assert_eq!(
            error_message(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            "Overloaded"
        );
        assert_eq!(
            error_message("<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
        assert_eq!(error_message(""), "no details given");
    }

    #[test]
    fn retry_after_reads_seconds_and_ignores_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(RETRY_AFTER, "0.25".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        headers.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, "-3".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
