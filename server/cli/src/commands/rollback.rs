//! `promptopt rollback FILE --reason T`: restore an earlier version, in the registry and in the
//! file.

use std::path::PathBuf;

use clap::Args;
use promptopt_store::{Repository, RollbackRequest, VersionId};

use crate::commands::state::{OverrideArg, Registry, StateArgs, replace_file, store_error};
use crate::exit::{CliError, SUCCESS};
use crate::output::registry as print;

#[derive(Args, Debug)]
pub struct RollbackArgs {
    /// The prompt file. Unsaved changes in it are saved as a version first, so nothing is lost.
    pub file: PathBuf,
    /// The version to restore (default: the one before the head).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<VersionId>,
    /// Why, for the audit trail.
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    #[command(flatten)]
    pub override_rules: OverrideArg,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

pub fn run(args: &RollbackArgs) -> Result<u8, CliError> {
    // Checked before the file is saved: a refused rollback records nothing.
    promptopt_store::validate::reason(&args.reason).map_err(store_error)?;
    let registry = Registry::open(&args.state, Some(&args.file))?;
    let (file, id) = registry.read(&args.file)?;
    if let Some(to) = args.to {
        registry.run(
            registry
                .subject(&file, &id)
                .check_version(&registry.store, to),
        )?;
    }
    registry.save_file(&file, &id, Some("saved before a rollback".into()))?;
    let rolled = registry.run(registry.store.rollback(RollbackRequest {
        prompt_id: id.clone(),
        to: args.to,
        user: registry.user.clone(),
        reason: args.reason.clone(),
        override_rules: args.override_rules.rules(),
    }))?;
    registry.close();
    replace_file(&file.path, &rolled.version.content)?;
    if args.json {
        print::json(&rolled);
    } else {
        let labels: Vec<&str> = rolled.labels_moved.iter().map(|l| l.as_str()).collect();
        print::emit(&format!(
            "restored version {} of `{id}` as version {}{}; wrote {}\n",
            rolled.restored,
            rolled.version.id,
            if labels.is_empty() {
                String::new()
            } else {
                format!(" (moved {})", labels.join(", "))
            },
            file.relative
        ));
    }
    Ok(SUCCESS)
}
