//! `promptopt audit verify|export|checkpoint|rotate-keys`: the compliance officer's door.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use promptopt_store::audit::Checkpoint;
use promptopt_store::audit::export::{self, ExportFormat};
use promptopt_store::{AuditFilter, PromptId, Repository};

use crate::commands::state::{Registry, StateArgs, replace_file};
use crate::exit::{CliError, FINDINGS, SUCCESS};
use crate::output::registry as print;

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the hash chain, open every entry, check every signature; exit 1 naming the
    /// first bad entry.
    Verify {
        /// Also check the log against a checkpoint saved earlier with `audit checkpoint`
        /// (catches a log cut short together with its own checkpoints).
        #[arg(long, value_name = "FILE")]
        against: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Print the decrypted trail.
    Export {
        #[arg(long, value_enum, default_value = "jsonl")]
        format: Format,
        /// Entries at or after this date (2026-11-01) or time (RFC 3339).
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// Only this prompt's entries (its registry id).
        #[arg(long, value_name = "ID")]
        prompt: Option<String>,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Sign the log's head now and print the checkpoint: keep it somewhere else (a ticket, a
    /// second machine) to check the log against later.
    Checkpoint {
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Start a new generation of audit keys; the rotation is recorded and signed by the old one.
    RotateKeys {
        #[arg(long)]
        json: bool,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum Format {
    Jsonl,
    Csv,
}

pub fn run(args: &AuditArgs) -> Result<u8, CliError> {
    let registry = Registry::open_existing(&args.state, None)?;
    let code = match &args.command {
        AuditCommand::Verify { against, json } => verify(&registry, against.as_deref(), *json),
        AuditCommand::Export {
            format,
            since,
            prompt,
            out,
        } => export(
            &registry,
            *format,
            since.as_deref(),
            prompt.as_deref(),
            out.as_deref(),
        ),
        AuditCommand::Checkpoint { out } => checkpoint(&registry, out.as_deref()),
        AuditCommand::RotateKeys { json } => {
            let key = registry.run(registry.store.rotate_keys(registry.user.clone()))?;
            if *json {
                print::json(&serde_json::json!({ "keyId": key.as_str() }));
            } else {
                print::emit(&format!(
                    "new audit key generation {key}; older entries still verify\n"
                ));
            }
            Ok(SUCCESS)
        }
    };
    registry.close();
    code
}

fn verify(registry: &Registry, against: Option<&Path>, json: bool) -> Result<u8, CliError> {
    let saved = against.map(read_checkpoint).transpose()?;
    let verdict = registry.run(registry.store.verify(saved))?;
    if json {
        print::json(&match &verdict {
            Ok(verified) => serde_json::json!({ "ok": true, "verified": verified }),
            Err(problem) => serde_json::json!({ "ok": false, "problem": problem }),
        });
    } else {
        print::emit(&print::verdict(&verdict));
    }
    Ok(if verdict.is_ok() { SUCCESS } else { FINDINGS })
}

fn read_checkpoint(path: &Path) -> Result<Checkpoint, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{} is not a checkpoint from `promptopt audit checkpoint`: {e}",
            path.display()
        ))
    })
}

fn export(
    registry: &Registry,
    format: Format,
    since: Option<&str>,
    prompt: Option<&str>,
    out: Option<&Path>,
) -> Result<u8, CliError> {
    let filter = AuditFilter {
        since: since
            .map(promptopt_store::parse_since)
            .transpose()
            .map_err(|e| CliError::Usage(format!("--since: {e}")))?,
        prompt_id: prompt
            .map(PromptId::new)
            .transpose()
            .map_err(|e| CliError::Usage(format!("--prompt: {e}")))?,
    };
    let records = registry.run(registry.store.audit_records(filter))?;
    let format = match format {
        Format::Jsonl => ExportFormat::Jsonl,
        Format::Csv => ExportFormat::Csv,
    };
    let mut bytes = Vec::new();
    export::write(&records, format, &mut bytes)
        .map_err(|e| CliError::Usage(format!("cannot format the export: {e}")))?;
    let text = String::from_utf8_lossy(&bytes);
    match out {
        Some(path) => {
            replace_file(path, &text)?;
            eprintln!("wrote {} entries to {}", records.len(), path.display());
        }
        None => print::emit(&text),
    }
    Ok(SUCCESS)
}

fn checkpoint(registry: &Registry, out: Option<&Path>) -> Result<u8, CliError> {
    let checkpoint = registry.run(registry.store.checkpoint())?;
    let text = serde_json::to_string_pretty(&checkpoint)
        .map_err(|e| CliError::Usage(format!("cannot format the checkpoint: {e}")))?;
    match out {
        Some(path) => {
            replace_file(path, &format!("{text}\n"))?;
            eprintln!(
                "wrote the checkpoint of entry {} to {}",
                checkpoint.seq,
                path.display()
            );
        }
        None => print::emit(&format!("{text}\n")),
    }
    Ok(SUCCESS)
}
