//! Review gating from the command line: `promptopt review FILE` asks for a review,
//! `promptopt approve FILE` approves, `promptopt deploy FILE` points a label at the version.

use std::path::PathBuf;

use clap::Args;
use promptopt_store::{
    Approval, Deployment, Label, PromptId, Repository, ReviewRequest, Version, VersionId,
};

use crate::commands::state::{OverrideArg, Registry, StateArgs};
use crate::exit::{CliError, SUCCESS};
use crate::output::registry as print;

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// The prompt file. Its content is saved as a version first if it changed.
    pub file: PathBuf,
    /// A note for the reviewer.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct ApproveArgs {
    /// The prompt file. Its head is approved, and must hold what the file holds.
    pub file: PathBuf,
    /// Approve this version instead of the file's.
    #[arg(long, value_name = "VERSION")]
    pub version: Option<VersionId>,
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    #[command(flatten)]
    pub override_rules: OverrideArg,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

#[derive(Args, Debug)]
pub struct DeployArgs {
    /// The prompt file. Its head is deployed, and must hold what the file holds.
    pub file: PathBuf,
    /// Deploy this version instead of the file's.
    #[arg(long, value_name = "VERSION")]
    pub version: Option<VersionId>,
    /// The label to move.
    #[arg(long, value_name = "NAME", default_value = Label::PRODUCTION)]
    pub label: String,
    /// Where it went: a release, a commit, a ticket.
    #[arg(long = "ref", value_name = "REF")]
    pub deploy_ref: Option<String>,
    #[command(flatten)]
    pub override_rules: OverrideArg,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub state: StateArgs,
}

/// The version an approval or a deployment acts on: `--version`, else the head, which must
/// hold what the file holds (see `Subject::recorded_head`).
fn target(
    registry: &Registry,
    file: &std::path::Path,
    version: Option<VersionId>,
) -> Result<(PromptId, VersionId), CliError> {
    let (file, id) = registry.read(file)?;
    let subject = registry.subject(&file, &id);
    let version = match version {
        Some(version) => {
            registry.run(subject.check_version(&registry.store, version))?;
            version
        }
        None => registry.run(subject.recorded_head(&registry.store))?,
    };
    Ok((id, version))
}

fn report(json: bool, verb: &str, version: &Version) {
    if json {
        print::json(version);
    } else {
        print::emit(&format!(
            "{verb} version {} of `{}`: now {}\n",
            version.id,
            version.prompt_id,
            version.review.as_str()
        ));
    }
}

pub fn review(args: &ReviewArgs) -> Result<u8, CliError> {
    let registry = Registry::open(&args.state, Some(&args.file))?;
    // Asking for a review is the author's act: the file as it is now is what gets reviewed.
    let (file, id) = registry.read(&args.file)?;
    let version_id = registry.save_file(&file, &id, None)?.version().id;
    let version = registry.run(registry.store.request_review(ReviewRequest {
        version_id,
        user: registry.user.clone(),
        note: args.note.clone(),
    }));
    registry.close();
    report(args.json, "asked for a review of", &version?);
    Ok(SUCCESS)
}

pub fn approve(args: &ApproveArgs) -> Result<u8, CliError> {
    let registry = Registry::open(&args.state, Some(&args.file))?;
    let (_, version_id) = target(&registry, &args.file, args.version)?;
    let version = registry.run(registry.store.approve(Approval {
        version_id,
        approver: registry.user.clone(),
        note: args.note.clone(),
        override_rules: args.override_rules.rules(),
    }));
    registry.close();
    report(args.json, "approved", &version?);
    Ok(SUCCESS)
}

pub fn deploy(args: &DeployArgs) -> Result<u8, CliError> {
    let label =
        Label::new(args.label.clone()).map_err(|e| CliError::Usage(format!("--label: {e}")))?;
    let registry = Registry::open(&args.state, Some(&args.file))?;
    let (id, version_id) = target(&registry, &args.file, args.version)?;
    let version = registry.run(registry.store.deploy(Deployment {
        prompt_id: id,
        version_id: Some(version_id),
        label: label.clone(),
        user: registry.user.clone(),
        deploy_ref: args.deploy_ref.clone(),
        override_rules: args.override_rules.rules(),
    }));
    registry.close();
    report(args.json, &format!("deployed ({label})"), &version?);
    Ok(SUCCESS)
}
