//! A project on disk, read for the library crates, which do no I/O: the nearest
//! `promptopt.toml` and what it names (a model table), prompt files read under the size and
//! encoding limits, and partials resolved the way dotprompt's directory store lays them out.
//!
//! The CLI and the language server both read projects through this crate, so a prompt lints
//! the same in the editor as in CI.
//!
//! Must not know: LSP, HTTP, SQL, terminal output.

mod config;
mod files;

pub use config::{ProjectConfig, find_config};
pub use files::{FsWorkspace, PartialFiles, ReadError, read_limited, read_prompt};
