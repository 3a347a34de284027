//! `promptopt history FILE`: the prompt's versions, labels and audit trail.

use std::path::PathBuf;

use clap::Args;
use promptopt_store::Repository;
use serde::Serialize;

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

/// A prompt's whole record: what the FeedbackWidget's version trail shows.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub prompt_id: promptopt_store::PromptId,
    pub head: Option<promptopt_store::VersionId>,
    pub labels: Vec<Label>,
    pub versions: Vec<promptopt_store::Version>,
    pub events: Vec<promptopt_store::audit::AuditEventRecord>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Label {
    pub label: promptopt_store::Label,
    pub version_id: promptopt_store::VersionId,
}

pub fn run(args: &HistoryArgs) -> Result<u8, CliError> {
    let registry = Registry::open(&args.state, Some(&args.file))?;
    let (_, id) = registry.read(&args.file)?;
    let store = &registry.store;
    let history = History {
        head: registry.run(store.head(&id))?.map(|v| v.id),
        labels: registry
            .run(store.labels(&id))?
            .into_iter()
            .map(|(label, version_id)| Label { label, version_id })
            .collect(),
        versions: registry.run(store.versions(&id))?,
        events: registry.run(store.history(&id))?,
        prompt_id: id,
    };
    registry.close();
    if args.json {
        print::json(&history);
    } else {
        print::emit(&print::history(&history));
    }
    Ok(SUCCESS)
}
