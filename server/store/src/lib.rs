//! The registry and the audit log behind one repository trait.
//!
//! Will own (issue 6): versions, feedback, approvals, labels and the tamper-evident event log,
//! in SQLite (the embedded default) and Postgres (for teams), with migrations.
//! Must not know: LSP, HTTP. Only this crate knows SQL.
//!
//! Empty until issue 6 lands; it exists so the workspace shows where that work goes.
