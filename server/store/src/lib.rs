//! The prompt registry and the audit trail, behind one repository trait.
//!
//! - [`Repository`] is the contract: versions, feedback, evaluations, review gating, labels,
//!   rollback, drift alerts and the audit trail. [`SqliteStore`] implements it (embedded,
//!   one file in `.promptopt/`); a Postgres store for teams will pass the same contract tests.
//! - State is derived from append-only rows: every table refuses UPDATE and DELETE, and every
//!   change is an event in the tamper-evident [`audit`] log.
//!
//! Must not know: LSP, HTTP. Only this crate knows SQL.

pub mod audit;
mod clock;
pub mod diff;
pub mod drift;
mod error;
mod history;
pub mod ids;
pub mod model;
mod repository;
pub mod review;
mod sqlite;
pub mod validate;

pub use clock::parse_since;
pub use error::{Result, StoreError};
pub use history::{LabelAt, PromptHistory, prompt_history};
pub use ids::{EventId, PromptId, SessionId, UserId, VersionId};
pub use model::*;
pub use repository::{AuditFilter, Recorded, Repository};
pub use sqlite::{AUDIT_KEY_DIR_ENV, DATABASE_FILE, SqliteStore, StoreOptions};
