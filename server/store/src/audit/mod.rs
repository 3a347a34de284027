//! The audit log: the event stream made tamper-evident.
//!
//! - Each entry's hash covers its header, its sealed payload and the hash of the entry before.
//! - Payloads are sealed with AES-256-GCM, with the entry's place bound in as associated data.
//! - Ed25519 checkpoints sign the chain's head every few thousand entries or every second, and
//!   when a store closes.
//! - The tables refuse UPDATE and DELETE.

pub mod chain;
pub mod export;
pub mod keys;
pub mod record;
pub mod verify;

pub use chain::{Checkpoint, RawEntry};
pub use keys::{KeyError, KeyId, Vault};
pub use record::{AuditEventRecord, EventType};
pub use verify::{Problem, ProblemKind, Verdict, Verified};
