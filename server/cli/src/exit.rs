//! Exit codes shared by every subcommand.

/// Success: nothing to report.
pub const SUCCESS: u8 = 0;
/// The command ran and found problems (lint findings, failed checks, a prompt that won't render).
pub const FINDINGS: u8 = 1;
/// The command could not run: bad arguments, unreadable files.
pub const USAGE: u8 = 2;

/// An error that ends a command, with the exit code it maps to and a one-line message that
/// says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Findings(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => USAGE,
            CliError::Findings(_) => FINDINGS,
        }
    }
}
