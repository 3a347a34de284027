//! `promptopt key`: API keys in the OS keyring, so they live in neither files nor shell
//! history. The environment variables the vendors' SDKs read stay the fallback (CI).

use std::io::BufRead;

use clap::{Args, Subcommand};
use promptopt_engine::provider::{KeySource, ProviderKind, delete_key, lookup_key, store_key};

use crate::exit::{CliError, SUCCESS};
use crate::output::engine::emit;

#[derive(Args)]
pub struct KeyArgs {
    #[command(subcommand)]
    pub action: KeyAction,
}

#[derive(Subcommand)]
pub enum KeyAction {
    /// Store a provider's key, read from stdin (`promptopt key set openai < key.txt`, or paste
    /// it and press Enter).
    Set { provider: String },
    /// Remove a provider's key from the keyring.
    Delete { provider: String },
    /// Where each provider's key would come from (the keys themselves are never shown).
    Status,
}

const PROVIDERS: [ProviderKind; 3] = [
    ProviderKind::OpenAi,
    ProviderKind::Azure,
    ProviderKind::Anthropic,
];

fn provider(name: &str) -> Result<ProviderKind, CliError> {
    ProviderKind::parse(name).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown provider `{name}`: use one of {}",
            ProviderKind::NAMES
        ))
    })
}

pub fn run(args: &KeyArgs) -> Result<u8, CliError> {
    match &args.action {
        KeyAction::Set { provider: name } => {
            let kind = provider(name)?;
            let mut secret = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut secret)
                .map_err(|e| CliError::Usage(format!("cannot read the key from stdin: {e}")))?;
            store_key(kind.name(), &secret).map_err(|e| {
                CliError::Usage(format!(
                    "{e}; on a machine without a usable keyring, set {} in the environment instead",
                    kind.key_env()
                ))
            })?;
            eprintln!("stored the {} key in the OS keyring", kind.name());
        }
        KeyAction::Delete { provider: name } => {
            let kind = provider(name)?;
            let removed = delete_key(kind.name()).map_err(CliError::Usage)?;
            eprintln!(
                "{}",
                if removed {
                    format!("removed the {} key from the OS keyring", kind.name())
                } else {
                    format!("the OS keyring had no {} key", kind.name())
                }
            );
        }
        KeyAction::Status => {
            let mut out = String::new();
            for kind in PROVIDERS {
                let source = match lookup_key(kind.name(), kind.key_env()) {
                    Some((_, KeySource::Keyring)) => "OS keyring".to_string(),
                    Some((_, KeySource::Environment(var))) => format!("environment ({var})"),
                    None => format!(
                        "none (`promptopt key set {}` or {})",
                        kind.name(),
                        kind.key_env()
                    ),
                };
                out.push_str(&format!("{:<10} {source}\n", kind.name()));
            }
            emit(&out);
        }
    }
    Ok(SUCCESS)
}
