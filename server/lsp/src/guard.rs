//! Answering without ever taking the server down: a panic in a feature becomes a logged
//! internal error for that one request.

use std::panic::{AssertUnwindSafe, catch_unwind};

use tower_lsp_server::jsonrpc;

/// Runs `work`, turning a panic into an internal error that names the request. The work is
/// pure computation over an immutable snapshot, so nothing is left half-updated by a panic.
pub fn answer<T>(request: &str, work: impl FnOnce() -> T) -> jsonrpc::Result<T> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|panic| {
        let reason = panic_message(panic.as_ref());
        tracing::error!(request, reason, "a handler panicked; the server keeps serving");
        let mut error = jsonrpc::Error::internal_error();
        error.message = format!("promptopt failed to answer {request}: {reason}. This is a bug: please report it with the file that caused it.").into();
        error
    })
}

/// Runs blocking `work` on tokio's blocking pool, so a slow or panicking computation neither
/// stalls the protocol loop nor kills the server.
pub async fn answer_blocking<T: Send + 'static>(
    request: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> jsonrpc::Result<T> {
    match tokio::task::spawn_blocking(move || answer(request, work)).await {
        Ok(result) => result,
        Err(error) => {
            tracing::error!(request, %error, "a blocking task failed");
            Err(jsonrpc::Error::internal_error())
        }
    }
}

pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn a_panic_becomes_an_internal_error_naming_the_request() {
        let error = answer("textDocument/hover", || -> u8 { panic!("boom") }).unwrap_err();
        assert_eq!(error.code, jsonrpc::ErrorCode::InternalError);
        assert!(error.message.contains("textDocument/hover"));
        assert!(error.message.contains("boom"));
        assert_eq!(answer("x", || 7).unwrap(), 7);
    }
}
