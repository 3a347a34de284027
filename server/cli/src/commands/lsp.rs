//! `promptopt lsp`: the language server over stdio, as editors start it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use tracing_subscriber::EnvFilter;

use crate::exit::{CliError, SUCCESS};

#[derive(Args)]
pub struct LspArgs {
    /// Talk LSP over stdin/stdout (the default and only transport; accepted because editors
    /// pass it).
    #[arg(long)]
    stdio: bool,
    /// Append logs to this file instead of stderr.
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
    /// Log level or tracing filter (`info`, `debug`, `promptopt_lsp=trace`); the
    /// `PROMPTOPT_LOG` environment variable is used when this is not given.
    #[arg(long, value_name = "FILTER")]
    log_level: Option<String>,
}

pub fn run(args: &LspArgs) -> Result<u8, CliError> {
    let _ = args.stdio;
    init_logging(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the language server runtime: {e}")))?;
    let clean = runtime.block_on(promptopt_lsp::serve(
        tokio::io::stdin(),
        tokio::io::stdout(),
    ));
    // Reading stdin blocks a runtime thread; a client that keeps stdin open after `exit`
    // must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    tracing::info!(clean, "language server exited");
    // LSP: exit code 0 after shutdown, 1 when `exit` (or end of input) came without it.
    Ok(if clean { SUCCESS } else { 1 })
}

fn init_logging(args: &LspArgs) -> Result<(), CliError> {
    let filter = match &args.log_level {
        Some(level) => EnvFilter::try_new(level).map_err(|e| {
            CliError::Usage(format!("--log-level {level} is not a valid filter: {e}"))
        })?,
        None => EnvFilter::try_from_env("PROMPTOPT_LOG").unwrap_or_else(|_| EnvFilter::new("warn")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    match &args.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| {
                    CliError::Usage(format!("cannot open log file {}: {e}", path.display()))
                })?;
            builder.with_writer(std::sync::Mutex::new(file)).init();
        }
        // Never stdout: that is the protocol channel.
        None => builder.with_writer(std::io::stderr).init(),
    }
    Ok(())
}
