//! The Mesh API: the central service teams share, and the client that syncs with it.
//!
//! Will own (a later issue): the axum server, the reqwest client, auth, RBAC and sync of
//! events. Only this crate knows HTTP. Must not know: LSP.
//!
//! Empty until its issue lands; it exists so the workspace shows where that work goes.
