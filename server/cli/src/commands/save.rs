//! `promptopt save FILE`: record the file as a new version when its content changed.

use std::path::PathBuf;

use clap::Args;
use promptopt_store::Saved;

use crate::commands::state::{Registry, StateArgs};
use crate::exit::{CliError, SUCCESS};
use crate::output::registry as print;

#[derive(Args, Debug)]
pub struct SaveArgs {
    /// The prompt file.
    pub file: PathBuf,
    /// Why this version exists, kept with it.
    #[arg(long, short, value_name = "TEXT")]
    pub message: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &SaveArgs) -> Result<u8, CliError> {
    let registry = Registry::open(&args.state, Some(&args.file))?;
    let (file, id) = registry.read(&args.file)?;
    let saved = registry.save_file(&file, &id, args.message.clone())?;
    registry.close();
    if args.json {
        print::json(&saved);
    } else {
        let version = saved.version();
        match &saved {
            Saved::Created { .. } => print::emit(&format!(
                "saved {} as version {} of `{id}`\n",
                file.relative, version.id
            )),
            Saved::Unchanged { .. } => print::emit(&format!(
                "{} is unchanged since version {} of `{id}`: nothing recorded\n",
                file.relative, version.id
            )),
        }
    }
    Ok(SUCCESS)
}
