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
        self.inner.call(request)
    }
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{Value, json};
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};

    fn frame(message: &Value) -> Vec<u8> {
        let body = message.to_string();
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    async fn read_frame(output: &mut BufReader<DuplexStream>) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            output.read_line(&mut line).await.expect("a header line");
            match line.trim_end() {
                "" => break,
                header => {
                    if let Some(value) = header.strip_prefix("Content-Length: ") {
                        length = value.parse().expect("a length");
                    }
                }
            }
        }
        let mut body = vec![0; length];
        output.read_exact(&mut body).await.expect("a body");
        serde_json::from_slice(&body).expect("JSON")
    }

    /// A client that quits while the server waits on its own request to it (here the
    /// settings asked for in `initialized`) must not leave the server hanging.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serve_returns_after_exit_with_a_server_request_unanswered() {
        let (mut input, server_input) = tokio::io::duplex(1 << 16);
        let (server_output, output) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(crate::serve(server_input, server_output));
        let mut output = BufReader::new(output);
        let capabilities = json!({"workspace": {"configuration": true}});
        let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"processId": null, "rootUri": null, "capabilities": capabilities}});
        input.write_all(&frame(&initialize)).await.expect("write");
        assert_eq!(read_frame(&mut output).await["id"], 1);
        let initialized = json!({"jsonrpc": "2.0", "method": "initialized", "params": {}});
        input.write_all(&frame(&initialized)).await.expect("write");
        let asked = read_frame(&mut output).await;
        assert_eq!(asked["method"], "workspace/configuration", "{asked}");

        let shutdown = json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"});
        input.write_all(&frame(&shutdown)).await.expect("write");
        assert_eq!(read_frame(&mut output).await["id"], 2);
        let exit = json!({"jsonrpc": "2.0", "method": "exit"});
        input.write_all(&frame(&exit)).await.expect("write");

        // The input stays open, as editors leave it.
        let clean = tokio::time::timeout(Duration::from_secs(2), server)
            .await
            .expect("serve returned within 2 s of exit")
            .expect("serve did not panic");
        assert!(clean, "shutdown came before exit");
        drop(input);
    }
}
