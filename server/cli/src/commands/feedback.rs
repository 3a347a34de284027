//! `promptopt feedback FILE --score N`: rate the prompt as the file holds it.

use std::path::PathBuf;

use clap::Args;
use promptopt_store::{FeedbackPayload, Rating, Repository, VersionId, validate};

use crate::commands::state::{Registry, StateArgs, store_error};
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
    let score = Rating::new(args.score).map_err(CliError::Usage)?;
    // Checked before the file is saved: refused feedback records nothing.
    validate::note("notes", args.notes.as_deref()).map_err(store_error)?;
    let registry = Registry::open(&args.state, Some(&args.file))?;
    let (file, id) = registry.read(&args.file)?;
    let subject = registry.subject(&file, &id);
    let version = registry.run(subject.version_or_save(&registry.store, args.version))?;
    let recorded = registry.run(registry.store.submit_feedback(FeedbackPayload {
        prompt_id: id.clone(),
        user: registry.user.clone(),
        score,
        notes: args.notes.clone(),
        version_id: Some(version),
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
