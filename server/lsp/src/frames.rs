//! The client's input, with frames the transport cannot decode turned into ones it can.
//!
//! tower-lsp-server's codec means to skip a bad frame and go on, but tokio-util's `FramedRead`
//! ends the stream after the first decoding error: one frame that is not JSON, not UTF-8, not a
//! JSON-RPC message, or has a header the codec refuses, and the server stopped reading (and,
//! with a handler waiting on the client, hung). [`ValidFrames`] checks each frame as the codec
//! will and passes the good ones on, re-framed with just `Content-Length`; each bad one becomes
//! a request to [`UNREADABLE`] with a null id, which [`unreadable`] answers with the error
//! JSON-RPC prescribes (Parse error or Invalid Request, `"id": null`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, ReadBuf};
use tower_lsp_server::jsonrpc::{self, ErrorCode, Request, Response};

/// The method an unreadable frame is replaced by (no client sends it; not a `$/` method,
/// which tower-lsp-server leaves unanswered).
pub const UNREADABLE: &str = "promptopt/unreadableFrame";

#[derive(Deserialize)]
pub struct Unreadable {
    code: i64,
    message: String,
}

/// Answers an unreadable frame's substitute with the error it carries.
pub async fn unreadable(_: &crate::Server, frame: Unreadable) -> jsonrpc::Result<()> {
    Err(jsonrpc::Error {
        code: ErrorCode::from(frame.code),
        message: frame.message.into(),
        data: None,
    })
}

const READ_CHUNK: usize = 64 * 1024;

pub struct ValidFrames<R> {
    inner: R,
    /// Bytes read and not yet framed.
    raw: Vec<u8>,
    /// Checked frames not yet handed out, from `out_at`.
    out: Vec<u8>,
    out_at: usize,
    chunk: Vec<u8>,
    eof: bool,
}

impl<R> ValidFrames<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            raw: Vec::new(),
            out: Vec::new(),
            out_at: 0,
            chunk: vec![0; READ_CHUNK],
            eof: false,
        }
    }

    /// Moves every complete frame from `raw` to `out` (or drops it).
    fn frame(&mut self) {
        let mut used = 0;
        while let Some(frame) = next_frame(&self.raw[used..]) {
            used += frame.len;
            let problem = match frame.body {
                Some(body) => problem(body),
                None => Some((
                    ErrorCode::ParseError,
                    "the frame has no valid Content-Length header",
                )),
            };
            match (problem, frame.body) {
                (None, Some(body)) => push_frame(&mut self.out, body),
                (None, None) => {}
                (Some((code, message)), body) => {
                    let start = body.map(|b| String::from_utf8_lossy(&b[..b.len().min(80)]));
                    tracing::warn!(?start, message, "an unreadable frame from the client");
                    let substitute = json!({"jsonrpc": "2.0", "id": null, "method": UNREADABLE,
                        "params": {"code": code.code(), "message": message}});
                    push_frame(&mut self.out, substitute.to_string().as_bytes());
                }
            }
        }
        self.raw.drain(..used);
    }
}

struct Frame<'a> {
    /// Header and body, in bytes.
    len: usize,
    /// `None` when the header names no usable length.
    body: Option<&'a [u8]>,
}

/// The first complete frame at the start of `bytes`, if there is one yet.
fn next_frame(bytes: &[u8]) -> Option<Frame<'_>> {
    let header_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let length = std::str::from_utf8(&bytes[..header_end - 4])
        .ok()
        .and_then(|header| {
            header.split("\r\n").find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
        });
    match length {
        None => Some(Frame {
            len: header_end,
            body: None,
        }),
        Some(length) => {
            let end = header_end.checked_add(length)?;
            let body = bytes.get(header_end..end)?;
            Some(Frame {
                len: end,
                body: Some(body),
            })
        }
    }
}

fn push_frame(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

/// Why the transport's codec would refuse this body, if it would (an empty one it skips).
fn problem(body: &[u8]) -> Option<(ErrorCode, &'static str)> {
    if body.is_empty() {
        return None;
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return Some((ErrorCode::ParseError, "the message is not UTF-8"));
    };
    if serde_json::from_str::<Request>(text).is_ok()
        || serde_json::from_str::<Response>(text).is_ok()
    {
        return None;
    }
    if serde_json::from_str::<Value>(text).is_err() {
        return Some((ErrorCode::ParseError, "the message is not valid JSON"));
    }
    Some((
        ErrorCode::InvalidRequest,
        "the message is not a JSON-RPC request, notification or response",
    ))
}

impl<R: AsyncRead + Unpin> AsyncRead for ValidFrames<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.out_at < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.out_at);
                buf.put_slice(&this.out[this.out_at..this.out_at + n]);
                this.out_at += n;
                if this.out_at == this.out.len() {
                    this.out.clear();
                    this.out_at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                return Poll::Ready(Ok(()));
            }
            let mut chunk = ReadBuf::new(&mut this.chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut chunk))?;
            let read = chunk.filled().len();
            if read == 0 {
                // Whatever is left is an unfinished frame: the input ends there.
                this.eof = true;
            } else {
                this.raw.extend_from_slice(&this.chunk[..read]);
                this.frame();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tokio::io::AsyncReadExt;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    async fn filtered(input: &[u8]) -> String {
        let mut out = Vec::new();
        ValidFrames::new(input)
            .read_to_end(&mut out)
            .await
            .expect("reading from a slice");
        String::from_utf8(out).expect("UTF-8 out")
    }

    fn unreadable(code: i64, message: &str) -> String {
        let substitute = json!({"jsonrpc": "2.0", "id": null, "method": UNREADABLE,
            "params": {"code": code, "message": message}});
        frame(&substitute.to_string())
    }

    #[tokio::test]
    async fn good_frames_pass_and_bad_ones_become_errors_to_answer() {
        let hover = r#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}"#;
        let answer = r#"{"jsonrpc":"2.0","id":0,"result":null}"#;
        let exit = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let mut input = Vec::new();
        input.extend(frame(hover).bytes());
        input.extend(frame("{not json").bytes());
        input.extend(b"Content-Length: 3\r\n\r\n\xe9t\xe9");
        input.extend(frame("[]").bytes());
        // A lone surrogate is no Unicode scalar value: the string cannot be read.
        input.extend(frame(r#"{"jsonrpc":"2.0","method":"a","params":{"t":"\ud800"}}"#).bytes());
        input.extend(b"X-Nonsense: 1\r\n\r\n");
        input.extend(frame(answer).bytes());
        // Extra headers are fine, in any case.
        input.extend(
            format!(
                "content-length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\nX-Trace: 1\r\n\r\n{exit}",
                exit.len()
            )
            .bytes(),
        );
        input.extend(b"Content-Length: 99\r\n\r\n{\"unfinished");
        let not_json = "the message is not valid JSON";
        assert_eq!(
            filtered(&input).await,
            [
                frame(hover),
                unreadable(-32700, not_json),
                unreadable(-32700, "the message is not UTF-8"),
                unreadable(
                    -32600,
                    "the message is not a JSON-RPC request, notification or response"
                ),
                unreadable(-32700, not_json),
                unreadable(-32700, "the frame has no valid Content-Length header"),
                frame(answer),
                frame(exit),
            ]
            .concat()
        );
    }

    #[tokio::test]
    async fn frames_split_across_reads_are_joined() {
        let big = format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"text":"{}"}}}}"#,
            "x".repeat(3 * READ_CHUNK)
        );
        let input = [frame(&big), frame(r#"{"jsonrpc":"2.0","method":"exit"}"#)].concat();
        assert_eq!(filtered(input.as_bytes()).await, input);
    }
}
