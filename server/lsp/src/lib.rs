//! The language server: `promptopt lsp`.
//!
//! Owns the protocol: the open documents, diagnostics off the typing path, code actions,
//! hover, completion, navigation, symbols, formatting and commands. It turns LSP requests into
//! questions for `core` (which parses and lints) and `workspace` (which reads the project on
//! disk), and their answers back into LSP. Only this crate knows LSP types.
//!
//! Invariants:
//! - the editor never waits on a lint: edits only update the document store; linting runs on
//!   a blocking thread, one run per document at a time, newer edits replace the queued one,
//!   and a result is published only if its version is still the document's current one;
//! - a panic while answering is caught, logged and answered with an error: the server keeps
//!   serving;
//! - nothing is written to stdout but protocol frames;
//! - a frame that cannot be decoded gets an error answer, never ends the input; after `exit` or
//!   the end of input the server returns promptly, even while a handler waits on the client.
//!
//! Must not know: SQL details, the HTTP server.

mod commands;
mod convert;
mod diagnostics;
mod documents;
mod ending;
mod features;
mod frames;
mod guard;
mod project;
mod registry;
mod server;
mod settings;
mod state;

pub use server::Server;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tower_lsp_server::{LspService, Server as Transport};

use crate::ending::{Ending, OnExit, UntilEof};
use crate::frames::ValidFrames;

/// Serves LSP over the given streams until the client sends `exit` (or closes the input),
/// and returns soon after even if a handler is still waiting on the client.
/// Returns whether `shutdown` came first: the process should then exit with 0, else 1.
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite,
{
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&shut_down);
    let (service, socket) = LspService::build(move |client| Server::new(client, flag))
        .custom_method(frames::UNREADABLE, frames::unreadable)
        .custom_method(ending::UNKNOWN_DOLLAR, ending::unknown_dollar)
        .finish();
    let ending = Ending::default();
    let input = UntilEof {
        inner: ValidFrames::new(input),
        ending: ending.clone(),
    };
    let service = OnExit {
        inner: service,
        ending: ending.clone(),
    };
    tokio::select! {
        () = Transport::new(input, output, socket).serve(service) => {}
        () = ending.gone() => {
            tracing::info!("the client is gone; not waiting for handlers that wait on it");
        }
    }
    shut_down.load(Ordering::SeqCst)
}
