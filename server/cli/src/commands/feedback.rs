//! `promptopt feedback FILE --score N`: rate the prompt as the file holds it.

use std::path::PathBuf;

use clap::Args;
use promptopt_store::{FeedbackPayload, Rating, Repository, VersionId};

use crate::commands::state::{Registry, StateArgs};
use crate::exit::{CliError, SUCCESS};
use crate::output::registry as print;

#[derive(Args, Debug)]
pub struct FeedbackArgs {
    /// The prompt file. Its content is saved as a version first if it changed.
    pub file: PathBuf,
    /// 1 (poor) to 5 (excellent).
    #[arg(long, value_name = "1-5", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub score: u8,
    /// What was good or bad: it feeds `promptopt refine`.
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// Rate this version instead of the file's.
    #[arg(long, value_name = "VERSION")]
    pub version: Option<VersionId>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &FeedbackArgs) -> Result<u8, CliError> {
    let registry = Registry::open(&args.state, Some(&args.file))?;
    let (file, id) = registry.read(&args.file)?;
    if args.version.is_none() {
        registry.save_file(&file, &id, None)?;
    }
    let score = Rating::new(args.score).map_err(CliError::Usage)?;
    let recorded = registry.run(registry.store.submit_feedback(FeedbackPayload {
        prompt_id: id.clone(),
        user: registry.user.clone(),
        score,
        notes: args.notes.clone(),
        version_id: args.version,
    }))?;
    registry.close();
    if args.json {
        print::json(&recorded);
    } else {
        print::emit(&format!(
            "recorded {}/5 for version {} of `{id}`\n",
            args.score, recorded.version_id
        ));
        if let Some(alert) = &recorded.alert {
            print::emit(&print::alert_line(alert));
        }
    }
    Ok(SUCCESS)
}
