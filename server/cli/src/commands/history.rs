//! `promptopt history FILE`: the prompt's versions, labels, audit trail and drift alerts.

use std::path::PathBuf;

use clap::Args;
use promptopt_store::prompt_history;

use crate::commands::state::{Registry, StateArgs};
use crate::exit::{CliError, SUCCESS};
use crate::output::registry as print;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The prompt file.
    pub file: PathBuf,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &HistoryArgs) -> Result<u8, CliError> {
    let registry = Registry::open_existing(&args.state, Some(&args.file))?;
    let (_, id) = registry.read(&args.file)?;
    let history = registry.run(prompt_history(&registry.store, &id, &registry.user));
    registry.close();
    let history = history?;
    if args.json {
        print::json(&history);
    } else {
        print::emit(&print::history(&history));
    }
    Ok(SUCCESS)
}
