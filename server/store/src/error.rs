//! The store's errors, each worded to say what to do next.

use crate::audit::KeyError;
use crate::review::Rule;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Something asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A review rule refused the action. The refusal is recorded in the audit log.
    #[error("denied: {}", .rule.explain())]
    Denied { rule: Rule },
    /// The action makes no sense in the current state; nothing was recorded.
    #[error("{0}")]
    Conflict(String),
    /// The input is not acceptable; nothing was recorded.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error("the state database at {path} failed: {reason}")]
    Database { path: String, reason: String },
    #[error("the state directory {path} cannot be used: {reason}")]
    Io { path: String, reason: String },
    /// The writer stopped (the process is shutting down, or it failed before).
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    /// Whether the work that produced this error still commits: a refusal is recorded.
    pub(crate) fn is_recorded(&self) -> bool {
        matches!(self, StoreError::Denied { .. })
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
