//! Knowing when the client is gone: the `exit` notification or the end of its input.
//!
//! tower-lsp-server stops reading at `exit` (or end of input) but then waits for every handler
//! still running, and a handler that awaits an answer from the client (`initialized` asks for
//! settings and a file watcher) waits forever, since nothing reads that answer any more: the
//! process hung whenever a client quit while such a request was in flight. [`serve`] instead
//! gives in-flight handlers [`GRACE`] once the client is gone, then returns.
//!
//! [`serve`]: crate::serve

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::Request;
use tower_service::Service;

/// How long handlers may still run once the client is gone: long enough to finish any
/// computation, short against the second or so editors wait before killing a server.
pub const GRACE: Duration = Duration::from_millis(200);

/// Fired once the client sent `exit` or closed its end.
#[derive(Clone, Default)]
pub struct Ending(Arc<Notify>);

impl Ending {
    fn fire(&self) {
        // A stored permit: `gone` sees it even when it starts waiting afterwards.
        self.0.notify_one();
    }

    /// Resolves once the client is gone and the grace period has passed.
    pub async fn gone(&self) {
        self.0.notified().await;
        tokio::time::sleep(GRACE).await;
    }
}

/// The service, noticing `exit` on its way in.
pub struct OnExit<S> {
    pub inner: S,
    pub ending: Ending,
}

impl<S: Service<Request>> Service<Request> for OnExit<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == "exit" {
            self.ending.fire();
        }
        self.inner.call(unknown_dollar_request(request))
    }
}

/// The method an unknown `$/` request is replaced by, answered with MethodNotFound.
pub const UNKNOWN_DOLLAR: &str = "promptopt/unknownDollarRequest";

/// tower-lsp-server 0.23 drops every unknown `$/` message, but LSP says only notifications
/// may be dropped: a `$/` *request* must fail with MethodNotFound, or its client waits
/// forever. Such a request is renamed to [`UNKNOWN_DOLLAR`], keeping its id.
fn unknown_dollar_request(request: Request) -> Request {
    if !request.method().starts_with("$/") || request.id().is_none() {
        return request;
    }
    let (method, id, _) = request.into_parts();
    let mut substitute =
        Request::build(UNKNOWN_DOLLAR).params(serde_json::json!({ "method": method }));
    if let Some(id) = id {
        substitute = substitute.id(id);
    }
    substitute.finish()
}

/// Answers a renamed `$/` request.
pub async fn unknown_dollar(
    _: &crate::Server,
    params: serde_json::Value,
) -> tower_lsp_server::jsonrpc::Result<()> {
    let method = params["method"].as_str().unwrap_or("$/…").to_string();
    Err(tower_lsp_server::jsonrpc::Error {
        code: tower_lsp_server::jsonrpc::ErrorCode::MethodNotFound,
        message: format!("{method} is not a method this server knows").into(),
        data: None,
    })
}

/// The client's input, noticing its end.
pub struct UntilEof<R> {
    pub inner: R,
    pub ending: Ending,
}

impl<R: AsyncRead + Unpin> AsyncRead for UntilEof<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        let eof = matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() == before;
        if eof && buf.remaining() > 0 {
            self.ending.fire();
        }
        poll
    }
}
