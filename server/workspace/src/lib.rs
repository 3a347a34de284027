//! A project on disk, read for the library crates, which do no I/O: the nearest
//! `promptopt.toml` and what it names (a model table), prompt files read under the size and
//! encoding limits, partials resolved the way dotprompt's directory store lays them out, named
//! schemas from `schemas/`, a prompt's test file with the files it references, where the
//! project's state lives and who is acting.
//!
//! The CLI and the language server both read projects through this crate, so a prompt lints
//! the same in the editor as in CI.
//!
//! Must not know: LSP, HTTP, SQL, terminal output.

mod config;
mod files;
mod state;
mod tests_files;

pub use config::{ProjectConfig, find_config};
pub use files::{FsWorkspace, PartialFiles, ReadError, SchemaFiles, read_limited, read_prompt};
pub use state::{STATE_DIR, STATE_DIR_ENV, USER_ENV, state_dir, whoami};
pub use tests_files::{read_test_file, tests_beside};
